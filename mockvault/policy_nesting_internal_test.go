package mockvault

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
)

// parsePolicyUnbounded is parsePolicy without boundNesting: hcl's parse
// of the whole text, as Vault does it. Fine a few thousand levels deep.
func parsePolicyUnbounded(rules string) (*policy, error) {
	root, err := hcl.Parse(rules)
	if err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return nil, fmt.Errorf("failed to parse policy: does not contain a root object")
	}
	if err := checkHCLKeys(list, []string{"name", "path"}); err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	var hp hclPolicy
	if err := hcl.DecodeObject(&hp, list); err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	p := &policy{raw: rules}
	if o := list.Filter("path"); len(o.Items) > 0 {
		if err := parsePaths(p, o); err != nil {
			return nil, fmt.Errorf("failed to parse policy: %w", err)
		}
	}
	return p, nil
}

// policySummary renders what a request can observe of a policy (parameter
// values deeper than a request can nest are left out).
func policySummary(p *policy) string {
	var b strings.Builder
	keys := func(m map[string][]any) []string {
		var out []string
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	for _, pr := range p.paths {
		fmt.Fprintf(&b, "%q %v %v %v %v %v %v %v %v\n", pr.key, pr.caps, pr.prefix, pr.segWild, pr.minWrap, pr.maxWrap,
			keys(pr.allowed), keys(pr.denied), pr.required)
	}
	return b.String()
}

// genDeep returns a random HCL value nested about depth levels deep
// (lists, objects in lists, objects in objects), with a random mistake
// somewhere when bad.
func genDeep(r *rand.Rand, depth int, bad bool) string {
	var b strings.Builder
	lit := func() {
		b.WriteString([]string{`"v"`, "12", "true", "2.5", "\"é€😀\t\"", "<<EOT\nline é\nEOT\n", `"w"`}[r.Intn(7)])
	}
	sep := func() {
		b.WriteString([]string{"\n", "\r\n", " # c\n", " /* c\n */ ", " ", " ", " "}[r.Intn(7)])
	}
	mistakeAt := -1
	if bad {
		mistakeAt = r.Intn(2 * depth)
		if r.Intn(2) == 0 {
			mistakeAt = depth - 50 + r.Intn(100) // deepest levels
		}
	}
	step := 0
	mistake := func() {
		if step == mistakeAt {
			b.WriteString([]string{" x ", "]", "}", ",,", "=", "\x00", `"\q"`, "{a=1\na=2}", "{}", "[", "{"}[r.Intn(11)])
		}
		step++
	}
	var stack []byte // what closes each level: ']' or '}'
	body := false    // in an object's body (items), not where a value goes
	for i := 0; i < depth; i++ {
		mistake()
		switch {
		case !body && r.Intn(5) == 0:
			b.WriteString("{a = ")
			stack = append(stack, '}')
		case !body:
			b.WriteString("[")
			stack = append(stack, ']')
		case r.Intn(3) == 0:
			b.WriteString("b {")
			stack = append(stack, '}')
		default:
			b.WriteString("c = [")
			stack = append(stack, ']')
		}
		body = strings.HasSuffix(b.String(), "{")
		if !body && r.Intn(6) == 0 {
			b.WriteString("{") // an object in a list, then its body
			stack = append(stack, '}')
			body = true
		}
		sep()
		if stack[len(stack)-1] == ']' && r.Intn(3) == 0 {
			lit()
			b.WriteString(",")
			sep()
		}
	}
	if body {
		b.WriteString("d = ")
	}
	lit()
	for len(stack) > 0 {
		mistake()
		sep()
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		b.WriteByte(c)
		if len(stack) > 0 && stack[len(stack)-1] == ']' && r.Intn(3) == 0 {
			b.WriteString(", ")
			lit()
		}
	}
	return b.String()
}

// The parse through boundNesting answers what a full parse answers
// (Vault's answer) for random policies nested past policyParseDepth,
// except a limit error where the full parse fails below that depth.
func TestBoundNestingMatchesFullParse(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	n := 40 // the full parse of an invalid one costs 40 ms (quadratic)
	if testing.Short() {
		n = 10
	}
	templates := []string{
		"path \"a\" { capabilities = %s }",
		"path \"a\" { capabilities = [\"read\"]\n allowed_parameters = { \"k\" = [%s] } }",
		"path \"a\" { capabilities = [\"read\"]\n denied_parameters = { \"k\" = %s } }\npath \"b\" { policy = \"write\" }",
		"path \"a\" { x = %s }",
		"path \"a\" { capabilities = [\"read\"] }\nfoo = %s",
		"path \"a\" { capabilities = [\"read\"]\r\n min_wrapping_ttl = %s } bogus",
		"path \"a\" { capabilities = %s, \"read\"] }",
	}
	limits := 0
	for i := 0; i < n; i++ {
		depth := policyParseDepth - 20 + r.Intn(100)
		text := fmt.Sprintf(templates[r.Intn(len(templates))], genDeep(r, depth, r.Intn(2) == 0))
		want, wantErr := parsePolicyUnbounded(text)
		got, gotErr := parsePolicy("", text)
		switch {
		case gotErr != nil && strings.Contains(gotErr.Error(), "levels deep"):
			limits++
			if wantErr == nil {
				t.Fatalf("case %d: limit error %v for a policy that parses\n%.500q", i, gotErr, text)
			}
		case (gotErr == nil) != (wantErr == nil):
			t.Fatalf("case %d: error %v, full parse %v\n%.500q", i, gotErr, wantErr, text)
		case gotErr != nil && gotErr.Error() != wantErr.Error():
			t.Fatalf("case %d:\ngot  %.300s\nwant %.300s\n%.500q", i, gotErr, wantErr, text)
		case gotErr == nil && policySummary(got) != policySummary(want):
			t.Fatalf("case %d:\ngot  %s\nwant %s", i, policySummary(got), policySummary(want))
		}
	}
	t.Logf("%d cases, %d answered with the limit error", n, limits)
}

package e2e

// Differential random testing (difftest), part 4: printing a sequence as Go
// code in the Register(S(...)) form of the scenario files.

import (
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"go/format"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// GoScenario prints steps as a Register(S(name, ...)) call that can be
// pasted into the init function of a scenarios_*.go file. Mounts the steps
// enable, cubbyhole entries root writes and tunes of the shared mounts are
// undone in .Then(...); everything else the suite undoes by itself.
func GoScenario(name, doc string, steps []Step) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Register(S(%s,\n", strconv.Quote(name))
	for _, st := range steps {
		b.WriteString(GoStep(st))
		b.WriteString(",\n")
	}
	b.WriteString(")")
	if doc != "" {
		fmt.Fprintf(&b, ".Describe(%s)", goString(doc))
	}
	if undo := undoSteps(steps); len(undo) > 0 {
		b.WriteString(".Then(\n")
		for _, st := range undo {
			b.WriteString(GoStep(st))
			b.WriteString(",\n")
		}
		b.WriteString(")")
	}
	b.WriteString(")\n")
	return gofmtSnippet(b.String())
}

// gofmtSnippet formats a statement list; on error it returns it as is.
func gofmtSnippet(s string) string {
	out, err := formatSnippet(s)
	if err != nil {
		return s
	}
	return out
}

// formatSnippet gofmts a statement list (an init function's body).
func formatSnippet(s string) (string, error) {
	src := "package e2e\n\nfunc init() {\n" + s + "}\n"
	out, err := format.Source([]byte(src))
	if err != nil {
		return "", err
	}
	body := string(out)
	body = body[strings.Index(body, "{\n")+2 : strings.LastIndex(body, "}")]
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		lines = append(lines, strings.TrimPrefix(l, "\t"))
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// undoSteps undoes what a scenario leaves behind on a shared server that
// the suite's cleanup rules do not cover.
func undoSteps(steps []Step) []Step {
	var out []Step
	seen := map[string]bool{}
	add := func(st Step) {
		k := st.String() + conform.JSON(st.Body)
		if !seen[k] {
			seen[k] = true
			out = append(out, st)
		}
	}
	for _, st := range steps {
		p, _, _ := strings.Cut(st.Path, "?")
		write := st.Method == http.MethodPost || st.Method == http.MethodPut
		switch {
		case !write:
		case strings.HasSuffix(p, "/tune") && (strings.HasPrefix(p, "sys/mounts/") || strings.HasPrefix(p, "sys/auth/")):
			add(POST(p, M{"default_lease_ttl": 0, "max_lease_ttl": 0, "listing_visibility": "", "description": ""}))
		case strings.HasPrefix(p, "sys/mounts/") || strings.HasPrefix(p, "sys/auth/"):
			add(DELETE(p))
		case p == "secret/config":
			add(POST("secret/config", M{"max_versions": 0, "cas_required": false, "delete_version_after": "0s"}))
		case strings.HasPrefix(p, "cubbyhole/") && st.Token == "":
			add(DELETE(p))
		}
	}
	return out
}

// GoStep prints one step as a Go expression.
func GoStep(st Step) string {
	var b strings.Builder
	headers := st.Headers
	switch {
	case st.Method == http.MethodGet && st.Body == nil:
		fmt.Fprintf(&b, "GET(%s)", goString(st.Path))
	case st.Method == "LIST" && st.Body == nil:
		fmt.Fprintf(&b, "LIST(%s)", goString(st.Path))
	case st.Method == http.MethodDelete && st.Body == nil:
		fmt.Fprintf(&b, "DELETE(%s)", goString(st.Path))
	case st.Method == http.MethodPost:
		fmt.Fprintf(&b, "POST(%s, %s)", goString(st.Path), goValue(st.Body))
	case st.Method == http.MethodPut:
		fmt.Fprintf(&b, "PUT(%s, %s)", goString(st.Path), goValue(st.Body))
	case st.Method == "PATCH" && headers["Content-Type"] == "application/merge-patch+json":
		fmt.Fprintf(&b, "PATCH(%s, %s)", goString(st.Path), goValue(st.Body))
		headers = without(headers, "Content-Type")
	default:
		fmt.Fprintf(&b, "newStep(%s, %s, %s)", strconv.Quote(st.Method), goString(st.Path), goValue(st.Body))
	}
	switch {
	case st.Token == "":
	case st.Token == NoToken:
		b.WriteString(".Anonymous()")
	case conform.VarRe.MatchString(st.Token) && conform.VarRe.FindString(st.Token) == st.Token:
		fmt.Fprintf(&b, ".As(%s)", strconv.Quote(st.Token[2:len(st.Token)-2]))
	default:
		fmt.Fprintf(&b, ".WithToken(%s)", goString(st.Token))
	}
	for _, k := range sortedKeys(headers) {
		fmt.Fprintf(&b, ".Header(%s, %s)", strconv.Quote(k), goString(headers[k]))
	}
	saves := map[string]string{}
	for k, v := range st.Saves {
		saves[k] = v
	}
	for _, k := range sortedKeys(saves) {
		if saves[k] == "auth.client_token" && saves[k+"_acc"] == "auth.accessor" {
			fmt.Fprintf(&b, ".SaveToken(%s)", strconv.Quote(k))
			delete(saves, k)
			delete(saves, k+"_acc")
		}
	}
	for _, k := range sortedKeys(saves) {
		fmt.Fprintf(&b, ".Save(%s, %s)", strconv.Quote(k), strconv.Quote(saves[k]))
	}
	if len(st.Masked) > 0 {
		fmt.Fprintf(&b, ".Mask(%s)", quoteList(st.Masked))
	}
	if len(st.Ignored) > 0 {
		fmt.Fprintf(&b, ".Ignore(%s)", quoteList(st.Ignored))
	}
	if len(st.UnorderedLists) > 0 {
		fmt.Fprintf(&b, ".Unordered(%s)", quoteList(st.UnorderedLists))
	}
	if st.Wait > 0 {
		fmt.Fprintf(&b, ".After(%d * time.Millisecond)", st.Wait.Milliseconds())
	}
	if st.Settled != nil {
		fmt.Fprintf(&b, " /* settles: %s */", strings.ReplaceAll(st.SettledDoc, "*/", "* /"))
	}
	if st.Note != "" {
		fmt.Fprintf(&b, ".Because(%s)", goString(st.Note))
	}
	return b.String()
}

func without(h map[string]string, key string) map[string]string {
	out := map[string]string{}
	for k, v := range h {
		if k != key {
			out[k] = v
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// goValue prints a step body or a value inside one.
func goValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case RawBody:
		return "RawBody(" + goString(string(x)) + ")"
	case map[string]any:
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, goString(k)+": "+goValue(x[k]))
		}
		return "M{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = goValue(e)
		}
		return "[]any{" + strings.Join(parts, ", ") + "}"
	case []string:
		return "[]string{" + quoteList(x) + "}"
	case []int:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = strconv.Itoa(e)
		}
		return "[]int{" + strings.Join(parts, ", ") + "}"
	case string:
		return goString(x)
	case bool:
		return strconv.FormatBool(x)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1e15 {
			return strconv.FormatFloat(x, 'f', 1, 64)
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprintf("%#v", v)
	}
}

// goString quotes s, writing long runs of one repeated unit as
// strings.Repeat so that oversized inputs stay readable.
func goString(s string) string {
	if len(s) < 64 {
		return strconv.Quote(s)
	}
	var parts []string
	lit := func(t string) {
		if t != "" {
			parts = append(parts, strconv.Quote(t))
		}
	}
	i, start := 0, 0
	for i < len(s) {
		unit, n := repeatedAt(s, i)
		if n*len(unit) >= 64 {
			lit(s[start:i])
			parts = append(parts, fmt.Sprintf("strings.Repeat(%s, %d)", strconv.Quote(unit), n))
			i += n * len(unit)
			start = i
			continue
		}
		i++
	}
	lit(s[start:])
	return strings.Join(parts, " + ")
}

// repeatedAt finds the unit (1 to 4 bytes) repeated most at s[i:].
func repeatedAt(s string, i int) (string, int) {
	best, bestN := "", 0
	for l := 1; l <= 4 && i+l <= len(s); l++ {
		unit := s[i : i+l]
		n := 1
		for j := i + l; j+l <= len(s) && s[j:j+l] == unit; j += l {
			n++
		}
		if n*l > bestN*len(best) {
			best, bestN = unit, n
		}
	}
	return best, bestN
}

// WriteDiffReport prints the outcome of RunDiff: one summary line, then
// every finding with the diverging answers side by side and the minimised
// scenario as Go code.
func WriteDiffReport(w io.Writer, sum *DiffSummary, cfg DiffConfig) {
	var known, flaky int
	for _, n := range sum.Hits {
		known += n
	}
	for _, f := range sum.Findings {
		if f.Flaky {
			flaky++
		}
	}
	reported := sum.Reported()
	last := sum.FirstSeed + int64(sum.Seqs) - 1
	fmt.Fprintf(w, "difftest: %d sequence(s) (%d steps) in %s, seeds %d..%d: ", sum.Seqs, sum.Steps, sum.Elapsed.Round(100*time.Millisecond), sum.FirstSeed, last)
	if len(reported) == 0 {
		fmt.Fprint(w, "no unexplained divergence")
	} else {
		fmt.Fprintf(w, "%d divergence(s)", len(reported))
	}
	if known > 0 {
		fmt.Fprintf(w, "; %d known (e2e/difftest_allow.go)", known)
	}
	if sum.Dups > 0 {
		fmt.Fprintf(w, "; %d repeat(s) of a finding", sum.Dups)
	}
	if flaky > 0 {
		fmt.Fprintf(w, "; %d did not reproduce reliably (not reported)", flaky)
	}
	fmt.Fprintln(w)
	if known > 0 {
		var hits, none []string
		for _, a := range diffAllowList {
			if n := sum.Hits[a.ID]; n > 0 {
				hits = append(hits, fmt.Sprintf("%s=%d", a.ID, n))
			} else {
				none = append(none, a.ID)
			}
		}
		fmt.Fprintf(w, "  allow-list hits: %s", strings.Join(hits, " "))
		if len(none) > 0 {
			fmt.Fprintf(w, "; not hit: %s", strings.Join(none, " "))
		}
		fmt.Fprintln(w)
	}
	for n, f := range sum.Findings {
		if f.Known != nil {
			continue
		}
		names := []string{"vault", "mock"}
		if len(f.Result.Ex) == 2 {
			names = diffNames(f.Result)
		}
		fmt.Fprintf(w, "\n=== finding %d: seed %d, step %d of the sequence: %s\n", n+1, f.Seed, f.Result.Index, f.Result.Step)
		for _, d := range f.Result.Diffs {
			fmt.Fprintf(w, "  %s\n", d)
		}
		if f.Flaky {
			if len(f.Minimal) == 0 {
				fmt.Fprintf(w, "  did not reproduce on fresh targets (%d runs): treated as a timing artefact, not reported\n", f.Runs)
				continue
			}
			fmt.Fprintf(w, "  unstable: only %d/%d re-runs of the minimised scenario diverge alike (nondeterminism on one side), not reported:\n", f.Verified, cfg.Verify)
			for _, l := range strings.Split(strings.TrimRight(GoScenario(fmt.Sprintf("difftest/seed-%d", f.Seed), "", f.Minimal), "\n"), "\n") {
				fmt.Fprintf(w, "\t%s\n", l)
			}
			continue
		}
		fmt.Fprintf(w, "  minimised from %d to %d step(s) in %d runs (%s); %d/%d re-runs of it diverge alike\n",
			len(f.Seq), len(f.Minimal), f.Runs, f.Elapsed.Round(100*time.Millisecond), f.Verified, cfg.Verify)
		steps := ""
		if cfg.Steps != 40 {
			steps = fmt.Sprintf(" STEPS=%d", cfg.Steps)
		}
		fmt.Fprintf(w, "  reproduce the whole sequence (%d steps): make difftest SEED=%d SEQS=1%s\n", len(f.Seq), f.Seed, steps)
		fmt.Fprintf(w, "  the minimised scenario (paste into a scenarios_*.go init):\n\n")
		code := GoScenario(fmt.Sprintf("difftest/seed-%d", f.Seed), fmt.Sprintf("difftest seed %d: %s", f.Seed, f.Sig), f.Minimal)
		if strings.Contains(code, "strings.Repeat") {
			fmt.Fprintf(w, "\t// needs import \"strings\"\n")
		}
		if strings.Contains(code, "time.Millisecond") {
			fmt.Fprintf(w, "\t// needs import \"time\"\n")
		}
		for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
			fmt.Fprintf(w, "\t%s\n", l)
		}
		if len(f.MinRes.Ex) == 2 {
			fmt.Fprintf(w, "\n  its last step, %s on the left, %s on the right:\n", names[0], names[1])
			Render(w, f.MinRes, names)
		}
	}
}

func diffNames(sr StepResult) []string {
	names := []string{"vault", "mock"}
	for _, d := range sr.Diffs {
		// "status: vault=400 mock=200" names both sides
		if s, ok := strings.CutPrefix(d, "status: "); ok {
			a, b, _ := strings.Cut(s, " ")
			n0, _, _ := strings.Cut(a, "=")
			n1, _, _ := strings.Cut(b, "=")
			if n0 != "" && n1 != "" {
				names = []string{n0, n1}
			}
		}
	}
	return names
}

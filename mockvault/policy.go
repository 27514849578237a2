package mockvault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
	hclparser "github.com/hashicorp/hcl/hcl/parser"
	hclscanner "github.com/hashicorp/hcl/hcl/scanner"
	hcltoken "github.com/hashicorp/hcl/hcl/token"
	jsonscanner "github.com/hashicorp/hcl/json/scanner"
	jsontoken "github.com/hashicorp/hcl/json/token"
)

// capability bits, as Vault's ACL keeps them.
type capability uint16

const (
	capDeny capability = 1 << iota
	capCreate
	capRead
	capUpdate
	capDelete
	capList
	capSudo
	capPatch
	capRoot
	capSubscribe
	capRecover
)

// capNames is sorted by name: capability lists come out in this order.
var capNames = []struct {
	name string
	bit  capability
}{
	{"create", capCreate}, {"delete", capDelete}, {"deny", capDeny}, {"list", capList},
	{"patch", capPatch}, {"read", capRead}, {"recover", capRecover}, {"root", capRoot},
	{"subscribe", capSubscribe}, {"sudo", capSudo}, {"update", capUpdate},
}

func capFromName(n string) (capability, bool) {
	for _, c := range capNames {
		if c.name == n {
			return c.bit, true
		}
	}
	return 0, false
}

// names lists the capabilities in c as sys/capabilities shows them: sorted,
// "deny" alone when denied or empty, "root" alone for root.
func (c capability) names() []string {
	if c&capRoot != 0 {
		return []string{"root"}
	}
	if c&capDeny != 0 || c == 0 {
		return []string{"deny"}
	}
	var out []string
	for _, cn := range capNames {
		if c&cn.bit != 0 {
			out = append(out, cn.name)
		}
	}
	return out
}

func opCapability(o op) capability {
	switch o {
	case opRead:
		return capRead
	case opList:
		return capList
	case opCreate:
		return capCreate
	case opUpdate:
		return capUpdate
	case opDelete:
		return capDelete
	case opPatch:
		return capPatch
	}
	return 0
}

// pathRules is one `path "..." {}` block of a policy, or (in an ACL) the
// merged permissions of every block naming the same path.
type pathRules struct {
	// path is the path as Vault matches it: without the trailing '*' of a
	// prefix path; '+' paths keep their trailing '*'.
	path    string
	prefix  bool // ended in '*' (and has no '+' segment)
	segWild bool // has '+' segments
	// key is the path as written; templated paths ({{identity...}}) are
	// compiled from it when an ACL is built for a token.
	key       string
	templated bool

	caps     capability
	minWrap  time.Duration
	maxWrap  time.Duration
	allowed  map[string][]any
	denied   map[string][]any
	required []string
}

// policy is a named ACL policy with its raw text.
type policy struct {
	name      string
	raw       string
	paths     []*pathRules
	templated bool
	// nExact and nPrefix count the exact and prefix paths, to size an
	// ACL's maps.
	nExact, nPrefix int
}

// Vault's reserved policy names; spell them with these constants.
const (
	rootPolicyName             = "root"
	defaultPolicyName          = "default"
	responseWrappingPolicyName = "response-wrapping"
	controlGroupPolicyName     = "control-group"
)

// nonAssignablePolicies can never be attached to a token by a login, nor
// listed by LIST sys/policies/acl.
var nonAssignablePolicies = []string{responseWrappingPolicyName, controlGroupPolicyName}

// immutablePolicy tells the policies that can be neither written nor
// deleted: root and the non-assignable ones.
func immutablePolicy(name string) bool {
	return name == rootPolicyName || contains(nonAssignablePolicies, name)
}

// policyStore holds the ACL policies by (lower-case) name. It starts with
// Vault's built-in default, response-wrapping and control-group policies;
// root has no text and is answered specially.
type policyStore struct {
	byName map[string]*policy
	// acls caches ACLs by policy names (and entity, for templated
	// policies): see aclForEntity. aclRules counts the rules they hold.
	acls     map[string]*cachedACL
	aclRules int
}

func newPolicyStore() *policyStore {
	ps := &policyStore{byName: map[string]*policy{}}
	for name, p := range builtinPolicies() {
		ps.byName[name] = p
	}
	return ps
}

// builtinPolicies parses the built-in policies once per process: parsed
// policies are never modified in place, so servers can share them.
var builtinPolicies = sync.OnceValue(func() map[string]*policy {
	out := map[string]*policy{}
	for name, text := range map[string]string{
		defaultPolicyName:          defaultPolicyText,
		responseWrappingPolicyName: responseWrappingPolicyText,
		controlGroupPolicyName:     controlGroupPolicyText,
	} {
		p, err := parsePolicy(name, text)
		if err != nil {
			panic(err)
		}
		out[name] = p
	}
	return out
})

// sanitizePolicyName is how Vault normalises policy names.
func sanitizePolicyName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// get returns the named policy; "root" is a policy without text.
func (ps *policyStore) get(name string) *policy {
	name = sanitizePolicyName(name)
	if name == rootPolicyName {
		return &policy{name: rootPolicyName}
	}
	return ps.byName[name]
}

// lookup is get without making up the root policy: nil for root, as for
// a policy that does not exist.
func (ps *policyStore) lookup(name string) *policy {
	return ps.byName[sanitizePolicyName(name)]
}

// cachedACL returns the ACL cached under key if it was built from the
// policies the store now has under names.
func (ps *policyStore) cachedACL(key string, names []string) *cachedACL {
	c := ps.acls[key]
	if c == nil || len(c.pols) != len(names) {
		return nil
	}
	for i, n := range names {
		if ps.lookup(n) != c.pols[i] {
			return nil
		}
	}
	return c
}

// storeACL caches c under key, emptying the cache first when it would
// hold too much.
func (ps *policyStore) storeACL(key string, c *cachedACL) {
	if old := ps.acls[key]; old != nil {
		ps.aclRules -= old.rules
	}
	if ps.acls == nil || len(ps.acls) >= maxCachedACLs || ps.aclRules+c.rules > maxCachedACLRules {
		ps.acls, ps.aclRules = map[string]*cachedACL{}, 0
	}
	ps.acls[key] = c
	ps.aclRules += c.rules
}

// dropACLs forgets the cached ACLs built from old (a policy replaced or
// deleted): they would no longer be used (cachedACL checks), only kept.
func (ps *policyStore) dropACLs(old *policy) {
	if old == nil {
		return
	}
	for key, c := range ps.acls {
		for _, p := range c.pols {
			if p == old {
				delete(ps.acls, key)
				ps.aclRules -= c.rules
				break
			}
		}
	}
}

// dropEntityACLs forgets the ACLs built for one entity (those of templated
// policies): the identity store changed what their templates read.
func (ps *policyStore) dropEntityACLs() {
	for key, c := range ps.acls {
		if strings.Contains(key, "\x01") {
			delete(ps.acls, key)
			ps.aclRules -= c.rules
		}
	}
}

// list is what LIST sys/policies/acl answers: stored names in order
// without the non-assignable ones, then "root".
func (ps *policyStore) list() []string {
	out := []string{}
	for n := range ps.byName {
		if contains(nonAssignablePolicies, n) {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return append(out, rootPolicyName)
}

// names is kept for callers that want every policy name, root included.
func (ps *policyStore) names() []string { return ps.list() }

// set stores p, refusing Vault's immutable policies.
func (ps *policyStore) set(p *policy) error {
	p.name = sanitizePolicyName(p.name)
	if p.name == "" {
		return errors.New("policy name missing")
	}
	if immutablePolicy(p.name) {
		return fmt.Errorf("cannot update %q policy", p.name)
	}
	ps.dropACLs(ps.byName[p.name])
	ps.byName[p.name] = p
	return nil
}

// remove deletes a policy; deleting a missing one is not an error.
func (ps *policyStore) remove(name string) error {
	name = sanitizePolicyName(name)
	if immutablePolicy(name) {
		return fmt.Errorf("cannot delete %q policy", name)
	}
	if name == defaultPolicyName {
		return errors.New("cannot delete default policy")
	}
	ps.dropACLs(ps.byName[name])
	delete(ps.byName, name)
	return nil
}

// hclPathRules mirrors the shape Vault decodes a path block into, so the
// HCL library reports decoding errors with the same field names.
type hclPathRules struct {
	Policy                 string
	Capabilities           []string
	MinWrappingTTLHCL      any              `hcl:"min_wrapping_ttl"`
	MaxWrappingTTLHCL      any              `hcl:"max_wrapping_ttl"`
	AllowedParametersHCL   map[string][]any `hcl:"allowed_parameters"`
	DeniedParametersHCL    map[string][]any `hcl:"denied_parameters"`
	RequiredParametersHCL  []string         `hcl:"required_parameters"`
	MFAMethodsHCL          []string         `hcl:"mfa_methods"`
	ControlGroupHCL        *hclControlGroup `hcl:"control_group"`
	SubscribeEventTypesHCL []string         `hcl:"subscribe_event_types"`
}

type hclControlGroup struct {
	TTL     any                          `hcl:"ttl"`
	Factors map[string]*hclControlFactor `hcl:"factor"`
}

type hclControlFactor struct {
	Name                   string
	Identity               *hclIdentityFactor `hcl:"identity"`
	ControlledCapabilities []string           `hcl:"controlled_capabilities"`
}

type hclIdentityFactor struct {
	GroupIDs          []string `hcl:"group_ids"`
	GroupNames        []string `hcl:"group_names"`
	ApprovalsRequired int      `hcl:"approvals"`
}

type hclPolicy struct {
	Name string `hcl:"name"`
}

var validPathKeys = []string{
	"comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
	"required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods",
	"control_group", "subscribe_event_types",
}

// policyParseHook, when set (tests only), is called with the text of
// every policy parse: TestBigPolicyWriteLeavesOthersServed checks there
// whether the server lock is held while a policy parses.
var policyParseHook atomic.Pointer[func(rules string)]

// parsePolicy parses HCL or JSON policy text as Vault does, with Vault's
// error texts ("failed to parse policy: ...").
func parsePolicy(name, rules string) (*policy, error) {
	if h := policyParseHook.Load(); h != nil {
		(*h)(rules)
	}
	text, err := boundNesting(rules)
	if err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	root, err := parseHCL([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return nil, errors.New("failed to parse policy: does not contain a root object")
	}
	if err := checkHCLKeys(list, []string{"name", "path"}); err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	var hp hclPolicy
	if err := hcl.DecodeObject(&hp, list); err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	p := &policy{name: name, raw: rules}
	if o := list.Filter("path"); len(o.Items) > 0 {
		if err := parsePaths(p, o); err != nil {
			return nil, fmt.Errorf("failed to parse policy: %w", err)
		}
	}
	for _, pr := range p.paths {
		switch {
		case pr.segWild:
		case pr.prefix:
			p.nPrefix++
		default:
			p.nExact++
		}
	}
	return p, nil
}

// multiError renders errors as hashicorp/go-multierror does.
type multiError []error

func (m multiError) Error() string {
	if len(m) == 1 {
		return fmt.Sprintf("1 error occurred:\n\t* %s\n\n", m[0])
	}
	points := make([]string, len(m))
	for i, e := range m {
		points[i] = fmt.Sprintf("* %s", e)
	}
	return fmt.Sprintf("%d errors occurred:\n\t%s\n\n", len(m), strings.Join(points, "\n\t"))
}

// prefixErr is multierror.Prefix: each wrapped error gets the prefix.
func prefixErr(err error, prefix string) error {
	if m, ok := err.(multiError); ok {
		out := make(multiError, len(m))
		for i, e := range m {
			out[i] = fmt.Errorf("%s %s", prefix, e.Error())
		}
		return out
	}
	return fmt.Errorf("%s %s", prefix, err.Error())
}

// checkHCLKeys reports keys not in valid, one error per key.
func checkHCLKeys(node ast.Node, valid []string) error {
	var list *ast.ObjectList
	switch n := node.(type) {
	case *ast.ObjectList:
		list = n
	case *ast.ObjectType:
		list = n.List
	default:
		return fmt.Errorf("cannot check HCL keys of type %T", n)
	}
	ok := map[string]bool{}
	for _, v := range valid {
		ok[v] = true
	}
	var errs multiError
	for _, item := range list.Items {
		key, _ := item.Keys[0].Token.Value().(string)
		if !ok[key] {
			errs = append(errs, fmt.Errorf("invalid key %q on line %d", key, item.Assign.Line))
		}
	}
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// templateCheck validates identity templating braces in a path; it
// reports whether the path is templated.
func templateCheck(s string) (bool, error) {
	parts := strings.Split(s, "{{")
	if strings.Contains(parts[0], "}}") {
		return false, errors.New("unbalanced templating characters")
	}
	if len(parts) == 1 {
		return false, nil
	}
	for _, p := range parts[1:] {
		if len(strings.Split(p, "}}")) != 2 {
			return false, errors.New("unbalanced templating characters")
		}
	}
	return true, nil
}

// compilePath turns a policy path key into its matching form.
func compilePath(pr *pathRules, key string) error {
	p := key
	if len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	if strings.Contains(p, "+*") {
		return fmt.Errorf("path %q: invalid use of wildcards ('+*' is forbidden)", p)
	}
	pr.segWild = p == "+" || strings.Contains(p, "/+") || strings.HasPrefix(p, "+/")
	pr.prefix = false
	if strings.HasSuffix(p, "*") && !pr.segWild {
		p = strings.TrimSuffix(p, "*")
		pr.prefix = true
	}
	pr.path = p
	return nil
}

func parsePaths(p *policy, list *ast.ObjectList) error {
	for _, item := range list.Items {
		key := "path"
		if len(item.Keys) > 0 {
			key, _ = item.Keys[0].Token.Value().(string)
		}
		templated, err := templateCheck(key)
		if err != nil {
			return fmt.Errorf("failed to validate policy templating: %w", err)
		}
		if templated {
			p.templated = true
		}
		if err := checkHCLKeys(item.Val, validPathKeys); err != nil {
			return prefixErr(err, fmt.Sprintf("path %q:", key))
		}
		var hp hclPathRules
		if err := hcl.DecodeObject(&hp, item.Val); err != nil {
			return prefixErr(err, fmt.Sprintf("path %q:", key))
		}
		pr := &pathRules{key: key, templated: templated}
		if err := compilePath(pr, key); err != nil {
			return err
		}
		caps := hp.Capabilities
		switch hp.Policy {
		case "":
		case "deny":
			caps = []string{"deny"}
		case "read":
			caps = append(caps, "read", "list")
		case "write":
			caps = append(caps, "create", "read", "update", "delete", "list")
		case "sudo":
			caps = append(caps, "create", "read", "update", "delete", "list", "sudo")
		default:
			return fmt.Errorf("path %q: invalid policy %q", key, hp.Policy)
		}
		denied := false
		for _, c := range caps {
			if c == "deny" {
				pr.caps = capDeny
				denied = true
				break
			}
			bit, ok := capFromName(c)
			if !ok || bit == capRoot {
				return fmt.Errorf("path %q: invalid capability %q", key, c)
			}
			pr.caps |= bit
		}
		if denied {
			p.paths = append(p.paths, pr)
			continue
		}
		if hp.AllowedParametersHCL != nil {
			pr.allowed = lowerKeys(hp.AllowedParametersHCL)
		}
		if hp.DeniedParametersHCL != nil {
			pr.denied = lowerKeys(hp.DeniedParametersHCL)
		}
		if hp.MinWrappingTTLHCL != nil {
			if pr.minWrap, err = parseutil.ParseDurationSecond(hp.MinWrappingTTLHCL); err != nil {
				return fmt.Errorf("error parsing min_wrapping_ttl: %w", err)
			}
		}
		if hp.MaxWrappingTTLHCL != nil {
			if pr.maxWrap, err = parseutil.ParseDurationSecond(hp.MaxWrappingTTLHCL); err != nil {
				return fmt.Errorf("error parsing max_wrapping_ttl: %w", err)
			}
		}
		if cg := hp.ControlGroupHCL; cg != nil {
			if err := checkControlGroup(cg, caps); err != nil {
				return err
			}
		}
		if pr.minWrap != 0 && pr.maxWrap != 0 && pr.maxWrap < pr.minWrap {
			return errors.New("max_wrapping_ttl cannot be less than min_wrapping_ttl")
		}
		if len(hp.RequiredParametersHCL) > 0 {
			pr.required = hp.RequiredParametersHCL
		}
		p.paths = append(p.paths, pr)
	}
	return nil
}

// checkControlGroup applies the validation Vault does on control groups
// (an Enterprise feature whose policies still parse in OSS).
func checkControlGroup(cg *hclControlGroup, caps []string) error {
	if cg.TTL != nil {
		if _, err := parseutil.ParseDurationSecond(cg.TTL); err != nil {
			return fmt.Errorf("error parsing control group max ttl: %w", err)
		}
	}
	n := 0
	for _, f := range cg.Factors {
		if f.Identity == nil {
			return errors.New("no control_group factor provided")
		}
		if f.Identity.ApprovalsRequired <= 0 || (len(f.Identity.GroupIDs) == 0 && len(f.Identity.GroupNames) == 0) {
			return errors.New("must provide more than one identity group and approvals > 0")
		}
		for _, cc := range f.ControlledCapabilities {
			found := false
			for _, c := range caps {
				if c == cc {
					found = true
				}
			}
			if !found {
				return errors.New("control group factor capabilities must be a subset of the policy's capabilities")
			}
		}
		n++
	}
	if n == 0 {
		return errors.New("no control group factors provided")
	}
	return nil
}

func lowerKeys(m map[string][]any) map[string][]any {
	out := make(map[string][]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

// Policy nesting. hcl's parsers recurse once per nested list or object, and
// on an error every level wraps the message of the level below: a deeply
// nested policy costs stack and memory per level (500,000 levels: 0.9 GB),
// and past some depth it kills the process with a stack overflow no recover
// catches (Vault 1.21.1 dies that way too). boundNesting keeps every parse
// at most policyParseDepth levels deep and still gives Vault's answer:
//
//   - A list or object nested deeper than policyParseDepth is checked
//     bottom-up with hcl's own parser, one level at a time (its children
//     replaced by an empty "[]" or "{}", which parse the same way), then
//     blanked out of the text (spaces, keeping lines and columns), so the
//     parse that follows meets an empty list or object there, with the same
//     errors and positions. A decoded value then differs from Vault's only
//     below that depth, where no request value can equal it (a JSON body
//     nests at most jsonMaxDepth levels, a form value is a string).
//   - Invalid HCL below policyParseDepth would be answered with an error
//     wrapped once per level, quadratic to build: the mock answers a limit
//     error instead, unless the parse fails before reaching it.
//   - Deeper than policyMaxDepth (only a form body carries that much: a JSON
//     string stops at 1 MiB) is a limit error.
//   - JSON policies nested deeper than policyParseDepth are a limit error:
//     their parser flattens nested objects, so a blanked one would not
//     decode the same.
const (
	policyParseDepth = 1000
	policyMaxDepth   = 1 << 19
)

// nestFrame is an open list or object met by boundNesting.
type nestFrame struct {
	open hcltoken.Pos
	typ  hcltoken.Type
	skip [][2]int // interiors of its collapsed children (byte offsets)
}

// boundNesting returns rules ready for hcl.Parse: rules itself when nothing
// nests deeper than policyParseDepth, else a copy with the deeper parts
// checked and blanked out, or the error to answer.
func boundNesting(rules string) (string, error) {
	n := 0
	for i := 0; i < len(rules); i++ {
		if c := rules[i]; c == '[' || c == '{' {
			n++
		}
	}
	if n <= policyParseDepth {
		return rules, nil
	}
	if isJSONPolicy(rules) {
		return rules, checkJSONNesting(rules)
	}
	// hcl's parser reads the text with CRLF line endings normalised.
	src := []byte(strings.ReplaceAll(rules, "\r\n", "\n"))
	sc := hclscanner.New(src)
	var scanErr error // the last one: what hcl's parse returns
	sc.Error = func(pos hcltoken.Pos, msg string) { scanErr = &hclparser.PosError{Pos: pos, Err: errors.New(msg)} }
	var (
		stack  []nestFrame
		blanks [][2]int // interiors of collapsed lists and objects at depth policyParseDepth+1
		memo   = map[string]bool{}
	)
	// fail answers a problem at pos inside the part of the text that starts
	// at cut (the list or object at depth policyParseDepth+1 holding it).
	fail := func(cut int, pos hcltoken.Pos, msg string) (string, error) {
		prefix := blankRanges(src[:cut], blanks)
		// Vault's parse stops at an error met before that part: then
		// whatever follows the cut does not change the answer.
		_, e1 := hcl.ParseBytes(prefix)
		_, e2 := hcl.ParseBytes(append(prefix, "\n\n\n"...))
		if e1 != nil && e2 != nil && e1.Error() == e2.Error() {
			return "", e1
		}
		if scanErr != nil {
			// A character the scanner refuses (a NUL ends the text) is
			// the answer of a parse that got that far.
			return "", scanErr
		}
		return "", &hclparser.PosError{Pos: pos, Err: errors.New(msg)}
	}
	for {
		tok := sc.Scan()
		if tok.Type == hcltoken.EOF {
			break
		}
		switch tok.Type {
		case hcltoken.LBRACK, hcltoken.LBRACE:
			if len(stack) == policyMaxDepth {
				return fail(stack[policyParseDepth].open.Offset, tok.Pos,
					fmt.Sprintf("lists and objects nested more than %d levels deep are not supported", policyMaxDepth))
			}
			stack = append(stack, nestFrame{open: tok.Pos, typ: tok.Type})
		case hcltoken.RBRACK, hcltoken.RBRACE:
			d := len(stack)
			if d == 0 {
				continue // the parse reports it
			}
			f := &stack[d-1]
			if d > policyParseDepth {
				end := tok.Pos.Offset
				closes := (f.typ == hcltoken.LBRACK) == (tok.Type == hcltoken.RBRACK)
				if !closes || !validNested(src, f, end, memo) {
					return fail(stack[policyParseDepth].open.Offset, f.open,
						fmt.Sprintf("invalid list or object nested more than %d levels deep", policyParseDepth))
				}
				inner := [2]int{f.open.Offset + 1, end}
				if d == policyParseDepth+1 {
					blanks = append(blanks, inner)
				} else {
					stack[d-2].skip = append(stack[d-2].skip, inner)
				}
			}
			stack = stack[:d-1]
		}
	}
	if d := len(stack); d > policyParseDepth {
		return fail(stack[policyParseDepth].open.Offset, stack[d-1].open,
			fmt.Sprintf("unclosed list or object nested more than %d levels deep", policyParseDepth))
	}
	if len(blanks) == 0 {
		return rules, nil
	}
	return string(blankRanges(src, blanks)), nil
}

// validNested reports whether the list or object f, ending at the byte end,
// parses as one value of its own once its children (all checked already)
// are collapsed to "[]" or "{}".
func validNested(src []byte, f *nestFrame, end int, memo map[string]bool) bool {
	const lead = "x = "
	n := len(lead) + end + 1 - f.open.Offset
	for _, r := range f.skip {
		n -= r[1] - r[0]
	}
	b := append(make([]byte, 0, n), lead...)
	last := f.open.Offset
	for _, r := range f.skip {
		b = append(b, src[last:r[0]]...)
		last = r[1]
	}
	b = append(b, src[last:end+1]...)
	if v, ok := memo[string(b)]; ok {
		return v
	}
	ok := false
	if file, err := hcl.ParseBytes(b); err == nil {
		if list, isList := file.Node.(*ast.ObjectList); isList && len(list.Items) == 1 {
			switch v := list.Items[0].Val.(type) {
			case *ast.ListType:
				ok = v.Rbrack.Offset == len(b)-1
			case *ast.ObjectType:
				ok = v.Rbrace.Offset == len(b)-1
			}
		}
	}
	memo[string(b)] = ok
	return ok
}

// blankRanges copies src with every character of the given ranges but
// newlines replaced by a space, so lines and columns stay where they were.
func blankRanges(src []byte, ranges [][2]int) []byte {
	out := make([]byte, 0, len(src)+8)
	last := 0
	for _, r := range ranges {
		out = append(out, src[last:r[0]]...)
		for i := r[0]; i < r[1]; {
			c, size := utf8.DecodeRune(src[i:r[1]])
			if c == '\n' {
				out = append(out, '\n')
			} else {
				out = append(out, ' ')
			}
			i += size
		}
		last = r[1]
	}
	return append(out, src[last:]...)
}

// isJSONPolicy is hcl's choice of parser: JSON when the first character
// that is not a space is '{'.
func isJSONPolicy(rules string) bool {
	for _, r := range rules {
		if !unicode.IsSpace(r) {
			return r == '{'
		}
	}
	return false
}

// parseHCL is hcl.ParseBytes, except for JSON text that ends inside a
// string escape (`{"\u0`): hcl's JSON scanner panics on that
// (bytes.Buffer: UnreadRune), and real Vault's request dies with it. The
// mock answers what the scanner says of any string cut off by the end of
// the text.
func parseHCL(b []byte) (f *ast.File, err error) {
	defer func() {
		if recover() != nil {
			f, err = nil, errJSONCutEscape(string(b))
		}
	}()
	return hcl.ParseBytes(b)
}

// errJSONCutEscape is the JSON scanner's error for a string not
// terminated before the end of text, at the end of text.
func errJSONCutEscape(text string) error {
	pos := jsontoken.Pos{Line: 1 + strings.Count(text, "\n"), Column: 1}
	pos.Column += utf8.RuneCountInString(text[strings.LastIndexByte(text, '\n')+1:])
	return fmt.Errorf("%s: literal not terminated", pos)
}

// checkJSONNesting refuses a JSON policy whose objects nest deeper than
// policyParseDepth (lists nested in lists do not recurse in hcl's JSON
// parser).
func checkJSONNesting(rules string) (err error) {
	defer func() {
		if recover() != nil {
			err = errJSONCutEscape(rules)
		}
	}()
	sc := jsonscanner.New([]byte(rules))
	sc.Error = func(jsontoken.Pos, string) {}
	depth := 0
	for {
		tok := sc.Scan()
		switch tok.Type {
		case jsontoken.EOF:
			return nil
		case jsontoken.LBRACE:
			if depth++; depth > policyParseDepth {
				return fmt.Errorf("At %s: objects nested more than %d levels deep are not supported", tok.Pos, policyParseDepth)
			}
		case jsontoken.RBRACE:
			if depth > 0 {
				depth--
			}
		}
	}
}

// responseWrappingPolicyText is the policy of response-wrapping tokens.
const responseWrappingPolicyText = `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`

// controlGroupPolicyText is Vault's fixed control-group policy.
const controlGroupPolicyText = `
path "cubbyhole/control-group" {
    capabilities = ["update", "create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`

// defaultPolicyText is the built-in default policy as Vault 1.21 ships it.
const defaultPolicyText = `
# Allow tokens to look up their own properties
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Allow tokens to renew themselves
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Allow tokens to revoke themselves
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own capabilities on a path
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Allow a token to look up its own entity by id or name
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}


# Allow a token to look up its resultant ACL from all policies. This is useful
# for UIs. It is an internal path because the format may change at any time
# based on how the internal ACL features and capabilities change.
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Allow a token to renew a lease via lease_id in the request body; old path for
# old clients, new path for newer
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Allow looking up lease properties. This requires knowing the lease ID ahead
# of time and does not divulge any sensitive information.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Allow a token to manage its own cubbyhole
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Allow a token to wrap arbitrary values in a response-wrapping token
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Allow a token to look up the creation time and TTL of a given
# response-wrapping token
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Allow a token to unwrap a response-wrapping token. This is a convenience to
# avoid client token swapping since this is also part of the response wrapping
# policy.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# Allow general purpose tools
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Allow checking the status of a Control Group request if the user has the
# accessor
path "sys/control-group/request" {
    capabilities = ["update"]
}

# Allow a token to make requests to the Authorization Endpoint for OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
`

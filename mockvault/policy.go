package mockvault

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
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

// names lists the capabilities in c, sorted as Vault sorts them.
func (c capability) names() []string {
	if c&capDeny != 0 {
		return []string{"deny"}
	}
	var out []string
	for _, cn := range capNames {
		if c&cn.bit != 0 {
			out = append(out, cn.name)
		}
	}
	sort.Strings(out)
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

// pathRules is one `path "..." {}` block after parsing.
type pathRules struct {
	path     string // without trailing '*'
	glob     bool   // ended in '*'
	segWild  bool   // has '+' segments
	caps     capability
	allowed  map[string][]any
	denied   map[string][]any
	required []string
	minWrap  time.Duration
	maxWrap  time.Duration
}

// policy is a named ACL policy with its raw text.
type policy struct {
	name  string
	raw   string
	paths []*pathRules
}

// policyStore holds the ACL policies by name.
type policyStore struct {
	byName map[string]*policy
}

const rootPolicyName = "root"

func newPolicyStore() *policyStore {
	ps := &policyStore{byName: map[string]*policy{}}
	p, err := parsePolicy("default", defaultPolicyText)
	if err != nil {
		panic(err)
	}
	ps.byName["default"] = p
	return ps
}

func (ps *policyStore) get(name string) *policy { return ps.byName[strings.ToLower(name)] }

func (ps *policyStore) names() []string {
	out := []string{"root"}
	for n := range ps.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

type rawPolicy struct {
	Name  string     `hcl:"name"`
	Paths []*rawPath `hcl:"-"`
}

type rawPath struct {
	Policy             string              `hcl:"policy"`
	Capabilities       []string            `hcl:"capabilities"`
	AllowedParameters  map[string][]any    `hcl:"allowed_parameters"`
	DeniedParameters   map[string][]any    `hcl:"denied_parameters"`
	RequiredParameters []string            `hcl:"required_parameters"`
	MinWrappingTTL     any                 `hcl:"min_wrapping_ttl"`
	MaxWrappingTTL     any                 `hcl:"max_wrapping_ttl"`
	MFAMethods         []string            `hcl:"mfa_methods"`
	ControlGroup       map[string]any      `hcl:"control_group"`
	Subscribe          []string            `hcl:"subscribe_event_types"`
	Extra              map[string][]string `hcl:"-"`
}

// parsePolicy parses HCL or JSON policy text, with Vault's error texts.
func parsePolicy(name, rules string) (*policy, error) {
	root, err := hcl.Parse(rules)
	if err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return nil, errors.New("failed to parse policy: does not contain a root object")
	}
	if err := checkHCLKeys(list, "name", "path"); err != nil {
		return nil, fmt.Errorf("failed to parse policy: %w", err)
	}
	p := &policy{name: name, raw: rules}
	if o := list.Filter("path"); len(o.Items) > 0 {
		if err := parsePaths(p, o); err != nil {
			return nil, fmt.Errorf("failed to parse policy: %w", err)
		}
	}
	return p, nil
}

func checkHCLKeys(list *ast.ObjectList, valid ...string) error {
	ok := map[string]bool{}
	for _, v := range valid {
		ok[v] = true
	}
	var errs []string
	for _, item := range list.Items {
		key := item.Keys[0].Token.Value()
		ks, _ := key.(string)
		if !ok[ks] {
			errs = append(errs, fmt.Sprintf("invalid key %q on line %d", ks, item.Assign.Line))
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

func parsePaths(p *policy, list *ast.ObjectList) error {
	for _, item := range list.Items {
		if len(item.Keys) == 0 {
			continue
		}
		key := item.Keys[0].Token.Value().(string)
		if strings.Contains(key, "..") {
			return fmt.Errorf("path %q: %w", key, errors.New("invalid path, it contains '..'"))
		}
		var valid = []string{"comment", "policy", "capabilities", "allowed_parameters", "denied_parameters",
			"required_parameters", "min_wrapping_ttl", "max_wrapping_ttl", "mfa_methods", "control_group", "subscribe_event_types"}
		if ot, ok := item.Val.(*ast.ObjectType); ok {
			if err := checkHCLKeys(ot.List, valid...); err != nil {
				return fmt.Errorf("path %q: %w", key, err)
			}
		}
		var rp rawPath
		if err := hcl.DecodeObject(&rp, item.Val); err != nil {
			return fmt.Errorf("path %q: %w", key, err)
		}
		pr := &pathRules{path: strings.TrimPrefix(key, "/")}
		if strings.HasSuffix(pr.path, "*") {
			pr.path = strings.TrimSuffix(pr.path, "*")
			pr.glob = true
		}
		pr.segWild = strings.Contains(pr.path, "+")
		switch rp.Policy {
		case "":
		case "deny":
			pr.caps |= capDeny
		case "read":
			pr.caps |= capRead | capList
		case "write":
			pr.caps |= capRead | capList | capCreate | capUpdate | capDelete
		case "sudo":
			pr.caps |= capRead | capList | capCreate | capUpdate | capDelete | capSudo
		default:
			return fmt.Errorf("path %q: invalid policy %q", key, rp.Policy)
		}
		for _, c := range rp.Capabilities {
			bit, ok := capFromName(c)
			if !ok {
				return fmt.Errorf("path %q: invalid capability %q", key, c)
			}
			pr.caps |= bit
		}
		pr.allowed = lowerKeys(rp.AllowedParameters)
		pr.denied = lowerKeys(rp.DeniedParameters)
		pr.required = rp.RequiredParameters
		var err error
		if pr.minWrap, err = wrapTTLField(rp.MinWrappingTTL); err != nil {
			return fmt.Errorf("error parsing min_wrapping_ttl: %w", err)
		}
		if pr.maxWrap, err = wrapTTLField(rp.MaxWrappingTTL); err != nil {
			return fmt.Errorf("error parsing max_wrapping_ttl: %w", err)
		}
		if pr.minWrap > 0 && pr.maxWrap > 0 && pr.maxWrap < pr.minWrap {
			return errors.New("max_wrapping_ttl cannot be less than min_wrapping_ttl")
		}
		p.paths = append(p.paths, pr)
	}
	return nil
}

func wrapTTLField(v any) (time.Duration, error) {
	if v == nil {
		return 0, nil
	}
	return parseDurationAny(v)
}

func lowerKeys(m map[string][]any) map[string][]any {
	if m == nil {
		return nil
	}
	out := make(map[string][]any, len(m))
	for k, v := range m {
		out[strings.ToLower(k)] = v
	}
	return out
}

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

package mockvault

import (
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
)

// acl is the merged view of a token's policies. It is built from the
// policies' current text (editing or deleting a policy reaches tokens
// already issued, batch tokens included: what a token freezes is the list
// of policy names, not their contents) and cached per set of policies
// until one of them changes (aclForEntity). An acl is never modified once
// built.
type acl struct {
	root bool
	// exact, prefix and segWild hold the merged rules by matching path, as
	// Vault's exact tree, prefix tree and segment-wildcard map do.
	exact   map[string]*pathRules
	prefix  map[string]*pathRules
	segWild map[string]*pathRules
	// prefixLens lists the lengths of the prefix paths, longest first:
	// the longest prefix of a path is found in as many map lookups.
	prefixLens []int
}

// aclFor builds the ACL of a token without an entity.
func (s *Server) aclFor(names []string) *acl { return s.aclForEntity(names, "") }

// aclForToken builds the ACL of a token from its policies and its
// entity's identity policies (read at each request, as Vault does, so group
// and entity changes reach tokens already issued), resolving templated
// paths with its entity.
func (s *Server) aclForToken(te *tokenEntry) *acl {
	return s.aclForEntity(s.tokenPolicyNames(te), te.EntityID)
}

// tokenPolicyNames are the policies a token acts with: its own, plus its
// entity's identity policies when it has any.
func (s *Server) tokenPolicyNames(te *tokenEntry) []string {
	if te.EntityID == "" {
		return te.Policies
	}
	idp, _ := s.identityPolicies(te.EntityID)
	if len(idp) == 0 {
		return te.Policies
	}
	return sanitizePolicies(append(cloneStrings(te.Policies), idp...), false)
}

// cachedACL is an ACL built for a list of policy names, with the policies
// it was built from: it holds while the store names the same ones.
type cachedACL struct {
	pols      []*policy // nil for root
	templated bool      // some path needs the entity: cached per entity
	acl       *acl
	rules     int
}

// Bounds of the ACL cache: past them it is emptied (and rebuilt as
// requests come).
const (
	maxCachedACLs     = 1024
	maxCachedACLRules = 1 << 20
)

// aclForEntity returns the ACL of a token with these policies and entity:
// the cached one while none of its policies has changed (policy writes
// and deletes also drop the ACLs built from the old policy; SetPolicy and
// Restore replace policies, which the pointer check sees), else a new
// one.
func (s *Server) aclForEntity(names []string, entityID string) *acl {
	ps := s.policies
	key := strings.Join(names, "\x00")
	if entityID != "" {
		if c := ps.cachedACL(key+"\x01"+entityID, names); c != nil {
			return c.acl
		}
	}
	if c := ps.cachedACL(key, names); c != nil && (entityID == "" || !c.templated) {
		return c.acl
	}
	c := &cachedACL{pols: make([]*policy, len(names))}
	for i, n := range names {
		if p := ps.lookup(n); p != nil {
			c.pols[i] = p
			c.templated = c.templated || p.templated
		}
	}
	var idn *aclIdentity
	if c.templated && entityID != "" {
		key += "\x01" + entityID
		idn = s.aclIdentityOf(entityID)
	}
	c.acl = buildACL(c.pols, names, idn)
	c.rules = len(c.acl.exact) + len(c.acl.prefix) + len(c.acl.segWild)
	ps.storeACL(key, c)
	return c.acl
}

// buildACL merges the policies pols (nil entries: root or missing, told
// apart by names) into an ACL for a token with this identity (nil: none).
func buildACL(pols []*policy, names []string, idn *aclIdentity) *acl {
	var nExact, nPrefix int
	for _, p := range pols {
		if p != nil {
			nExact += p.nExact
			nPrefix += p.nPrefix
		}
	}
	a := &acl{exact: make(map[string]*pathRules, nExact), prefix: make(map[string]*pathRules, nPrefix), segWild: map[string]*pathRules{}}
	for i, p := range pols {
		if p == nil {
			if sanitizePolicyName(names[i]) == rootPolicyName {
				a.root = true
			}
			continue
		}
		for _, pr := range p.paths {
			if pr.templated {
				key, ok := idn.applyTemplate(pr.key)
				if !ok {
					// Vault drops a templated path it cannot fill.
					continue
				}
				cp := *pr
				if err := compilePath(&cp, key); err != nil {
					continue
				}
				pr = &cp
			}
			a.insert(pr)
		}
	}
	seen := map[int]bool{}
	for p := range a.prefix {
		if !seen[len(p)] {
			seen[len(p)] = true
			a.prefixLens = append(a.prefixLens, len(p))
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(a.prefixLens)))
	return a
}

// aclIdentity is what templated policy paths read of a token's entity:
// the entity, and its groups, direct then inherited (Vault's policy
// store passes both to the templates).
type aclIdentity struct {
	entity *idEntity
	groups []*idGroup
}

// aclIdentityOf is the identity of entity id for templates; nil when the
// entity does not exist.
func (s *Server) aclIdentityOf(entityID string) *aclIdentity {
	st := s.identityStore()
	e := st.entityByIDOrMerged(entityID)
	if e == nil {
		return nil
	}
	direct, inherited := st.entityGroups(e.ID)
	return &aclIdentity{entity: e, groups: append(direct, inherited...)}
}

// applyTemplate fills the identity templates of a policy path as Vault's
// identitytpl does in ACL mode (time directives aside: ACLs are cached);
// a directive it cannot fill leaves the path out, as Vault does.
func (idn *aclIdentity) applyTemplate(key string) (string, bool) {
	parts := strings.Split(key, "{{")
	var b strings.Builder
	b.WriteString(parts[0])
	for _, piece := range parts[1:] {
		inner, rest, _ := strings.Cut(piece, "}}")
		v, ok := idn.directive(strings.TrimSpace(inner))
		if !ok {
			return "", false
		}
		b.WriteString(v)
		b.WriteString(rest)
	}
	return b.String(), true
}

// directive is the value of one template directive, if it has one.
func (idn *aclIdentity) directive(d string) (string, bool) {
	if ent, ok := strings.CutPrefix(d, "identity.entity."); ok {
		if idn == nil {
			return "", false
		}
		e := idn.entity
		if a, ok := strings.CutPrefix(ent, "aliases."); ok {
			acc, field, ok := strings.Cut(a, ".")
			if !ok {
				return "", false
			}
			for _, al := range e.Aliases {
				if al.MountAccessor == acc {
					return templateValue(field, al.ID, al.Name, al.Metadata, al.CustomMetadata)
				}
			}
			return "", false
		}
		return templateValue(ent, e.ID, e.Name, e.Metadata, nil)
	}
	if grp, ok := strings.CutPrefix(d, "identity.groups."); ok {
		if idn == nil || len(idn.groups) == 0 {
			return "", false
		}
		sel, rest, _ := strings.Cut(grp, ".")
		which, field, ok := strings.Cut(rest, ".")
		if !ok || sel != "ids" && sel != "names" {
			return "", false
		}
		for _, g := range idn.groups {
			if sel == "ids" && g.ID == which || sel == "names" && g.Name == which {
				switch {
				case field == "id":
					return g.ID, true
				case field == "name":
					return g.Name, g.Name != ""
				}
				if k, ok := strings.CutPrefix(field, "metadata."); ok {
					v, ok := g.Metadata[k]
					return v, ok
				}
				return "", false
			}
		}
	}
	return "", false
}

// templateValue is an entity's or alias's field for a template: id, name,
// metadata.<key>, custom_metadata.<key> (lists and whole maps fill no ACL
// path, nor do empty strings).
func templateValue(field, id, name string, meta, custom map[string]string) (string, bool) {
	switch field {
	case "id":
		return id, id != ""
	case "name":
		return name, name != ""
	}
	if k, ok := strings.CutPrefix(field, "metadata."); ok {
		v, ok := meta[k]
		return v, ok
	}
	if k, ok := strings.CutPrefix(field, "custom_metadata."); ok {
		v, ok := custom[k]
		return v, ok
	}
	return "", false
}

// insert merges one policy path into the ACL with Vault's rules: deny
// wins and wipes parameters; otherwise capabilities add up, the smaller
// wrapping TTL bounds win and parameter lists merge. A path of one policy
// only is the policy's own rules (neither is ever modified); a merge
// works on a copy.
func (a *acl) insert(pr *pathRules) {
	tree := a.exact
	switch {
	case pr.segWild:
		tree = a.segWild
	case pr.prefix:
		tree = a.prefix
	}
	cur, ok := tree[pr.path]
	if !ok {
		tree[pr.path] = pr
		return
	}
	if cur.caps&capDeny != 0 {
		return
	}
	cur = clonePerms(cur)
	tree[pr.path] = cur
	switch {
	case pr.caps&capDeny != 0:
		cur.caps = capDeny
		cur.allowed = nil
		cur.denied = nil
		return
	}
	cur.caps |= pr.caps
	if pr.maxWrap > 0 && (cur.maxWrap == 0 || pr.maxWrap < cur.maxWrap) {
		cur.maxWrap = pr.maxWrap
	}
	if pr.minWrap > 0 && (cur.minWrap == 0 || pr.minWrap < cur.minWrap) {
		cur.minWrap = pr.minWrap
	}
	cur.allowed = mergeParams(cur.allowed, pr.allowed)
	cur.denied = mergeParams(cur.denied, pr.denied)
	for _, r := range pr.required {
		if !contains(cur.required, r) {
			cur.required = append(cur.required, r)
		}
	}
}

func clonePerms(pr *pathRules) *pathRules {
	cp := *pr
	cp.allowed = cloneParams(pr.allowed)
	cp.denied = cloneParams(pr.denied)
	cp.required = append([]string(nil), pr.required...)
	return &cp
}

func cloneParams(m map[string][]any) map[string][]any {
	if m == nil {
		return nil
	}
	out := make(map[string][]any, len(m))
	for k, v := range m {
		out[k] = append([]any{}, v...)
	}
	return out
}

// mergeParams merges parameter lists: an empty list (any value) wins over
// values, values append. A path that had no list at all takes the new one.
func mergeParams(cur, add map[string][]any) map[string][]any {
	if len(add) == 0 {
		return cur
	}
	if cur == nil {
		return cloneParams(add)
	}
	for k, v := range add {
		old, ok := cur[k]
		if len(v) == 0 || (ok && len(old) == 0) {
			cur[k] = []any{}
		} else {
			cur[k] = append(append([]any{}, v...), old...)
		}
	}
	return cur
}

// lookup finds the rules governing path for op, in Vault's order: exact
// path, exact path without the list slash, then the best non-exact match
// (for list, first without the trailing slash).
func (a *acl) lookup(path string, o op) *pathRules {
	path = strings.TrimLeft(path, "/")
	if r, ok := a.exact[path]; ok {
		return r
	}
	if o == opList {
		if r, ok := a.exact[strings.TrimSuffix(path, "/")]; ok {
			return r
		}
		if strings.HasSuffix(path, "/") {
			if r := a.nonExact(strings.TrimSuffix(path, "/")); r != nil {
				return r
			}
		}
	}
	return a.nonExact(path)
}

// capabilities returns the capability set on p for op and the governing
// rules (nil when none). Root holds every capability.
func (a *acl) capabilities(p string, o op) (capability, *pathRules) {
	if a.root {
		return capRoot | capSudo | capCreate | capRead | capUpdate | capDelete | capList | capPatch | capSubscribe | capRecover, nil
	}
	r := a.lookup(p, o)
	if r == nil {
		return 0, nil
	}
	return r.caps, r
}

// pathCapabilities is what sys/capabilities reports for p: Vault looks the
// path up as a list operation.
func (a *acl) pathCapabilities(p string) capability {
	if a.root {
		return capRoot
	}
	c, _ := a.capabilities(p, opList)
	return c
}

type wcCandidate struct {
	firstWild int
	wildcards int
	prefix    bool
	path      string
	rules     *pathRules
}

// wcLess orders candidates from lowest to highest priority, as Vault ranks
// overlapping glob and '+' paths: later first wildcard, then not a prefix,
// then fewer '+' segments, then longer, then lexically greater wins.
func wcLess(a, b wcCandidate) bool {
	if a.firstWild != b.firstWild {
		return a.firstWild < b.firstWild
	}
	if a.prefix != b.prefix {
		return a.prefix
	}
	if a.wildcards != b.wildcards {
		return a.wildcards > b.wildcards
	}
	if len(a.path) != len(b.path) {
		return len(a.path) < len(b.path)
	}
	return a.path < b.path
}

// longestPrefix returns the longest prefix rule matching path.
func (a *acl) longestPrefix(path string) (string, *pathRules) {
	for _, n := range a.prefixLens {
		if n > len(path) {
			continue
		}
		if r, ok := a.prefix[path[:n]]; ok {
			return path[:n], r
		}
	}
	return "", nil
}

// nonExact finds the highest-priority glob or '+' rule matching path.
func (a *acl) nonExact(path string) *pathRules {
	var cands []wcCandidate
	if p, r := a.longestPrefix(path); r != nil {
		if len(a.segWild) == 0 {
			return r
		}
		cands = append(cands, wcCandidate{firstWild: len(p), path: p, prefix: true, rules: r})
	}
	if len(a.segWild) == 0 {
		return nil
	}
	parts := strings.Split(path, "/")
outer:
	for full, r := range a.segWild {
		if full == "" {
			continue
		}
		c := wcCandidate{firstWild: strings.Index(full, "+"), rules: r}
		cur := full
		if strings.HasSuffix(cur, "*") {
			c.prefix = true
			cur = strings.TrimSuffix(cur, "*")
		}
		c.path = cur
		pat := strings.Split(cur, "/")
		if len(parts) < len(pat) || (!c.prefix && len(parts) != len(pat)) {
			continue
		}
		for i, seg := range pat {
			switch {
			case seg == "+":
				c.wildcards++
			case seg == parts[i]:
			case c.prefix && i == len(pat)-1 && strings.HasPrefix(parts[i], seg):
			default:
				continue outer
			}
		}
		cands = append(cands, c)
	}
	if len(cands) == 0 {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool { return wcLess(cands[i], cands[j]) })
	return cands[len(cands)-1].rules
}

// aclResult is the verdict of allow.
type aclResult struct {
	root    bool
	allowed bool
	sudo    bool
}

// allow is Vault's ACL check for one operation on path with the request's
// data and wrapping TTL (0: not wrapped).
func (a *acl) allow(path string, o op, data map[string]any, wrapTTL time.Duration) aclResult {
	if a.root {
		return aclResult{root: true, allowed: true, sudo: true}
	}
	r := a.lookup(path, o)
	if r == nil {
		return aclResult{}
	}
	res := aclResult{sudo: r.caps&capSudo != 0}
	want := opCapability(o)
	if want == 0 || r.caps&want == 0 {
		return res
	}
	if r.maxWrap > 0 && (wrapTTL == 0 || wrapTTL > r.maxWrap) {
		return res
	}
	if r.minWrap > 0 && (wrapTTL == 0 || wrapTTL < r.minWrap) {
		return res
	}
	if r.minWrap != 0 && r.maxWrap != 0 && r.maxWrap < r.minWrap {
		return res
	}
	switch o {
	case opRead, opUpdate, opCreate, opPatch:
		if checkParams(r, data) != nil {
			return res
		}
	}
	res.allowed = true
	return res
}

// checkACL authorises req for te as Vault's CheckToken does: the ACL
// verdict, then sudo on root-protected paths. Denials are Vault's 403
// "1 error occurred: permission denied".
func (s *Server) checkACL(req *request, te *tokenEntry) error {
	if te.EntityID != "" {
		if _, disabled := s.identityPolicies(te.EntityID); disabled {
			// Vault refuses every request of a disabled entity's token.
			return errPermissionDenied
		}
	}
	res := s.aclForToken(te).allow(req.path, req.op, req.data, req.wrapTTL)
	if res.root {
		return nil
	}
	if !res.allowed {
		return errACLDenied
	}
	if s.isSudoPath(req) && !res.sudo {
		return errACLDenied
	}
	return nil
}

// checkParams applies required, denied and allowed parameters to the
// request data, as Vault does for read, create, update and patch.
func checkParams(r *pathRules, data map[string]any) error {
	if r == nil {
		return nil
	}
	for _, p := range r.required {
		if _, ok := data[strings.ToLower(p)]; !ok {
			return errACLDenied
		}
	}
	if len(data) == 0 {
		return nil
	}
	if len(r.denied) > 0 {
		if _, all := r.denied["*"]; all {
			return errACLDenied
		}
		for k, v := range data {
			if vals, ok := r.denied[strings.ToLower(k)]; ok && valueInDenied(v, vals) {
				return errACLDenied
			}
		}
	}
	if len(r.allowed) == 0 {
		return nil
	}
	_, star := r.allowed["*"]
	if len(r.allowed) == 1 && star {
		return nil
	}
	for k, v := range data {
		vals, ok := r.allowed[strings.ToLower(k)]
		if !ok && !star {
			return errACLDenied
		}
		if ok && !valueInAllowed(v, vals) {
			return errACLDenied
		}
	}
	return nil
}

// valueInAllowed: an empty list allows anything; a list value passes when
// every element is allowed; a string is also read as a comma list.
func valueInAllowed(v any, list []any) bool {
	if len(list) == 0 || valueInList(v, list) {
		return true
	}
	if vs, ok := v.([]any); ok {
		for _, e := range vs {
			if !valueInList(e, list) {
				return false
			}
		}
		return true
	}
	if s, ok := v.(string); ok {
		if parts, err := parseutil.ParseCommaStringSlice(s); err == nil {
			for _, e := range parts {
				if !valueInList(e, list) {
					return false
				}
			}
			return true
		}
	}
	return false
}

// valueInDenied: an empty list denies anything; a list value is denied
// when any element is; a string is also read as a comma list.
func valueInDenied(v any, list []any) bool {
	if len(list) == 0 || valueInList(v, list) {
		return true
	}
	if vs, ok := v.([]any); ok {
		for _, e := range vs {
			if valueInList(e, list) {
				return true
			}
		}
		return false
	}
	if s, ok := v.(string); ok {
		if parts, err := parseutil.ParseCommaStringSlice(s); err == nil {
			for _, e := range parts {
				if valueInList(e, list) {
					return true
				}
			}
		}
	}
	return false
}

func valueInList(v any, list []any) bool {
	for _, el := range list {
		switch {
		case el == nil || v == nil:
			if el == nil && v == nil {
				return true
			}
		default:
			if es, ok := el.(string); ok {
				if vs, ok := v.(string); ok && globMatch(es, vs) {
					return true
				}
			} else if reflect.DeepEqual(el, v) {
				return true
			}
		}
	}
	return false
}

// globMatch is Vault's GlobbedStringsMatch: a leading and/or trailing '*'
// on a pattern of two characters or more; otherwise exact.
func globMatch(pattern, s string) bool {
	if len(pattern) < 2 {
		return s == pattern
	}
	pre, suf := strings.HasPrefix(pattern, "*"), strings.HasSuffix(pattern, "*")
	switch {
	case pre && suf:
		return strings.Contains(s, pattern[1:len(pattern)-1])
	case pre:
		return strings.HasSuffix(s, pattern[1:])
	case suf:
		return strings.HasPrefix(s, pattern[:len(pattern)-1])
	}
	return s == pattern
}

// hasMountAccess is Vault's check behind sys/internal/ui/mounts: any
// capability on the mount path itself, or any non-deny rule below it.
func (a *acl) hasMountAccess(path string) bool {
	if a.pathCapabilities(path)&capDeny == 0 && a.pathCapabilities(path) != 0 {
		return true
	}
	const anyCap = capCreate | capDelete | capList | capRead | capSudo | capUpdate | capPatch | capSubscribe | capRecover
	for _, tree := range []map[string]*pathRules{a.exact, a.prefix} {
		for p, r := range tree {
			if strings.HasPrefix(p, path) && r.caps&capDeny == 0 && r.caps&anyCap != 0 {
				return true
			}
		}
	}
	return a.segWildUnderMount(path)
}

// segWildUnderMount reports a non-deny '+' rule that can reach below the
// mount path (which ends in '/').
func (a *acl) segWildUnderMount(path string) bool {
	parts := strings.Split(path, "/")
	for full, r := range a.segWild {
		if full == "" {
			continue
		}
		cur := strings.TrimSuffix(full, "*")
		var segs []string
		for i, seg := range strings.Split(cur, "/") {
			if i >= len(parts) {
				break
			}
			switch {
			case seg == "+", seg == parts[i]:
				segs = append(segs, parts[i])
			case strings.HasSuffix(full, "*") && i == len(strings.Split(cur, "/"))-1 && strings.HasPrefix(parts[i], seg):
				segs = append(segs, parts[i:]...)
			}
			if i == len(parts)-2 {
				if strings.HasPrefix(strings.Join(segs, "/")+"/", path) && r.caps&capDeny == 0 && r.caps != 0 {
					return true
				}
				break
			}
		}
	}
	return false
}

package mockvault

import (
	"fmt"
	"reflect"
	"strings"
)

// acl is the merged view of a token's policies, built per request so edits
// to a policy reach tokens already issued (batch tokens included: what a
// token freezes is the list of policy names, not their contents).
type acl struct {
	root  bool
	exact map[string]*pathRules
	other []*pathRules // globs and '+' paths
}

func (s *Server) aclFor(names []string) *acl {
	a := &acl{exact: map[string]*pathRules{}}
	merged := map[string]*pathRules{}
	for _, n := range names {
		if n == rootPolicyName {
			a.root = true
			continue
		}
		p := s.policies.get(n)
		if p == nil {
			continue
		}
		for _, pr := range p.paths {
			key := pr.path
			if pr.glob {
				key += "*"
			}
			cur, ok := merged[key]
			if !ok {
				cp := *pr
				merged[key] = &cp
				continue
			}
			mergeRules(cur, pr)
		}
	}
	for _, pr := range merged {
		if !pr.glob && !pr.segWild {
			a.exact[pr.path] = pr
		} else {
			a.other = append(a.other, pr)
		}
	}
	return a
}

func mergeRules(dst, src *pathRules) {
	if dst.caps&capDeny != 0 || src.caps&capDeny != 0 {
		*dst = pathRules{path: dst.path, glob: dst.glob, segWild: dst.segWild, caps: capDeny}
		return
	}
	dst.caps |= src.caps
	if src.minWrap > 0 && (dst.minWrap == 0 || src.minWrap < dst.minWrap) {
		dst.minWrap = src.minWrap
	}
	if src.maxWrap > dst.maxWrap {
		dst.maxWrap = src.maxWrap
	}
	dst.allowed = mergeParams(dst.allowed, src.allowed)
	dst.denied = mergeParams(dst.denied, src.denied)
	dst.required = append(append([]string{}, dst.required...), src.required...)
}

func mergeParams(a, b map[string][]any) map[string][]any {
	if a == nil && b == nil {
		return nil
	}
	out := map[string][]any{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if cur, ok := out[k]; ok && len(cur) > 0 && len(v) > 0 {
			out[k] = append(append([]any{}, cur...), v...)
		} else if ok {
			out[k] = []any{}
		} else {
			out[k] = v
		}
	}
	return out
}

// rulesFor finds the rules that govern p, as Vault picks them: an exact
// path first, else the most specific glob or '+' path.
func (a *acl) rulesFor(p string) *pathRules {
	if r, ok := a.exact[p]; ok {
		return r
	}
	var best *pathRules
	for _, r := range a.other {
		if !r.matches(p) {
			continue
		}
		if best == nil || higherPriority(r, best) {
			best = r
		}
	}
	return best
}

// capabilities returns the capability set on p (list also tries p without
// its trailing slash, as Vault does).
func (a *acl) capabilities(p string, o op) (capability, *pathRules) {
	if a.root {
		return capRoot | capSudo | capCreate | capRead | capUpdate | capDelete | capList | capPatch, nil
	}
	r := a.rulesFor(p)
	if r == nil && o == opList && strings.HasSuffix(p, "/") {
		r = a.rulesFor(strings.TrimSuffix(p, "/"))
	}
	if r == nil {
		return 0, nil
	}
	return r.caps, r
}

func (r *pathRules) matches(p string) bool {
	if !r.segWild {
		return strings.HasPrefix(p, r.path) && (r.glob || p == r.path)
	}
	pat := strings.Split(r.path, "/")
	segs := strings.Split(p, "/")
	if !r.glob && len(segs) != len(pat) {
		return false
	}
	if r.glob && len(segs) < len(pat) {
		return false
	}
	for i, ps := range pat {
		last := i == len(pat)-1
		switch {
		case ps == "+":
			if last && !r.glob && segs[i] == "" {
				return false
			}
		case last && r.glob:
			if !strings.HasPrefix(segs[i], ps) {
				return false
			}
		default:
			if segs[i] != ps {
				return false
			}
		}
	}
	if !r.glob && len(segs) != len(pat) {
		return false
	}
	return true
}

// higherPriority reports whether a wins over b under Vault's documented
// rules for overlapping non-exact paths.
func higherPriority(a, b *pathRules) bool {
	fa, fb := firstWild(a), firstWild(b)
	if fa != fb {
		return fa > fb
	}
	if a.glob != b.glob {
		return !a.glob
	}
	pa, pb := strings.Count(a.path, "+"), strings.Count(b.path, "+")
	if pa != pb {
		return pa < pb
	}
	if len(a.path) != len(b.path) {
		return len(a.path) > len(b.path)
	}
	return a.path > b.path
}

func firstWild(r *pathRules) int {
	i := strings.Index(r.path, "+")
	if i < 0 {
		return len(r.path)
	}
	if r.glob && len(r.path) < i {
		return len(r.path)
	}
	return i
}

// checkParams applies allowed/denied/required parameters to a write.
func checkParams(r *pathRules, data map[string]any) error {
	if r == nil {
		return nil
	}
	for _, req := range r.required {
		if _, ok := data[strings.ToLower(req)]; !ok {
			if _, ok2 := data[req]; !ok2 {
				return errACLDenied
			}
		}
	}
	if len(r.denied) > 0 {
		if _, all := r.denied["*"]; all && len(data) > 0 {
			return errACLDenied
		}
		for k, v := range data {
			if vals, ok := r.denied[strings.ToLower(k)]; ok {
				if len(vals) == 0 || valueIn(v, vals) {
					return errACLDenied
				}
			}
		}
	}
	if len(r.allowed) > 0 {
		_, star := r.allowed["*"]
		for k, v := range data {
			vals, ok := r.allowed[strings.ToLower(k)]
			if !ok {
				if !star {
					return errACLDenied
				}
				continue
			}
			if len(vals) > 0 && !valueIn(v, vals) {
				return errACLDenied
			}
		}
	}
	return nil
}

func valueIn(v any, vals []any) bool {
	items := []any{v}
	if list, ok := v.([]any); ok {
		items = list
	}
	for _, it := range items {
		found := false
		for _, allowed := range vals {
			if globMatch(fmt.Sprint(allowed), fmt.Sprint(it)) || reflect.DeepEqual(allowed, it) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// globMatch supports Vault's parameter globs: a leading or trailing '*'.
func globMatch(pattern, s string) bool {
	if pattern == "*" {
		return true
	}
	switch {
	case strings.HasPrefix(pattern, "*") && strings.HasSuffix(pattern, "*") && len(pattern) > 1:
		return strings.Contains(s, pattern[1:len(pattern)-1])
	case strings.HasPrefix(pattern, "*"):
		return strings.HasSuffix(s, pattern[1:])
	case strings.HasSuffix(pattern, "*"):
		return strings.HasPrefix(s, pattern[:len(pattern)-1])
	}
	return pattern == s
}

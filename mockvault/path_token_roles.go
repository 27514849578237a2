package mockvault

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
)

// tokenRole is a token store role (auth/token/roles/:name).
type tokenRole struct {
	Name                   string
	AllowedPolicies        []string
	DisallowedPolicies     []string
	AllowedPoliciesGlob    []string
	DisallowedPoliciesGlob []string
	Orphan                 bool
	Renewable              bool
	PathSuffix             string
	AllowedEntityAliases   []string
	Period                 time.Duration // deprecated twin of TokenPeriod
	ExplicitMaxTTL         time.Duration // deprecated twin of TokenExplicitMaxTTL
	BoundCIDRs             []string      // deprecated twin of TokenBoundCIDRs
	tokenParams
}

var tokenRoleFields = fields{
	"role_name": tString, "allowed_policies": tCommaSlice, "disallowed_policies": tCommaSlice,
	"allowed_policies_glob": tCommaSlice, "disallowed_policies_glob": tCommaSlice,
	"orphan": tBool, "period": tDuration, "path_suffix": tString, "explicit_max_ttl": tDuration,
	"renewable": tBool, "bound_cidrs": tCommaSlice, "allowed_entity_aliases": tCommaSlice,
	"token_bound_cidrs": tCommaSlice, "token_explicit_max_ttl": tDuration, "token_period": tDuration,
	"token_type": tString, "token_no_default_policy": tBool, "token_num_uses": tInt,
}

var pathSuffixSanitize = regexp.MustCompile(`\w[\w-.]+\w`)

// errRelativePath is Vault's storage refusing a key with "..": wrapped
// when a handler meets it, bare (errRelativePathBare) when an existence
// check does.
var (
	errRelativePath     = multiErr(http.StatusBadRequest, "relative paths not supported")
	errRelativePathBare = badRequest("relative paths not supported")
)

func (s *Server) tokenRoleExists(req *request, d *fieldData) (bool, error) {
	if strings.Contains(d.str("role_name"), "..") {
		return false, errRelativePathBare
	}
	return s.tokenRoles()[d.str("role_name")] != nil, nil
}

func (s *Server) tokenRoleList(req *request, d *fieldData) (*response, error) {
	keys := make([]string, 0, len(s.tokenRoles()))
	for k := range s.tokenRoles() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return listResp(keys), nil
}

func (s *Server) tokenRoleRead(req *request, d *fieldData) (*response, error) {
	if strings.Contains(d.str("role_name"), "..") {
		return nil, errRelativePath
	}
	r := s.tokenRoles()[d.str("role_name")]
	if r == nil {
		return nil, nil
	}
	typ := r.TokenType
	if typ == "" || typ == "default" {
		typ = "default-service"
	}
	data := map[string]any{
		"period": int64(r.Period / time.Second), "token_period": int64(r.TokenPeriod / time.Second),
		"explicit_max_ttl":       int64(r.ExplicitMaxTTL / time.Second),
		"token_explicit_max_ttl": int64(r.TokenExplicitMaxTTL / time.Second),
		"disallowed_policies":    nonNil(r.DisallowedPolicies), "allowed_policies": nonNil(r.AllowedPolicies),
		"disallowed_policies_glob": nonNil(r.DisallowedPoliciesGlob), "allowed_policies_glob": nonNil(r.AllowedPoliciesGlob),
		"name": r.Name, "orphan": r.Orphan, "path_suffix": r.PathSuffix, "renewable": r.Renewable,
		"token_type": typ, "allowed_entity_aliases": r.AllowedEntityAliases, // null until set, [] once set empty
		"token_no_default_policy": r.TokenNoDefaultPolicy,
	}
	if len(r.TokenBoundCIDRs) > 0 {
		data["token_bound_cidrs"] = r.TokenBoundCIDRs
	}
	if len(r.BoundCIDRs) > 0 {
		data["bound_cidrs"] = r.BoundCIDRs
	}
	if r.TokenNumUses > 0 {
		data["token_num_uses"] = r.TokenNumUses
	}
	return dataResp(data), nil
}

func nonNil(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (s *Server) tokenRoleDelete(req *request, d *fieldData) (*response, error) {
	if strings.Contains(d.str("role_name"), "..") {
		return nil, errRelativePath
	}
	delete(s.tokenRoles(), d.str("role_name"))
	return nil, nil
}

func (s *Server) tokenRoleWrite(req *request, d *fieldData) (*response, error) {
	name := d.str("role_name")
	if name == "" {
		return nil, badRequest("role name cannot be empty")
	}
	old := s.tokenRoles()[name]
	e := &tokenRole{Name: name}
	if old != nil {
		cp := *old
		e = &cp
	}
	create := req.op == opCreate || old == nil
	if create {
		e.Renewable = true
	}
	if d.has("orphan") {
		e.Orphan = d.boolean("orphan", false)
	}
	if d.has("renewable") {
		e.Renewable = d.boolean("renewable", true)
	}
	if d.has("path_suffix") {
		ps := d.str("path_suffix")
		if ps != "" && !pathSuffixSanitize.MatchString(ps) {
			return nil, badRequest("given role path suffix contains invalid characters; must match %s", pathSuffixSanitize.String())
		}
		e.PathSuffix = ps
	}
	if strings.Contains(e.PathSuffix, "..") {
		return nil, badRequest("error registering path suffix: path cannot contain parent references")
	}
	if d.has("allowed_policies") || create {
		e.AllowedPolicies = sanitizePolicies(d.strings("allowed_policies"), false)
	}
	if d.has("disallowed_policies") || create {
		e.DisallowedPolicies = dedupeSorted(lowerAll(d.strings("disallowed_policies")))
	}
	if d.has("allowed_policies_glob") || create {
		e.AllowedPoliciesGlob = sanitizePolicies(d.strings("allowed_policies_glob"), false)
	}
	if d.has("disallowed_policies_glob") || create {
		e.DisallowedPoliciesGlob = dedupeSorted(lowerAll(d.strings("disallowed_policies_glob")))
	}
	var newType *string
	if raw, ok := d.raw["token_type"]; ok {
		if raw == nil {
			return nil, badRequest("Invalid 'token_type' value: null")
		}
		v := d.str("token_type")
		newType = &v
	}
	oldType := e.TokenType
	sub := &fieldData{raw: d.raw, schema: tokenRoleFields}
	if newType != nil {
		sub = &fieldData{raw: withoutKey(d.raw, "token_type"), schema: tokenRoleFields}
		e.TokenType = "default"
	}
	if err := e.tokenParams.parse(sub); err != nil {
		return nil, badRequest("error parsing role fields: %s", err)
	}
	e.TokenType = oldType
	if e.TokenType == "" || e.TokenType == "default" {
		e.TokenType = "default-service"
	}
	if newType != nil {
		switch *newType {
		case "service", "batch", "default-service", "default-batch":
			e.TokenType = *newType
		default:
			return nil, badRequest("invalid 'token_type' value %q", *newType)
		}
	}
	var warnings []string
	if d.has("token_period") {
		if d.has("period") {
			warnings = append(warnings, "Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value")
		}
		e.Period = 0
	} else if d.has("period") {
		e.Period = d.duration("period")
		e.TokenPeriod = e.Period
	}
	if d.has("token_bound_cidrs") {
		if d.has("bound_cidrs") {
			warnings = append(warnings, "Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value")
		}
		e.BoundCIDRs = nil
	} else if d.has("bound_cidrs") {
		c, err := parseAddrs(d.strings("bound_cidrs"))
		if err != nil {
			return nil, badRequest("error parsing bound_cidrs: %s", err)
		}
		e.BoundCIDRs = c
		e.TokenBoundCIDRs = c
	}
	finalMax := e.TokenExplicitMaxTTL
	if d.has("token_explicit_max_ttl") {
		if d.has("explicit_max_ttl") {
			warnings = append(warnings, "Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value")
		}
		e.ExplicitMaxTTL = 0
	} else {
		if d.has("explicit_max_ttl") {
			e.ExplicitMaxTTL = d.duration("explicit_max_ttl")
			e.TokenExplicitMaxTTL = e.ExplicitMaxTTL
		}
		finalMax = e.ExplicitMaxTTL
	}
	if finalMax != 0 && finalMax > systemMaxTTL {
		warnings = append(warnings, fmt.Sprintf("Given explicit max TTL of %d is greater than system/mount allowed value of %d seconds; until this is fixed attempting to create tokens against this role will result in an error", int64(finalMax/time.Second), int64(systemMaxTTL/time.Second)))
	}
	if e.TokenType == "batch" {
		switch {
		case !e.Orphan:
			return nil, badRequest("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens")
		case e.Period != 0 || e.TokenPeriod != 0:
			return nil, badRequest("'token_type' cannot be 'batch' when role is set to generate periodic tokens")
		case e.Renewable:
			return nil, badRequest("'token_type' cannot be 'batch' when role is set to generate renewable tokens")
		case e.ExplicitMaxTTL != 0 || e.TokenExplicitMaxTTL != 0:
			return nil, badRequest("'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL")
		}
	}
	if d.has("allowed_entity_aliases") {
		e.AllowedEntityAliases = dedupeSorted(lowerAll(d.strings("allowed_entity_aliases")))
	}
	s.tokenRoles()[name] = e
	if len(warnings) > 0 {
		return &response{warnings: warnings}, nil
	}
	return nil, nil
}

func lowerAll(in []string) []string {
	out := make([]string, 0, len(in))
	for _, v := range in {
		out = append(out, strings.ToLower(strings.TrimSpace(v)))
	}
	return out
}

func withoutKey(m map[string]any, k string) map[string]any {
	out := make(map[string]any, len(m))
	for kk, v := range m {
		if kk != k {
			out[kk] = v
		}
	}
	return out
}

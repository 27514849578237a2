package mockvault

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
)

// tokenParams are the token_* fields auth methods share (Vault's tokenutil).
type tokenParams struct {
	TokenBoundCIDRs      []string
	TokenExplicitMaxTTL  time.Duration
	TokenMaxTTL          time.Duration
	TokenNoDefaultPolicy bool
	TokenPeriod          time.Duration
	TokenPolicies        []string
	TokenType            string // "default", "service", "batch", "default-service", "default-batch"
	TokenTTL             time.Duration
	TokenNumUses         int
}

// tokenFields is the schema of the token_* fields.
var tokenFields = fields{
	"token_bound_cidrs": tCommaSlice, "token_explicit_max_ttl": tDuration, "token_max_ttl": tDuration,
	"token_no_default_policy": tBool, "token_period": tDuration, "token_policies": tCommaSlice,
	"token_type": tString, "token_ttl": tDuration, "token_num_uses": tInt,
}

// parse applies the token_* fields present in d, with tokenutil's rules.
func (t *tokenParams) parse(d *fieldData) error {
	if d.has("token_bound_cidrs") {
		c, err := parseAddrs(d.strings("token_bound_cidrs"))
		if err != nil {
			return err
		}
		t.TokenBoundCIDRs = c
	}
	if d.has("token_explicit_max_ttl") {
		t.TokenExplicitMaxTTL = d.duration("token_explicit_max_ttl")
	}
	if d.has("token_max_ttl") {
		t.TokenMaxTTL = d.duration("token_max_ttl")
	}
	if d.has("token_no_default_policy") {
		t.TokenNoDefaultPolicy = d.boolean("token_no_default_policy", false)
	}
	if d.has("token_period") {
		t.TokenPeriod = d.duration("token_period")
	}
	if d.has("token_policies") {
		t.TokenPolicies = d.strings("token_policies")
	}
	if d.has("token_type") {
		switch v := d.str("token_type"); v {
		case "", "default":
			t.TokenType = "default"
		case "service", "batch":
			t.TokenType = v
		default:
			return fmt.Errorf("invalid 'token_type' value %q", v)
		}
	}
	if d.has("token_num_uses") {
		t.TokenNumUses = d.integer("token_num_uses")
	}
	if t.TokenNumUses < 0 {
		return errors.New("'token_num_uses' cannot be negative")
	}
	if t.TokenType == "batch" || t.TokenType == "default-batch" {
		if t.TokenPeriod != 0 {
			return errors.New("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens")
		}
		if t.TokenNumUses != 0 {
			return errors.New("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count")
		}
	}
	if d.has("token_ttl") {
		t.TokenTTL = d.duration("token_ttl")
	}
	if t.TokenTTL > 0 && t.TokenMaxTTL > 0 && t.TokenTTL > t.TokenMaxTTL {
		return errors.New("'token_ttl' cannot be greater than 'token_max_ttl'")
	}
	return nil
}

// populate writes the token_* fields into a read response.
func (t *tokenParams) populate(m map[string]any) {
	cidrs := t.TokenBoundCIDRs
	if len(cidrs) == 0 {
		cidrs = []string{}
	}
	pols := t.TokenPolicies
	if len(pols) == 0 {
		pols = []string{}
	}
	typ := t.TokenType
	if typ == "" {
		typ = "default"
	}
	m["token_bound_cidrs"] = cidrs
	m["token_explicit_max_ttl"] = int64(t.TokenExplicitMaxTTL / time.Second)
	m["token_max_ttl"] = int64(t.TokenMaxTTL / time.Second)
	m["token_no_default_policy"] = t.TokenNoDefaultPolicy
	m["token_period"] = int64(t.TokenPeriod / time.Second)
	m["token_policies"] = pols
	m["token_type"] = typ
	m["token_ttl"] = int64(t.TokenTTL / time.Second)
	m["token_num_uses"] = t.TokenNumUses
}

// parseAddrs accepts IPs and CIDRs as Vault's parseutil.ParseAddrs does,
// with its errors; a single-host CIDR reads back as the bare address.
func parseAddrs(in []string) ([]string, error) {
	addrs, err := parseutil.ParseAddrs(in)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(addrs))
	for _, a := range addrs {
		out = append(out, a.String())
	}
	return out, nil
}

// legacyTokenParams are the deprecated twins of token_* fields that the
// Kubernetes and cert methods still accept (policies, ttl, max_ttl, period,
// num_uses, bound_cidrs), kept in step with them by tokenutil.UpgradeValue.
type legacyTokenParams struct {
	Policies   []string
	BoundCIDRs []string
	NumUses    int
	TTL        time.Duration
	MaxTTL     time.Duration
	Period     time.Duration
}

// legacyTokenFields is the schema of the deprecated twins.
var legacyTokenFields = fields{
	"policies": tCommaSlice, "bound_cidrs": tCommaSlice, "num_uses": tInt,
	"ttl": tDuration, "max_ttl": tDuration, "period": tDuration,
}

// tokenFieldsWith is tokenFields, the deprecated twins and extra fields.
func tokenFieldsWith(extra fields) fields {
	f := fields{}
	for _, src := range []fields{tokenFields, legacyTokenFields, extra} {
		for k, v := range src {
			f[k] = v
		}
	}
	return f
}

// parse applies the twins after tokenParams.parse, in Vault's order; a
// twin absent from the endpoint's schema is never seen as sent.
func (l *legacyTokenParams) parse(d *fieldData, t *tokenParams) error {
	upgradeValue(d, "token_policies", "policies", &t.TokenPolicies, &l.Policies, func() []string {
		return sanitizePolicies(d.strings("policies"), false)
	})
	if !d.has("token_bound_cidrs") && d.has("bound_cidrs") {
		c, err := parseAddrs(d.strings("bound_cidrs"))
		if err != nil {
			return err
		}
		l.BoundCIDRs, t.TokenBoundCIDRs = c, cloneStrings(c)
	} else {
		upgradeValue(d, "token_bound_cidrs", "bound_cidrs", &t.TokenBoundCIDRs, &l.BoundCIDRs, func() []string { return nil })
	}
	upgradeValue(d, "token_num_uses", "num_uses", &t.TokenNumUses, &l.NumUses, func() int { return d.integer("num_uses") })
	upgradeValue(d, "token_ttl", "ttl", &t.TokenTTL, &l.TTL, func() time.Duration { return d.duration("ttl") })
	upgradeValue(d, "token_max_ttl", "max_ttl", &t.TokenMaxTTL, &l.MaxTTL, func() time.Duration { return d.duration("max_ttl") })
	upgradeValue(d, "token_period", "period", &t.TokenPeriod, &l.Period, func() time.Duration { return d.duration("period") })
	return nil
}

// populate adds the twins that are set to a read response already holding
// the token_* fields.
func (l *legacyTokenParams) populate(m map[string]any) {
	if len(l.Policies) > 0 {
		m["policies"] = m["token_policies"]
	}
	if len(l.BoundCIDRs) > 0 {
		m["bound_cidrs"] = m["token_bound_cidrs"]
	}
	if l.TTL > 0 {
		m["ttl"] = int64(l.TTL / time.Second)
	}
	if l.MaxTTL > 0 {
		m["max_ttl"] = int64(l.MaxTTL / time.Second)
	}
	if l.Period > 0 {
		m["period"] = int64(l.Period / time.Second)
	}
	if l.NumUses > 0 {
		m["num_uses"] = l.NumUses
	}
}

// clone copies the twins' slices.
func (l legacyTokenParams) clone() legacyTokenParams {
	l.Policies = cloneStrings(l.Policies)
	l.BoundCIDRs = cloneStrings(l.BoundCIDRs)
	return l
}

// clone copies the token params' slices.
func (t tokenParams) clone() tokenParams {
	t.TokenPolicies = cloneStrings(t.TokenPolicies)
	t.TokenBoundCIDRs = cloneStrings(t.TokenBoundCIDRs)
	return t
}

// loginAuth fills the token_* part of a login's auth (tokenutil's
// PopulateTokenAuth).
func (t *tokenParams) loginAuth(a *loginAuth) *loginAuth {
	a.Policies, a.NoDefaultPolicy = t.TokenPolicies, t.TokenNoDefaultPolicy
	a.TTL, a.MaxTTL, a.ExplicitMaxTTL = t.TokenTTL, t.TokenMaxTTL, t.TokenExplicitMaxTTL
	a.Period, a.NumUses, a.TokenType = t.TokenPeriod, t.TokenNumUses, t.TokenType
	a.BoundCIDRs = t.TokenBoundCIDRs
	return a
}

// equivalentPolicies is policyutil.EquivalentPolicies: the same set once
// "default" is ignored. Renewals of userpass and cert tokens fail when
// the policies changed.
func equivalentPolicies(a, b []string) bool {
	set := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, p := range sanitizePolicies(cloneStrings(l), false) {
			if p != "default" {
				m[p] = true
			}
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for p := range sa {
		if !sb[p] {
			return false
		}
	}
	return true
}

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

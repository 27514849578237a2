package mockvault

import (
	"strings"
	"time"
)

// loginAuth is what an auth method's login hands to the core: Vault's
// logical.Auth as filled by tokenutil's PopulateTokenAuth plus the
// method's own metadata.
type loginAuth struct {
	// Policies are the role's token_policies, as stored (unsanitised).
	Policies        []string
	NoDefaultPolicy bool
	TTL             time.Duration
	MaxTTL          time.Duration
	ExplicitMaxTTL  time.Duration
	Period          time.Duration
	NumUses         int
	// TokenType is the role's token_type: "", "default", "service" or
	// "batch" (tokenutil's default-* values are folded before this).
	TokenType   string
	BoundCIDRs  []string
	Metadata    map[string]string
	DisplayName string
	EntityID    string
	// Alias is the identity alias the login is for (Vault's
	// logical.Auth.Alias): the core finds or creates the entity of
	// (mount accessor, Alias.Name) and records it on the token.
	Alias *loginAlias
	// GroupAliases name external groups of the mount the login belongs to
	// (Vault's logical.Auth.GroupAliases, e.g. a JWT groups_claim).
	GroupAliases []string
}

// loginAlias is the identity alias of a login: its name (AppRole: the
// role_id; userpass: the username; JWT: the user_claim) and metadata.
type loginAlias struct {
	Name     string
	Metadata map[string]string
}

// loginTokenType combines a role's token_type with the mount's tuned
// token_type as Vault's router does: a mount tuned to service or batch
// forces it; a default-* mount only supplies the default. Vault reports no
// conflict: the mount setting silently wins.
func loginTokenType(mountType, roleType string) string {
	switch mountType {
	case tokenTypeService, tokenTypeBatch:
		return mountType
	case "default-batch":
		switch roleType {
		case "", "default", "default-batch", tokenTypeBatch:
			return tokenTypeBatch
		}
		return tokenTypeService
	default: // "", "default-service"
		switch roleType {
		case "", "default", "default-service", tokenTypeService:
			return tokenTypeService
		}
		return tokenTypeBatch
	}
}

// issueLoginToken turns a successful login into a token, as Vault's
// handleLoginRequest / LoginCreateToken / RegisterAuth do: the token type
// from the role and the mount, the TTL from the mount's default and max,
// policies sanitised with "default" added unless asked not to, an orphan
// token whose path is the login path and whose display name is the mount
// path. The issuing mount is req.mount; its tokens die with it.
func (s *Server) issueLoginToken(req *request, a *loginAuth) (*response, error) {
	m := req.mount
	typ := loginTokenType(m.tokenType, a.TokenType)

	source := strings.ReplaceAll(strings.TrimPrefix(m.path, "auth/"), "/", "-")
	displayName := strings.TrimSuffix(source+a.DisplayName, "-")

	// The mount's default as Vault's SystemView gives it (a negative one
	// included: the token is born expired, as in Vault).
	_, maxTTL := m.ttls()
	defTTL := leaseDefault(m)
	if a.MaxTTL > 0 && a.MaxTTL < maxTTL {
		maxTTL = a.MaxTTL
	}
	ttl, warnings, err := calculateTTL(req.now, defTTL, maxTTL, 0, a.TTL, a.Period, a.ExplicitMaxTTL, time.Time{})
	if err != nil {
		return nil, err
	}

	policies := sanitizePolicies(cloneStrings(a.Policies), !a.NoDefaultPolicy)
	for _, p := range policies {
		if p == rootPolicyName {
			return nil, badRequest("auth methods cannot create root tokens")
		}
		if contains(nonAssignablePolicies, p) {
			return nil, badRequest("cannot assign policy %q", p)
		}
	}

	meta := make(map[string]string, len(a.Metadata))
	for k, v := range a.Metadata {
		meta[k] = v
	}
	te := &tokenEntry{
		Path: req.path, Meta: meta, DisplayName: displayName, NumUses: a.NumUses,
		CreationTime: req.now.Truncate(time.Second), TTL: ttl, EntityID: a.EntityID,
		BoundCIDRs: cloneStrings(a.BoundCIDRs), Policies: policies, Type: typ,
		authMount: m.path, NoDefault: a.NoDefaultPolicy,
	}
	if typ == tokenTypeService {
		// Vault keeps these on the service token (lookup shows them); a
		// batch token carries neither, nor a use count.
		te.ExplicitMaxTTL = a.ExplicitMaxTTL
		te.Period = a.Period
		te.Renewable = true
		// Renewals stay under the role's token_max_ttl.
		te.maxTTL = a.MaxTTL
	} else {
		te.NumUses = 0
	}
	if err := s.storeNewToken(te); err != nil {
		return nil, err
	}
	auth := s.authBlock(te)
	auth.NumUses = a.NumUses
	if len(warnings) == 0 {
		warnings = nil
	}
	return &response{auth: auth, warnings: warnings}, nil
}

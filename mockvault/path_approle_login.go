package mockvault

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Vault's user lockout defaults (approle is one of the methods it covers):
// after 5 failed logins for one alias (here the role_id) within the counter
// reset window, every login for it is refused for the lockout duration.
const (
	lockoutThreshold    = 5
	lockoutDuration     = 15 * time.Minute
	lockoutCounterReset = 15 * time.Minute
)

type failedLogin struct {
	count int
	last  int64 // unix seconds of the last failure
}

// errInvalidCredentials marks a login failure that counts towards the
// lockout (Vault's logical.ErrInvalidCredentials).
type errInvalidCredentials struct{ err error }

func (e errInvalidCredentials) Error() string { return e.err.Error() }

// login is POST login: role_id and secret_id for a token.
func (b *approleBackend) login(req *request, d *fieldData) (*response, error) {
	roleID := strings.TrimSpace(d.str("role_id"))
	if err := b.lockoutCheck(roleID, req.now); err != nil {
		return nil, err
	}
	resp, err := b.doLogin(req, d, roleID)
	if ic, ok := err.(errInvalidCredentials); ok {
		b.recordFailure(roleID, req.now)
		err = ic.err
	}
	if err != nil {
		return resp, loginError(err)
	}
	if resp != nil && resp.auth != nil {
		delete(b.failed, roleID)
	}
	return finishLogin(resp, d), nil
}

// finishLogin shapes a successful login's answer as Vault's core does: no
// mount_type, and the framework's warning about unknown parameters before
// the core's TTL warnings (added here, so the server does not add it
// again).
func finishLogin(resp *response, d *fieldData) *response {
	if resp == nil || resp.auth == nil {
		return resp
	}
	resp.noMountType = true
	if ig := d.ignored(); len(ig) > 0 {
		resp.warnings = append([]string{fmt.Sprintf("Endpoint ignored these unrecognized parameters: %v", ig)}, resp.warnings...)
		for _, k := range ig {
			delete(d.raw, k)
		}
	}
	return resp
}

// loginOther answers the operations the login path does not serve. Vault
// treats any request to it as a login, so the lockout key is needed first.
func (b *approleBackend) loginOther(req *request, d *fieldData) (*response, error) {
	roleID := d.str("role_id")
	if req.op == opDelete {
		roleID = queryParam(req, "role_id")
	}
	if err := b.lockoutCheck(strings.TrimSpace(roleID), req.now); err != nil {
		return nil, err
	}
	return nil, errCode(http.StatusMethodNotAllowed, "unsupported operation")
}

// lockoutCheck is what Vault's core does before routing a login: resolve
// the lockout key (the role_id, through the alias lookahead) and refuse a
// locked-out one.
func (b *approleBackend) lockoutCheck(roleID string, now time.Time) error {
	if roleID == "" {
		return errCode(http.StatusInternalServerError, "failed to determine alias name from login request")
	}
	if f := b.failed[roleID]; f != nil && f.count >= lockoutThreshold &&
		now.Unix()-f.last < int64(lockoutDuration/time.Second) {
		return errCode(http.StatusForbidden, "permission denied")
	}
	return nil
}

// recordFailure counts a failed login (Vault's failedUserLoginProcess).
func (b *approleBackend) recordFailure(roleID string, now time.Time) {
	f := b.failed[roleID]
	switch {
	case f == nil:
		f = &failedLogin{count: 1}
	case now.After(time.Unix(f.last, 0).Add(lockoutCounterReset)):
		f.count = 1
	default:
		f.count++
	}
	f.last = now.Unix()
	b.failed[roleID] = f
}

// loginError unwraps the multierror form: Vault's core hands a login's
// errors to the HTTP layer as they are.
func loginError(err error) error {
	if ve, ok := err.(*vaultError); ok && len(ve.msgs) == 1 {
		const pre, post = "1 error occurred:\n\t* ", "\n\n"
		if m := ve.msgs[0]; strings.HasPrefix(m, pre) && strings.HasSuffix(m, post) {
			return errCode(ve.code, "%s", strings.TrimSuffix(strings.TrimPrefix(m, pre), post))
		}
	}
	return err
}

// doLogin is pathLoginUpdate followed by the core's token creation.
func (b *approleBackend) doLogin(req *request, d *fieldData, roleID string) (*response, error) {
	name, ok := b.roleIDs[roleID]
	if !ok {
		return nil, badRequest("invalid role or secret ID")
	}
	r := b.roles[name]
	if r == nil {
		return nil, badRequest("invalid role or secret ID")
	}
	remote := req.remoteAddr

	var metadata map[string]string
	var entry *secretIDEntry
	if r.BindSecretID {
		secretID := strings.TrimSpace(d.str("secret_id"))
		if secretID == "" {
			return nil, badRequest("missing secret_id")
		}
		sidHMAC, e, err := b.secretIDByValue(r, secretID, req.now)
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, errInvalidCredentials{badRequest("invalid role or secret ID")}
		}
		entry = e
		limited := e.NumUses != 0
		if limited {
			// A use is spent before the CIDR checks, as in Vault.
			if e.NumUses == 1 {
				b.deleteSecret(r.localSecretIDs, r.roleHMAC(), sidHMAC)
			} else {
				e.NumUses--
				e.LastUpdatedTime = req.now
			}
		}
		if err := verifyCIDRSubset(e.CIDRList, cloneStrings(r.SecretIDBoundCIDRs)); err != nil {
			return nil, internalError("%s", err.Error())
		}
		if len(e.CIDRList) != 0 {
			if err := checkRemote(remote, e.CIDRList, "the secret ID", limited); err != nil {
				return nil, err
			}
		}
		metadata = e.Metadata
	}

	if len(r.SecretIDBoundCIDRs) != 0 {
		if err := checkRemote(remote, r.SecretIDBoundCIDRs, "the role", true); err != nil {
			return nil, err
		}
	}

	tokenCIDRs := r.TokenBoundCIDRs
	if entry != nil && len(entry.TokenBoundCIDRs) > 0 {
		c, err := parseAddrs(entry.TokenBoundCIDRs)
		if err != nil {
			return nil, badRequest("%s", err.Error())
		}
		tokenCIDRs = c
	}

	meta := map[string]string{}
	for k, v := range metadata {
		meta[k] = v
	}
	meta["role_name"] = r.name

	entityID, ok := b.entities[r.RoleID]
	if !ok {
		entityID = newUUID()
		b.entities[r.RoleID] = entityID
	}
	return req.srv.issueLoginToken(req, &loginAuth{
		Policies: r.TokenPolicies, NoDefaultPolicy: r.TokenNoDefaultPolicy,
		TTL: r.TokenTTL, MaxTTL: r.TokenMaxTTL, ExplicitMaxTTL: r.TokenExplicitMaxTTL,
		Period: r.TokenPeriod, NumUses: r.TokenNumUses, TokenType: r.TokenType,
		BoundCIDRs: tokenCIDRs, Metadata: meta, EntityID: entityID,
		Alias: &loginAlias{Name: r.RoleID, Metadata: map[string]string{"role_name": r.name}},
	})
}

// checkRemote fails a login from outside cidrs (the CIDR restrictions on
// whose). Vault words its checks alike except one: for a secret ID without
// a use limit it reports a bad address apart from an outside one, so
// joined is false there alone.
func checkRemote(remote string, cidrs []string, whose string, joined bool) error {
	if remote == "" {
		return internalError("failed to get connection information")
	}
	belongs, err := ipInCIDRs(remote, cidrs)
	switch {
	case joined && (err != nil || !belongs):
		return badRequest("%s", fmt.Errorf("source address %q unauthorized by CIDR restrictions on %s: %w", remote, whose, err).Error())
	case err != nil:
		return badRequest("%s", err.Error())
	case !belongs:
		return badRequest("source address %q unauthorized through CIDR restrictions on %s", remote, whose)
	}
	return nil
}

// approleRenewParams is what Vault's AppRole AuthRenew hands back on a
// renewal of a token issued by mount m: the role's *current* token_ttl,
// token_max_ttl and token_period. A renewal of a token whose role is gone
// fails. It is approleEngine's renew hook.
func approleRenewParams(s *Server, m *mount, te *tokenEntry) (ttl, maxTTL, period time.Duration, err error) {
	name := te.Meta["role_name"]
	r := s.stateOf(m).(*approleBackend).roles[strings.ToLower(name)]
	if r == nil {
		return 0, 0, 0, errCode(http.StatusInternalServerError,
			"1 error occurred:\n\t* failed to renew entry: role %q does not exist during renewal\n\n", name)
	}
	return r.TokenTTL, r.TokenMaxTTL, r.TokenPeriod, nil
}

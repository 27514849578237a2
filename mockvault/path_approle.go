package mockvault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"time"
)

// AppRole auth method (builtin/credential/approle in Vault 1.21.1).
//
// Every mount of type "approle" gets its own approleBackend, built by the
// factory registered below and captured by the handlers' closures: the state
// lives exactly as long as the mount, several mounts never share roles, and
// no package-level map has to be kept in step with servers that are thrown
// away. The onMountRemoved hook clears the state and revokes the tokens the
// mount issued, as disabling an auth method does in Vault.
//
// The state mirrors Vault's storage layout, so the edge cases of the real
// backend (accessor entries outliving a deleted role, accessors of a local
// role living apart, secret IDs keyed by an HMAC under the role's own key)
// fall out of the same structure.
type approleBackend struct {
	s *Server
	m *mount

	// roles by lower-cased name (Vault lower-cases names of new roles).
	roles map[string]*appRole
	// roleIDs is the role_id -> role name index.
	roleIDs map[string]string
	// secrets[local][roleNameHMAC][secretIDHMAC]: secret IDs, stored only
	// as HMAC-SHA256 of the secret under the role's HMAC key.
	secrets map[bool]map[string]map[string]*secretIDEntry
	// accessors[local][accessor] = secretIDHMAC (Vault's accessor index).
	accessors map[bool]map[string]string
	// entities: the entity Vault's identity store creates for the alias
	// (name = role_id) on first login, by role_id.
	entities map[string]string
	// failed counts failed logins per role_id for Vault's user lockout.
	failed map[string]*failedLogin
}

const (
	// maxHmacInputLength bounds role names and secret IDs (Vault's limit).
	maxHmacInputLength = 4096
	// roleNameRe is Vault's framework.GenericNameRegex for gorilla/mux.
	roleNameRe = `{role_name:\w(?:(?:[\w-.]+)?\w)?}`
)

func init() {
	backendFactories["approle"] = func(s *Server, m *mount) *backend {
		return newApproleBackend(s, m).backend()
	}
	onMountRemoved = append(onMountRemoved, approleMountRemoved)
}

func newApproleBackend(s *Server, m *mount) *approleBackend {
	return &approleBackend{
		s: s, m: m,
		roles:     map[string]*appRole{},
		roleIDs:   map[string]string{},
		secrets:   map[bool]map[string]map[string]*secretIDEntry{false: {}, true: {}},
		accessors: map[bool]map[string]string{false: {}, true: {}},
		entities:  map[string]string{},
		failed:    map[string]*failedLogin{},
	}
}

// approleMountRemoved revokes the service tokens an AppRole mount issued
// (with their children), as Vault revokes the mount's lease prefix. The
// backend's state goes with the mount's backend itself.
func approleMountRemoved(s *Server, m *mount) {
	if m == nil || m.typ != "approle" {
		return
	}
	for _, te := range s.tokens.all() {
		if te.authMount == m.path && s.tokens.get(te.ID) == te {
			s.revokeTree(te)
		}
	}
}

// backend builds the router of the mount: the same endpoints as Vault's.
func (b *approleBackend) backend() *backend {
	var paths []*path
	add := func(p *path) { paths = append(paths, p) }
	// optSlash registers pattern with and without a trailing slash, as
	// Vault's `/?$` patterns accept both.
	optSlash := func(p *path) {
		add(p)
		cp := *p
		cp.pattern += "/"
		add(&cp)
	}
	role := "role/" + roleNameRe
	add(&path{pattern: "login", unauthenticated: true, fields: fields{"role_id": tString, "secret_id": tString},
		ops: map[op]handlerFunc{opUpdate: b.login, opRead: b.loginOther, opDelete: b.loginOther}})
	add(&path{pattern: "tidy/secret-id", ops: map[op]handlerFunc{opUpdate: b.tidySecretIDs}})
	add(&path{pattern: "role", ops: map[op]handlerFunc{opList: b.roleList}})
	add(&path{pattern: "role/", ops: map[op]handlerFunc{opList: b.roleList}})
	add(&path{pattern: role, fields: approleRoleFields, exists: b.roleExists,
		ops: map[op]handlerFunc{opRead: b.roleRead, opCreate: b.roleWrite, opUpdate: b.roleWrite, opDelete: b.roleDelete}})
	for _, f := range b.roleFieldPaths() {
		add(&path{pattern: role + "/" + f.name, fields: f.fields,
			ops: map[op]handlerFunc{opRead: f.read, opUpdate: f.update, opDelete: f.delete}})
	}
	add(&path{pattern: role + "/local-secret-ids", fields: fields{"role_name": tString},
		ops: map[op]handlerFunc{opRead: b.roleLocalSecretIDsRead}})
	add(&path{pattern: role + "/role-id", fields: fields{"role_name": tString, "role_id": tString},
		ops: map[op]handlerFunc{opRead: b.roleIDRead, opUpdate: b.roleIDUpdate}})
	optSlash(&path{pattern: role + "/secret-id", fields: secretIDGenFields,
		ops: map[op]handlerFunc{opUpdate: b.secretIDGenerate, opList: b.secretIDList}})
	add(&path{pattern: role + "/custom-secret-id", fields: customSecretIDFields,
		ops: map[op]handlerFunc{opUpdate: b.secretIDCustom}})
	optSlash(&path{pattern: role + "/secret-id/lookup", fields: fields{"role_name": tString, "secret_id": tString},
		ops: map[op]handlerFunc{opUpdate: b.secretIDLookup}})
	optSlash(&path{pattern: role + "/secret-id/destroy", fields: fields{"role_name": tString, "secret_id": tString},
		ops: map[op]handlerFunc{opUpdate: b.secretIDDestroy, opDelete: b.secretIDDestroy}})
	optSlash(&path{pattern: role + "/secret-id-accessor/lookup", fields: fields{"role_name": tString, "secret_id_accessor": tString},
		ops: map[op]handlerFunc{opUpdate: b.secretIDAccessorLookup}})
	optSlash(&path{pattern: role + "/secret-id-accessor/destroy", fields: fields{"role_name": tString, "secret_id_accessor": tString},
		ops: map[op]handlerFunc{opUpdate: b.secretIDAccessorDestroy, opDelete: b.secretIDAccessorDestroy}})
	return newBackend(paths)
}

// createHMAC is Vault's createHMAC: hex HMAC-SHA256 of value under key.
func createHMAC(key, value string) (string, error) {
	if key == "" {
		return "", fmt.Errorf("invalid HMAC key")
	}
	if len(value) > maxHmacInputLength {
		return "", fmt.Errorf("value is longer than maximum of %d bytes", maxHmacInputLength)
	}
	h := hmac.New(sha256.New, []byte(key))
	h.Write([]byte(value))
	return hex.EncodeToString(h.Sum(nil)), nil
}

// internalError is a plain Go error out of a Vault handler: a 500 whose
// text the core wraps as a multierror.
func internalError(format string, args ...any) error {
	return errCode(http.StatusInternalServerError, "1 error occurred:\n\t* %s\n\n", fmt.Sprintf(format, args...))
}

// wrappedError is a plain error returned next to a non-error response
// (warnings): Vault answers 400 with the multierror text.
func wrappedError(status int, msg string) error {
	return errCode(status, "1 error occurred:\n\t* %s\n\n", msg)
}

// errUnsupportedPathMsg is logical.ErrorResponse(msg) + ErrUnsupportedPath:
// a 404 carrying msg.
func errUnsupportedPathMsg(msg string) error { return errCode(http.StatusNotFound, "%s", msg) }

// rawVaultBody renders a logical response the way Vault's
// logical.RespondWithStatusCode does: the whole envelope as the body.
func rawVaultBody(status int, data map[string]any, warnings []string) *response {
	var d any
	if data != nil {
		d = data
	}
	var w any
	if len(warnings) > 0 {
		w = warnings
	}
	return &response{status: status, raw: map[string]any{
		"request_id": newUUID(), "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": d, "wrap_info": nil, "warnings": w, "auth": nil, "mount_type": "",
	}}
}

// maxLeaseTTL is the mount's max lease TTL (Vault's System().MaxLeaseTTL()).
func (b *approleBackend) maxLeaseTTL() time.Duration {
	_, max := b.m.ttls()
	return max
}

package mockvault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// AppRole auth method (builtin/credential/approle in Vault 1.21.1).
//
// Each mount of type "approle" has its own state (an *approleBackend, made
// by approleEngine), so several mounts never share roles. Handlers receive
// it with the request (req.state) and never keep it: Restore swaps it for a
// copy. Disabling the mount drops it and revokes the mount's tokens.
//
// The state mirrors Vault's storage layout, so the edge cases of the real
// backend (accessor entries outliving a deleted role, accessors of a local
// role living apart, secret IDs keyed by an HMAC under the role's own key)
// fall out of the same structure.
type approleBackend struct {
	// roles by lower-cased name (Vault lower-cases names of new roles).
	roles map[string]*appRole
	// roleIDs is the role_id -> role name index.
	roleIDs map[string]string
	// secrets[local][roleNameHMAC][secretIDHMAC]: secret IDs, stored only
	// as HMAC-SHA256 of the secret under the role's HMAC key.
	secrets map[bool]map[string]map[string]*secretIDEntry
	// accessors[local][accessor] = secretIDHMAC (Vault's accessor index).
	accessors map[bool]map[string]string
	// failed counts failed logins per role_id for Vault's user lockout.
	failed loginLockouts
	// started is when the mount's state was made: the periodic tidy of
	// expired secret IDs ticks every minute from it.
	started time.Time
}

// approleHandler serves one endpoint with the state of the request's mount.
type approleHandler func(b *approleBackend, req *request, d *fieldData) (*response, error)

// cloneState deep-copies the state for Snapshot/Restore.
func (b *approleBackend) cloneState() engineState {
	out := newApproleBackend()
	out.started = b.started
	for k, r := range b.roles {
		out.roles[k] = r.clone()
	}
	for k, v := range b.roleIDs {
		out.roleIDs[k] = v
	}
	for local, byRole := range b.secrets {
		for rh, bucket := range byRole {
			nb := make(map[string]*secretIDEntry, len(bucket))
			for sh, e := range bucket {
				nb[sh] = e.clone()
			}
			out.secrets[local][rh] = nb
		}
	}
	for local, accs := range b.accessors {
		for k, v := range accs {
			out.accessors[local][k] = v
		}
	}
	out.failed = b.failed.clone()
	return out
}

const (
	// maxHmacInputLength bounds role names and secret IDs (Vault's limit).
	maxHmacInputLength = 4096
	// roleNameRe is Vault's framework.GenericNameRegex for gorilla/mux.
	roleNameRe = `{role_name:\w(?:(?:[\w-.]+)?\w)?}`
)

// approleEngine is the AppRole auth method.
func approleEngine() *engine {
	return &engine{
		typ: "approle", auth: true, routes: approleRouter, renew: approleRenewParams,
		state: func(s *Server) engineState {
			b := newApproleBackend()
			b.started = s.now()
			return b
		},
	}
}

func newApproleBackend() *approleBackend {
	return &approleBackend{
		roles:     map[string]*appRole{},
		roleIDs:   map[string]string{},
		secrets:   map[bool]map[string]map[string]*secretIDEntry{false: {}, true: {}},
		accessors: map[bool]map[string]string{false: {}, true: {}},
		failed:    loginLockouts{},
	}
}

// approleRouter builds the router of an AppRole mount: the same endpoints
// as Vault's.
func approleRouter(s *Server, _ *mount) *backend {
	h := func(fn approleHandler) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			return fn(req.state.(*approleBackend), req, d)
		}
	}
	var paths []*path
	add := func(p *path) { paths = append(paths, p) }
	// slash also registers pattern+"/" for the given operations: Vault's
	// `/?$` patterns accept both, though its core refuses writes to a path
	// ending in "/" before routing, so only LIST and DELETE reach them.
	slash := func(p *path, ops ...op) {
		add(p)
		cp := *p
		cp.pattern += "/"
		cp.ops = map[op]handlerFunc{}
		for _, o := range ops {
			cp.ops[o] = p.ops[o]
		}
		add(&cp)
	}
	role := "role/" + roleNameRe
	add(&path{pattern: "login", unauthenticated: true, fields: fields{"role_id": tString, "secret_id": tString},
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).login), opRead: h((*approleBackend).loginOther), opDelete: h((*approleBackend).loginOther)}})
	add(&path{pattern: "tidy/secret-id", ops: map[op]handlerFunc{opUpdate: h((*approleBackend).tidySecretIDs)}})
	add(&path{pattern: "role", ops: map[op]handlerFunc{opList: h((*approleBackend).roleList)}})
	add(&path{pattern: "role/", ops: map[op]handlerFunc{opList: h((*approleBackend).roleList)}})
	add(&path{pattern: role, fields: approleRoleFields, exists: func(req *request, d *fieldData) (bool, error) {
		if strings.Contains(d.str("role_name"), "..") {
			return false, errRelativePathBare // the storage's refusal, met in the existence check
		}
		return req.state.(*approleBackend).role(d.str("role_name")) != nil, nil
	},
		ops: map[op]handlerFunc{opRead: h((*approleBackend).roleRead), opCreate: h((*approleBackend).roleWrite), opUpdate: h((*approleBackend).roleWrite), opDelete: h((*approleBackend).roleDelete)}})
	for _, f := range roleFieldPaths() {
		add(&path{pattern: role + "/" + f.name, fields: f.fields,
			ops: map[op]handlerFunc{opRead: h(f.read), opUpdate: h(f.update), opDelete: h(f.delete)}})
	}
	add(&path{pattern: role + "/local-secret-ids", fields: fields{"role_name": tString},
		ops: map[op]handlerFunc{opRead: h((*approleBackend).roleLocalSecretIDsRead)}})
	add(&path{pattern: role + "/role-id", fields: fields{"role_name": tString, "role_id": tString},
		ops: map[op]handlerFunc{opRead: h((*approleBackend).roleIDRead), opUpdate: h((*approleBackend).roleIDUpdate)}})
	add(&path{pattern: role + "/secret-id", fields: secretIDGenFields,
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).secretIDGenerate)}})
	add(&path{pattern: role + "/secret-id/", fields: secretIDGenFields,
		ops: map[op]handlerFunc{opList: h((*approleBackend).secretIDList)}})
	add(&path{pattern: role + "/custom-secret-id", fields: customSecretIDFields,
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).secretIDCustom)}})
	add(&path{pattern: role + "/secret-id/lookup", fields: fields{"role_name": tString, "secret_id": tString},
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).secretIDLookup)}})
	slash(&path{pattern: role + "/secret-id/destroy", fields: fields{"role_name": tString, "secret_id": tString},
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).secretIDDestroy), opDelete: h((*approleBackend).secretIDDestroy)}}, opDelete)
	add(&path{pattern: role + "/secret-id-accessor/lookup", fields: fields{"role_name": tString, "secret_id_accessor": tString},
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).secretIDAccessorLookup)}})
	slash(&path{pattern: role + "/secret-id-accessor/destroy", fields: fields{"role_name": tString, "secret_id_accessor": tString},
		ops: map[op]handlerFunc{opUpdate: h((*approleBackend).secretIDAccessorDestroy), opDelete: h((*approleBackend).secretIDAccessorDestroy)}}, opDelete)
	b := newBackend(paths)
	b.notFound = func(rel string) error {
		// The lookups' patterns end in `/?$` too: with the slash only a
		// write would be served (the core refuses it first), so a read,
		// list or delete there is an unsupported operation, not path.
		if lookupSlashRe.MatchString(rel) {
			return errUnsupportedOp
		}
		return nil
	}
	return b
}

var lookupSlashRe = regexp.MustCompile(`^role/\w(?:[\w-.]*\w)?/secret-id(?:-accessor)?/lookup/$`)

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
func maxLeaseTTL(req *request) time.Duration {
	_, max := req.mount.ttls()
	return max
}

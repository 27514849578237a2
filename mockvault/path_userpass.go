package mockvault

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// The userpass auth method (builtin/credential/userpass in Vault 1.21.1):
// users with a bcrypt-hashed password and the token_* fields, and a login
// that hands the core the username as the identity alias.
//
// Each mount has its own users (a *userpassState). Passwords are never
// kept in clear: only their bcrypt hash, as Vault stores it.
func userpassEngine() *engine {
	return &engine{
		typ: "userpass", auth: true, routes: userpassRouter, renew: userpassRenewParams,
		state: func(*Server) engineState { return newUserpassState() },
	}
}

// userpassState is the state of one userpass mount.
type userpassState struct {
	// users by storage key: the lower-cased name, except that Vault's
	// password and policies sub-paths store under the name as written.
	users map[string]*userpassUser
	// failed counts failed logins per username (Vault's user lockout).
	failed loginLockouts
}

func newUserpassState() *userpassState {
	return &userpassState{users: map[string]*userpassUser{}, failed: loginLockouts{}}
}

func (st *userpassState) cloneState() engineState {
	out := &userpassState{users: make(map[string]*userpassUser, len(st.users)), failed: st.failed.clone()}
	for k, u := range st.users {
		out.users[k] = u.clone()
	}
	return out
}

// userpassUser is one user (Vault's UserEntry).
type userpassUser struct {
	tokenParams
	passwordHash []byte
	// The deprecated twins of token_policies, token_ttl, token_max_ttl and
	// token_bound_cidrs, read back only when set.
	policies   []string
	ttl        time.Duration
	maxTTL     time.Duration
	boundCIDRs []string
}

func (u *userpassUser) clone() *userpassUser {
	cp := *u
	cp.TokenBoundCIDRs = cloneStrings(u.TokenBoundCIDRs)
	cp.TokenPolicies = cloneStrings(u.TokenPolicies)
	cp.policies = cloneStrings(u.policies)
	cp.boundCIDRs = cloneStrings(u.boundCIDRs)
	return &cp
}

// user reads a user as Vault's b.user does: by lower-cased name.
func (st *userpassState) user(name string) *userpassUser {
	return st.users[strings.ToLower(name)]
}

// userChecked is user with the storage's refusal of a key with "..".
func (st *userpassState) userChecked(name string) (*userpassUser, error) {
	if strings.Contains(name, "..") {
		return nil, errRelativePath
	}
	return st.user(name), nil
}

// userpassHandler serves one endpoint with the state of the request's mount.
type userpassHandler func(st *userpassState, req *request, d *fieldData) (*response, error)

// userNameRe is framework.GenericNameRegex("username") for gorilla/mux.
const userNameRe = `{username:\w(?:(?:[\w-.]+)?\w)?}`

var userpassUserFields = func() fields {
	f := fields{
		"username": tString, "password": tString, "password_hash": tString,
		"policies": tCommaSlice, "ttl": tDuration, "max_ttl": tDuration, "bound_cidrs": tCommaSlice,
	}
	for k, v := range tokenFields {
		f[k] = v
	}
	return f
}()

func userpassRouter(s *Server, _ *mount) *backend {
	h := func(fn userpassHandler) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			return fn(req.state.(*userpassState), req, d)
		}
	}
	user := "users/" + userNameRe
	return newBackend([]*path{
		{pattern: "users/", ops: map[op]handlerFunc{opList: h((*userpassState).userList)}},
		{pattern: user, fields: userpassUserFields,
			exists: func(req *request, d *fieldData) (bool, error) {
				u, err := req.state.(*userpassState).userChecked(d.str("username"))
				if err != nil {
					return false, errRelativePathBare // met in the existence check
				}
				return u != nil, nil
			},
			ops: map[op]handlerFunc{opRead: h((*userpassState).userRead), opCreate: h((*userpassState).userWrite),
				opUpdate: h((*userpassState).userWrite), opDelete: h((*userpassState).userDelete)}},
		{pattern: user + "/policies", fields: fields{"username": tString, "policies": tCommaSlice, "token_policies": tCommaSlice},
			ops: map[op]handlerFunc{opUpdate: h((*userpassState).userPolicies)}},
		{pattern: user + "/password", fields: fields{"username": tString, "password": tString, "password_hash": tString},
			ops: map[op]handlerFunc{opUpdate: h((*userpassState).userPassword)}},
		{pattern: "login/" + userNameRe, unauthenticated: true, fields: fields{"username": tString, "password": tString},
			ops: map[op]handlerFunc{opUpdate: h((*userpassState).login), opRead: h((*userpassState).loginOther), opDelete: h((*userpassState).loginOther)}},
	})
}

// userList is LIST users.
func (st *userpassState) userList(req *request, d *fieldData) (*response, error) {
	keys := make([]string, 0, len(st.users))
	for k := range st.users {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return listResp(keys), nil
}

// userRead is GET users/:username: the token_* fields, and the deprecated
// twins only when set.
func (st *userpassState) userRead(req *request, d *fieldData) (*response, error) {
	u, err := st.userChecked(d.str("username"))
	if u == nil || err != nil {
		return nil, err
	}
	data := map[string]any{}
	u.tokenParams.populate(data)
	if u.ttl > 0 {
		data["ttl"] = int64(u.ttl / time.Second)
	}
	if u.maxTTL > 0 {
		data["max_ttl"] = int64(u.maxTTL / time.Second)
	}
	if len(u.policies) > 0 {
		data["policies"] = data["token_policies"]
	}
	if len(u.boundCIDRs) > 0 {
		data["bound_cidrs"] = u.boundCIDRs
	}
	return dataResp(data), nil
}

// userWrite is POST users/:username. A password (or its bcrypt hash) is
// needed to create a user, not to update one.
func (st *userpassState) userWrite(req *request, d *fieldData) (*response, error) {
	pw, hash := d.str("password"), d.str("password_hash")
	switch {
	case pw != "" && hash != "":
		return nil, badRequest(`"password" and "password_hash" cannot be supplied together`)
	case pw == "" && hash == "" && req.op == opCreate:
		return nil, badRequest(`"password" or "password_hash" must be supplied`)
	}
	name := strings.ToLower(d.str("username"))
	u := st.user(name)
	if u == nil {
		u = &userpassUser{}
	} else {
		u = u.clone() // a failed update leaves the user as it was
	}
	if err := u.tokenParams.parse(d); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if pw != "" || hash != "" {
		if err := u.setPassword(req, d); err != nil {
			return nil, err
		}
	}
	upgradeValue(d, "token_policies", "policies", &u.TokenPolicies, &u.policies, func() []string {
		return sanitizePolicies(d.strings("policies"), false)
	})
	upgradeValue(d, "token_ttl", "ttl", &u.TokenTTL, &u.ttl, func() time.Duration { return d.duration("ttl") })
	upgradeValue(d, "token_max_ttl", "max_ttl", &u.TokenMaxTTL, &u.maxTTL, func() time.Duration { return d.duration("max_ttl") })
	if !d.has("token_bound_cidrs") && d.has("bound_cidrs") {
		c, err := parseAddrs(d.strings("bound_cidrs"))
		if err != nil {
			return nil, badRequest("%s", err.Error())
		}
		u.boundCIDRs, u.TokenBoundCIDRs = c, cloneStrings(c)
	} else {
		upgradeValue(d, "token_bound_cidrs", "bound_cidrs", &u.TokenBoundCIDRs, &u.boundCIDRs, func() []string { return nil })
	}
	st.users[name] = u
	return nil, nil
}

// setPassword hashes the password, or takes a bcrypt hash as given, as
// Vault's updateUserPassword does.
func (u *userpassUser) setPassword(req *request, d *fieldData) error {
	pw, hash := d.str("password"), d.str("password_hash")
	switch {
	case pw != "" && hash != "":
		return badRequest(`"password" and "password_hash" cannot be supplied together`)
	case pw == "" && hash == "":
		return badRequest(`"password" or "password_hash" must be supplied`)
	case pw != "":
		h, err := hashPassword(req, pw)
		if err != nil {
			return internalError("%s", err.Error())
		}
		u.passwordHash = h
	default:
		// bcrypt hashes are 60 characters, with one of these prefixes.
		switch {
		case len(hash) != 60:
			return internalError("password hash has incorrect length")
		case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2y$"), strings.HasPrefix(hash, "$2b$"):
			u.passwordHash = []byte(hash)
		default:
			return internalError("password hash has incorrect prefix")
		}
	}
	return nil
}

// userDelete is DELETE users/:username. Tokens the user logged in with
// live on, as in Vault.
func (st *userpassState) userDelete(req *request, d *fieldData) (*response, error) {
	name := strings.ToLower(d.str("username"))
	if _, err := st.userChecked(name); err != nil {
		return nil, err
	}
	delete(st.users, name)
	return nil, nil
}

// editUser applies change to a copy of an existing user and stores it, as
// the password and policies sub-paths do: Vault reads the user by
// lower-cased name but stores it back under the name as written.
func (st *userpassState) editUser(d *fieldData, change func(u *userpassUser) error) (*response, error) {
	name := d.str("username")
	u, err := st.userChecked(name)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, internalError("username does not exist")
	}
	u = u.clone()
	if err := change(u); err != nil {
		return nil, err
	}
	st.users[name] = u
	return nil, nil
}

// userPassword is POST users/:username/password.
func (st *userpassState) userPassword(req *request, d *fieldData) (*response, error) {
	return st.editUser(d, func(u *userpassUser) error { return u.setPassword(req, d) })
}

// userPolicies is POST users/:username/policies.
func (st *userpassState) userPolicies(req *request, d *fieldData) (*response, error) {
	return st.editUser(d, func(u *userpassUser) error {
		switch {
		case d.has("token_policies"):
			u.TokenPolicies = sanitizePolicies(d.strings("token_policies"), false)
			u.policies = nil
			if d.has("policies") {
				u.policies = cloneStrings(u.TokenPolicies)
			}
		case d.has("policies"):
			u.policies = sanitizePolicies(d.strings("policies"), false)
			u.TokenPolicies = cloneStrings(u.policies)
		}
		return nil
	})
}

// userpassRenewParams is userpass's AuthRenew: the user's current token_ttl,
// token_max_ttl and token_period; a renewal fails once the user's policies
// changed, and answers nothing once the user is gone.
func userpassRenewParams(s *Server, _ *request, m *mount, te *tokenEntry) (ttl, maxTTL, period time.Duration, err error) {
	u := s.stateOf(m).(*userpassState).user(te.Meta["username"])
	if u == nil {
		return 0, 0, 0, errRenewNoResponse
	}
	if !equivalentPolicies(u.TokenPolicies, te.Policies) {
		return 0, 0, 0, multiErr(http.StatusInternalServerError, "failed to renew entry: policies have changed, not renewing")
	}
	return u.TokenTTL, u.TokenMaxTTL, u.TokenPeriod, nil
}

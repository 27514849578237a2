package mockvault

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// dummyBcryptHash is compared against when the user does not exist, so a
// wrong username costs what a wrong password costs (Vault does the same).
const dummyBcryptHash = "$2a$10$/rzAjBPX3APZv8DesvsjB.OKdMif2xomluDfaxQ.OZcF06EuECsVG"

// login is POST login/:username. Vault's core resolves the lockout key
// (the lower-cased username) first; wrong passwords of existing users
// count towards the lockout.
func (st *userpassState) login(req *request, d *fieldData) (*response, error) {
	name := strings.ToLower(d.str("username"))
	if st.failed.locked(name, req.now) {
		return nil, errPermissionDenied
	}
	resp, err := st.doLogin(req, d, name)
	if ic, ok := err.(errInvalidCredentials); ok {
		st.failed.fail(name, req.now)
		err = ic.err
	}
	if err != nil {
		return nil, err
	}
	delete(st.failed, name)
	return finishLogin(resp, d), nil
}

func (st *userpassState) doLogin(req *request, d *fieldData, name string) (*response, error) {
	password := d.str("password")
	if password == "" {
		return nil, errInvalidCredentials{badRequest("invalid credentials")}
	}
	u := st.user(name)
	if u == nil {
		bcryptMatches([]byte(dummyBcryptHash), password)
		return nil, badRequest("invalid username or password")
	}
	if !passwordMatches(u, password) {
		return nil, errInvalidCredentials{badRequest("invalid username or password")}
	}
	if len(u.TokenBoundCIDRs) > 0 && !cidrAllows(u.TokenBoundCIDRs, req.remoteAddr) {
		return nil, errPermissionDenied
	}
	return req.srv.issueLoginToken(req, &loginAuth{
		Policies: u.TokenPolicies, NoDefaultPolicy: u.TokenNoDefaultPolicy,
		TTL: u.TokenTTL, MaxTTL: u.TokenMaxTTL, ExplicitMaxTTL: u.TokenExplicitMaxTTL,
		Period: u.TokenPeriod, NumUses: u.TokenNumUses, TokenType: u.TokenType,
		BoundCIDRs: u.TokenBoundCIDRs, Metadata: map[string]string{"username": name},
		DisplayName: name, Alias: &loginAlias{Name: name},
	})
}

// passwordMatches checks a password against the user's bcrypt hash.
func passwordMatches(u *userpassUser, password string) bool {
	return bcryptMatches(u.passwordHash, password)
}

// loginOther answers the operations login/:username does not serve; Vault
// treats any request there as a login, so a locked-out user is refused
// first.
func (st *userpassState) loginOther(req *request, d *fieldData) (*response, error) {
	if st.failed.locked(strings.ToLower(d.str("username")), req.now) {
		return nil, errPermissionDenied
	}
	return nil, errCode(http.StatusMethodNotAllowed, "unsupported operation")
}

// bcryptMemo remembers bcrypt comparisons by the SHA-256 of hash and
// password (never the password): a comparison costs tens of milliseconds
// by design, and the server must not spend them under its lock for every
// login. Results are facts about two strings, so one memo serves every
// server; it is emptied when full.
var bcryptMemo = struct {
	sync.Mutex
	m map[[sha256.Size]byte]bool
}{m: map[[sha256.Size]byte]bool{}}

const bcryptMemoMax = 4096

// bcryptMatches is bcrypt.CompareHashAndPassword == nil, memoised.
func bcryptMatches(hash []byte, password string) bool {
	h := sha256.New()
	h.Write(hash)
	h.Write([]byte{0})
	h.Write([]byte(password))
	var key [sha256.Size]byte
	h.Sum(key[:0])
	bcryptMemo.Lock()
	ok, known := bcryptMemo.m[key]
	bcryptMemo.Unlock()
	if known {
		return ok
	}
	ok = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
	bcryptMemo.Lock()
	if len(bcryptMemo.m) >= bcryptMemoMax {
		clear(bcryptMemo.m)
	}
	bcryptMemo.m[key] = ok
	bcryptMemo.Unlock()
	return ok
}

// precheckPassword runs the bcrypt comparison of a userpass login before
// the request takes the server lock (the handler then finds it memoised):
// the user's hash is read under the lock, the comparison made outside.
// A user write with a password gets its hash made here too.
func (s *Server) precheckPassword(req *request) {
	if (req.op != opUpdate && req.op != opCreate) || !strings.HasPrefix(req.path, "auth/") {
		return
	}
	pw, _ := req.data["password"].(string)
	if pw == "" {
		return
	}
	s.mu.Lock()
	var hash []byte
	login, write := false, false
	if m := s.mountFor(req.path); m != nil && m.typ == "userpass" {
		rel := strings.TrimPrefix(req.path, m.path)
		name, isLogin := strings.CutPrefix(rel, "login/")
		if st, ok := s.stateOf(m).(*userpassState); ok && isLogin {
			login, hash = true, []byte(dummyBcryptHash)
			if u := st.user(name); u != nil {
				hash = u.passwordHash
			}
		}
		write = strings.HasPrefix(rel, "users/")
	}
	s.mu.Unlock()
	switch {
	case login:
		bcryptMatches(hash, pw)
	case write:
		h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
		if err == nil {
			req.http = req.http.WithContext(context.WithValue(req.http.Context(), prehashedKey{}, prehashed{pw: pw, hash: h}))
		}
	}
}

// prehashed is a password's bcrypt hash made before the lock.
type prehashed struct {
	pw   string
	hash []byte
}

type prehashedKey struct{}

// hashPassword is bcrypt at Vault's default cost, made before the lock
// when precheckPassword could.
func hashPassword(req *request, pw string) ([]byte, error) {
	if req.http != nil {
		if p, ok := req.http.Context().Value(prehashedKey{}).(prehashed); ok && p.pw == pw {
			return p.hash, nil
		}
	}
	return bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
}

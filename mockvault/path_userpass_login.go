package mockvault

import (
	"net/http"
	"strings"

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
		_ = bcrypt.CompareHashAndPassword([]byte(dummyBcryptHash), []byte(password))
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
	return bcrypt.CompareHashAndPassword(u.passwordHash, []byte(password)) == nil
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

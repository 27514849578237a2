package mockvault_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// adminCall sends one request to an admin route with the given headers
// and returns the status.
func adminCall(t *testing.T, addr, method, path, body string, hdr map[string]string) int {
	t.Helper()
	req, err := http.NewRequest(method, addr+"/_mockvault/"+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// A web page must not be able to drive the admin routes: a browser sends
// a text/plain POST with its own Origin and no token, without a preflight.
func TestAdminRoutesRefuseBrowsersAndStrangers(t *testing.T) {
	v := testhelpers.RunT(t, mockvault.Options{AdminRoutes: true})
	sealed := func() bool {
		h, err := v.Client.Sys().Health()
		if err != nil {
			t.Fatal(err)
		}
		return h.Sealed
	}
	// The drive-by seal a web page can send.
	if c := adminCall(t, v.Addr, "POST", "seal", "{}", map[string]string{
		"Content-Type": "text/plain", "Origin": "http://evil.example"}); c != 403 {
		t.Fatalf("cross-site text/plain seal: %d", c)
	}
	if sealed() {
		t.Fatal("a cross-site request sealed the server")
	}
	root := v.RootToken
	for _, tc := range []struct {
		name   string
		method string
		path   string
		body   string
		hdr    map[string]string
		want   int
	}{
		{"no token", "POST", "seal", "", map[string]string{"Content-Type": "application/json"}, 403},
		{"no token, GET", "GET", "tokens", "", nil, 403},
		{"wrong token", "GET", "requests", "", map[string]string{"X-Vault-Token": root + "x"}, 403},
		{"wrong bearer", "GET", "requests", "", map[string]string{"Authorization": "Bearer nope"}, 403},
		{"foreign origin with the token", "DELETE", "faults", "", map[string]string{"X-Vault-Token": root, "Origin": "http://evil.example"}, 403},
		{"foreign origin, GET", "GET", "tokens", "", map[string]string{"X-Vault-Token": root, "Origin": "https://evil.example"}, 403},
		{"null origin", "GET", "clock", "", map[string]string{"X-Vault-Token": root, "Origin": "null"}, 403},
		{"cross-site fetch", "GET", "clock", "", map[string]string{"X-Vault-Token": root, "Sec-Fetch-Site": "cross-site"}, 403},
		{"text/plain body", "POST", "faults", `{"path":"sys/health","status":500}`, map[string]string{"X-Vault-Token": root, "Content-Type": "text/plain"}, 415},
		{"form body", "POST", "clock", `advance=15m`, map[string]string{"X-Vault-Token": root, "Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"body without a type", "POST", "clock", `{}`, map[string]string{"X-Vault-Token": root}, 415},
		{"root token", "GET", "clock", "", map[string]string{"X-Vault-Token": root}, 200},
		{"bearer", "GET", "clock", "", map[string]string{"Authorization": "Bearer " + root}, 200},
		{"same origin", "GET", "clock", "", map[string]string{"X-Vault-Token": root, "Origin": v.Addr}, 200},
		{"same-origin fetch", "GET", "clock", "", map[string]string{"X-Vault-Token": root, "Sec-Fetch-Site": "same-origin"}, 200},
		{"json body", "POST", "clock", `{}`, map[string]string{"X-Vault-Token": root, "Content-Type": "application/json; charset=utf-8"}, 200},
		{"empty body, no type", "DELETE", "requests", "", map[string]string{"X-Vault-Token": root}, 204},
	} {
		if c := adminCall(t, v.Addr, tc.method, tc.path, tc.body, tc.hdr); c != tc.want {
			t.Errorf("%s: %s %s -> %d, want %d", tc.name, tc.method, tc.path, c, tc.want)
		}
	}
	if sealed() {
		t.Fatal("sealed by a refused request")
	}
	// The configured root token id keeps working after the token itself is
	// revoked: the admin routes are how a test gets back to a clean state.
	if err := v.Client.Auth().Token().RevokeSelf(""); err != nil {
		t.Fatal(err)
	}
	if c := adminCall(t, v.Addr, "POST", "reset", "", map[string]string{"X-Vault-Token": root}); c != 204 {
		t.Fatalf("reset after the root token was revoked: %d", c)
	}
	if _, err := v.Client.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("root token after reset: %v", err)
	}
}

// With Options.AdminToken the admin routes take that token, and only it:
// the root token given to the code under test cannot seal the server.
func TestAdminRoutesSeparateAdminToken(t *testing.T) {
	v := testhelpers.RunT(t, mockvault.Options{AdminRoutes: true, AdminToken: "adm-123"})
	json := map[string]string{"Content-Type": "application/json"}
	with := func(tok string) map[string]string {
		return map[string]string{"Content-Type": "application/json", "X-Vault-Token": tok}
	}
	if c := adminCall(t, v.Addr, "POST", "seal", "", json); c != 403 {
		t.Fatalf("no token: %d", c)
	}
	if c := adminCall(t, v.Addr, "POST", "seal", "", with(v.RootToken)); c != 403 {
		t.Fatalf("root token with a separate admin token: %d", c)
	}
	if c := adminCall(t, v.Addr, "POST", "seal", "", with("adm-123")); c != 204 {
		t.Fatalf("admin token: %d", c)
	}
	if c := adminCall(t, v.Addr, "POST", "unseal", "", map[string]string{"Authorization": "Bearer adm-123"}); c != 204 {
		t.Fatalf("admin token as bearer: %d", c)
	}
	// The admin token is no Vault token.
	if _, err := testhelpers.NewClient(v.Addr, "adm-123"); err != nil {
		t.Fatal(err)
	}
	c, _ := testhelpers.NewClient(v.Addr, "adm-123")
	if _, err := c.Auth().Token().LookupSelf(); err == nil {
		t.Fatal("the admin token works as a Vault token")
	}
}

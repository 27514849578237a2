package mockvault_test

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// Token formats as Vault 1.21.1 issues them. The lengths below were read
// from a real 1.21.1 dev server (e2e recordings and by hand): a batch
// token's length depends on what it carries, so the same request must give
// the same length.

var storedIDRe = regexp.MustCompile(`^hvs\.[A-Za-z0-9]{24}$`)

// signedInner checks the layout of a signed ("server side consistent")
// service token and returns the stored id inside: base64url of the
// protobuf SignedToken{1: 1, 2: 32-byte HMAC, 3: Token{1: stored id}}.
func signedInner(t *testing.T, tok string) string {
	t.Helper()
	if len(tok) != 95 || !strings.HasPrefix(tok, "hvs.CAES") {
		t.Fatalf("want a 95-character hvs.CAES… token, got %d: %q", len(tok), tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok[4:])
	if err != nil {
		t.Fatalf("%q: %v", tok, err)
	}
	// 08 01 | 12 20 <hmac> | 1a 1e 0a 1c <stored id>
	if len(raw) != 68 || raw[0] != 0x08 || raw[1] != 1 || raw[2] != 0x12 || raw[3] != 32 ||
		raw[36] != 0x1a || raw[37] != 30 || raw[38] != 0x0a || raw[39] != 28 {
		t.Fatalf("not a SignedToken: % x", raw)
	}
	inner := string(raw[40:])
	if !storedIDRe.MatchString(inner) {
		t.Fatalf("stored id %q", inner)
	}
	return inner
}

func TestTokenFormatServiceSigned(t *testing.T) {
	v := testhelpers.RunT(t)
	sec := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h"})
	tok := sec.Auth.ClientToken
	inner := signedInner(t, tok)
	if !regexp.MustCompile(`^[A-Za-z0-9]{24}$`).MatchString(sec.Auth.Accessor) {
		t.Fatalf("accessor %q", sec.Auth.Accessor)
	}

	// The token handed out works everywhere: lookup, renew, revoke.
	look, err := v.Client.Auth().Token().Lookup(tok)
	if err != nil || look.Data["id"] != tok {
		t.Fatalf("lookup: %v %v", err, look)
	}
	if _, err := as(t, v, tok).Auth().Token().RenewSelf(600); err != nil {
		t.Fatalf("renew-self: %v", err)
	}
	if _, err := v.Client.Auth().Token().Renew(tok, 600); err != nil {
		t.Fatalf("renew: %v", err)
	}

	// As in Vault, the stored id works as the token too, and lookup shows
	// the id it was given.
	code, m := raw(t, v, "GET", "auth/token/lookup-self", inner, "")
	if code != 200 || m["data"].(map[string]any)["id"] != inner ||
		m["data"].(map[string]any)["accessor"] != sec.Auth.Accessor {
		t.Fatalf("lookup-self by stored id: %d %v", code, m)
	}

	// A signed token whose signature does not hold is no token.
	b := []byte(tok)
	i := 10
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	if code, _ := raw(t, v, "GET", "auth/token/lookup-self", string(b), ""); code != 403 {
		t.Fatalf("tampered token: %d", code)
	}

	if err := v.Client.Auth().Token().RevokeTree(tok); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if code, _ := raw(t, v, "GET", "auth/token/lookup-self", tok, ""); code != 403 {
		t.Fatalf("revoked token still works: %d", code)
	}
	if code, _ := raw(t, v, "GET", "auth/token/lookup-self", inner, ""); code != 403 {
		t.Fatalf("revoked token's stored id still works: %d", code)
	}
}

func TestTokenFormatByCreator(t *testing.T) {
	v := testhelpers.RunT(t)
	// The dev root token keeps its custom id.
	if v.RootToken != "root" {
		t.Fatalf("root token %q", v.RootToken)
	}
	// Root tokens are handed out as stored: 28 characters.
	for _, req := range []*api.TokenCreateRequest{
		{Policies: []string{"root"}, TTL: "1h"},
		{Policies: []string{"root"}, Period: "1h"},
	} {
		tok := create(t, v.Client, req).Auth.ClientToken
		if !storedIDRe.MatchString(tok) {
			t.Fatalf("root token %+v: %q", req, tok)
		}
		// and a root token's children are signed again
		child := create(t, as(t, v, tok), &api.TokenCreateRequest{Policies: []string{"app"}})
		signedInner(t, child.Auth.ClientToken)
	}
	// A non-root parent's children are signed.
	parent := limited(t, v, "")
	signedInner(t, parent)
	child := create(t, as(t, v, parent), &api.TokenCreateRequest{Policies: []string{"creator"}})
	signedInner(t, child.Auth.ClientToken)
	orphan, err := v.Client.Auth().Token().CreateOrphan(&api.TokenCreateRequest{Policies: []string{"app"}})
	if err != nil {
		t.Fatal(err)
	}
	signedInner(t, orphan.Auth.ClientToken)
	// Custom ids are handed out as given.
	custom := create(t, v.Client, &api.TokenCreateRequest{ID: "custom-1", Policies: []string{"app"}})
	if custom.Auth.ClientToken != "custom-1" || len(custom.Auth.Accessor) != 24 {
		t.Fatalf("custom id: %+v", custom.Auth)
	}
	// Wrapping tokens are signed service tokens.
	c := as(t, v, v.RootToken)
	c.SetWrappingLookupFunc(func(string, string) string { return "5m" })
	w, err := c.Logical().Write("sys/wrapping/wrap", map[string]any{"a": 1})
	if err != nil || w.WrapInfo == nil {
		t.Fatalf("wrap: %v %v", err, w)
	}
	signedInner(t, w.WrapInfo.Token)
	if len(w.WrapInfo.Accessor) != 24 {
		t.Fatalf("wrapping accessor %q", w.WrapInfo.Accessor)
	}
	un, err := as(t, v, w.WrapInfo.Token).Logical().Unwrap("")
	if err != nil || un.Data["a"] == nil {
		t.Fatalf("unwrap: %v %v", err, un)
	}
}

func TestTokenFormatBatchLengths(t *testing.T) {
	v := testhelpers.RunT(t)
	if err := v.Server.SetPolicy("creator", `path "auth/token/create" { capabilities = ["update"] }`); err != nil {
		t.Fatal(err)
	}
	parent := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"creator"}, TTL: "1h"}).Auth.ClientToken
	rootParent := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"root"}, TTL: "1h"}).Auth.ClientToken
	for _, tc := range []struct {
		name   string
		parent string
		req    *api.TokenCreateRequest
		want   int
	}{
		{"root parent, ttl", "", &api.TokenCreateRequest{Type: "batch", Policies: []string{"foo"}, TTL: "15m"}, 140},
		{"root parent, default ttl", "", &api.TokenCreateRequest{Type: "batch", Policies: []string{"foo"}}, 143},
		{"meta and display name", "", &api.TokenCreateRequest{Type: "batch", Policies: []string{"creator"}, TTL: "15m",
			Metadata: map[string]string{"a": "", "bb": "x"}, DisplayName: "x"}, 170},
		{"signed parent", parent, &api.TokenCreateRequest{Type: "batch", Policies: []string{"creator"}, TTL: "10m"}, 178},
		{"root-policy parent", rootParent, &api.TokenCreateRequest{Type: "batch", Policies: []string{"foo"}, TTL: "1h"}, 172},
	} {
		c := v.Client
		if tc.parent != "" {
			c = as(t, v, tc.parent)
		}
		sec := create(t, c, tc.req)
		tok := sec.Auth.ClientToken
		if len(tok) != tc.want || !strings.HasPrefix(tok, "hvb.AAAAAQ") {
			t.Errorf("%s: got %d characters %q, Vault 1.21.1 gives %d (hvb.AAAAAQ…)", tc.name, len(tok), tok, tc.want)
			continue
		}
		look, err := v.Client.Auth().Token().Lookup(tok)
		if err != nil {
			t.Fatalf("%s: lookup: %v", tc.name, err)
		}
		if got := look.Data["display_name"]; tc.req.DisplayName != "" && got != "token-"+tc.req.DisplayName {
			t.Errorf("%s: display_name %v", tc.name, got)
		}
		if tc.req.Metadata != nil && (look.Data["meta"].(map[string]any)["a"] != "" || look.Data["meta"].(map[string]any)["bb"] != "x") {
			t.Errorf("%s: meta %v", tc.name, look.Data["meta"])
		}
		if look.Data["orphan"] != false {
			t.Errorf("%s: orphan %v", tc.name, look.Data["orphan"])
		}
	}
	// A batch child dies with its signed parent.
	child := create(t, as(t, v, parent), &api.TokenCreateRequest{Type: "batch", Policies: []string{"creator"}}).Auth.ClientToken
	if code, _ := raw(t, v, "GET", "auth/token/lookup-self", child, ""); code != 200 {
		t.Fatalf("batch child: %d", code)
	}
	if err := v.Client.Auth().Token().RevokeTree(parent); err != nil {
		t.Fatal(err)
	}
	if code, _ := raw(t, v, "GET", "auth/token/lookup-self", child, ""); code != 403 {
		t.Fatalf("batch child of a revoked parent: %d", code)
	}
}

// Service token leases are issued to the nanosecond, batch tokens carry
// whole seconds, as in Vault.
func TestTokenFormatTimes(t *testing.T) {
	v := testhelpers.RunT(t, mockvault.Options{Clock: mockvault.RealClock{}})
	frac := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$`)
	whole := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	svc := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h"}).Auth.ClientToken
	bat := create(t, v.Client, &api.TokenCreateRequest{Type: "batch", Policies: []string{"app"}, TTL: "1h"}).Auth.ClientToken
	time.Sleep(time.Millisecond)
	if _, err := v.Client.Auth().Token().Renew(svc, 600); err != nil {
		t.Fatal(err)
	}
	ls, err := v.Client.Auth().Token().Lookup(svc)
	if err != nil {
		t.Fatal(err)
	}
	lb, err := v.Client.Auth().Token().Lookup(bat)
	if err != nil {
		t.Fatal(err)
	}
	// A nanosecond time prints without a fraction once in 10^9: checking
	// two of them makes a false failure a 10^-18 event.
	if !frac.MatchString(ls.Data["issue_time"].(string)) && !frac.MatchString(ls.Data["expire_time"].(string)) {
		t.Errorf("service token times %v %v: want fractional seconds", ls.Data["issue_time"], ls.Data["expire_time"])
	}
	if !frac.MatchString(ls.Data["last_renewal"].(string)) && !frac.MatchString(ls.Data["expire_time"].(string)) {
		t.Errorf("service token renewal %v: want fractional seconds", ls.Data["last_renewal"])
	}
	if !whole.MatchString(lb.Data["issue_time"].(string)) || !whole.MatchString(lb.Data["expire_time"].(string)) {
		t.Errorf("batch token times %v %v: want whole seconds", lb.Data["issue_time"], lb.Data["expire_time"])
	}
	for _, d := range []map[string]any{ls.Data, lb.Data} {
		ct, err := d["creation_time"].(interface{ Int64() (int64, error) }).Int64()
		it, _ := time.Parse(time.RFC3339Nano, d["issue_time"].(string))
		if err != nil || ct != it.Unix() {
			t.Errorf("creation_time %v is not issue_time's second %v", d["creation_time"], d["issue_time"])
		}
	}
}

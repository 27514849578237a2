package mockvault

import (
	"net/http"
	"strings"
	"testing"
)

func TestMaskTokenPath(t *testing.T) {
	const ssc = "hvs.CAESIJ8nQz1Kx2u3Vh0Xxv5lq9Yk6kQy0o8m1F7yq0mU6Xr9GiEKHGh2cy5ZbG9uZ3JhbmRvbWlkZW50aWZpZXIQAQ"
	for _, c := range []struct{ in, want string }{
		{"auth/token/lookup/root", "auth/token/lookup/<redacted>"},
		{"auth/token/lookup/some/secret/token", "auth/token/lookup/<redacted>"},
		{"auth/token/renew/abc", "auth/token/renew/<redacted>"},
		{"auth/token/revoke/abc", "auth/token/revoke/<redacted>"},
		{"auth/token/revoke-orphan/abc", "auth/token/revoke-orphan/<redacted>"},
		{"/v1/auth/token/lookup/abc", "/v1/auth/token/lookup/<redacted>"},
		{"/v1/auth/token/lookup/abc?x=1", "/v1/auth/token/lookup/<redacted>?x=1"},
		{"secret/data/" + ssc, "secret/data/<redacted>"},
		{"cubbyhole/hvb.AAAAAQJ0eXBlX2lzX2JhdGNoX3Rva2VuX2J5dGVz/x", "cubbyhole/<redacted>/x"},
		{"secret/data/s.abcdefghijklmnopqrstuvwx", "secret/data/<redacted>"},
		// Left alone: no token there.
		{"auth/token/lookup", "auth/token/lookup"},
		{"auth/token/lookup/", "auth/token/lookup/"},
		{"auth/token/lookup-self", "auth/token/lookup-self"},
		{"auth/token/lookup-accessor/acc", "auth/token/lookup-accessor/acc"},
		{"auth/token/roles/lookup", "auth/token/roles/lookup"},
		{"secret/data/s.config_production_database", "secret/data/s.config_production_database"},
		{"secret/data/hvs.short", "secret/data/hvs.short"},
		{"sys/health", "sys/health"},
	} {
		if got := maskTokenPath(c.in); got != c.want {
			t.Errorf("maskTokenPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// A token in the URL path ("auth/token/lookup/<token>", the API before
// Vault 1.0, still sent by some clients) was written to the request log
// as it came.
func TestRequestLogMasksTokenInPath(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	tok, _ := createToken(t, s, map[string]any{"ttl": "1h"})
	for _, p := range []string{"auth/token/lookup/" + tok, "auth/token/renew/" + tok, "secret/data/" + tok} {
		call(t, s, http.MethodGet, p, s.RootToken(), nil)
	}
	for _, r := range s.Requests() {
		if strings.Contains(r.Path, tok) {
			t.Errorf("request log holds a token: %s %s", r.Method, r.Path)
		}
	}
	if n := s.CountRequests(http.MethodGet, "auth/token/lookup/*"); n != 1 {
		t.Errorf("CountRequests(auth/token/lookup/*) = %d, want 1", n)
	}
}

package mockvault

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// Every PKI route, with every operation and bodies of wrong types, empty
// or garbage values, answers without a panic, before and after a CA
// exists.
func TestPKIBadInputNeverPanics(t *testing.T) {
	s := New(Options{})
	do := func(method, p string, body any) *httptest.ResponseRecorder {
		b, _ := json.Marshal(body)
		req := httptest.NewRequest(method, "/v1/"+p, strings.NewReader(string(b)))
		req.Header.Set("X-Vault-Token", s.RootToken())
		if method == http.MethodPatch {
			req.Header.Set("Content-Type", "application/merge-patch+json")
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w
	}
	if w := do("POST", "sys/mounts/pki", map[string]any{"type": "pki"}); w.Code != 204 {
		t.Fatalf("mount: %d %s", w.Code, w.Body)
	}
	vars := regexp.MustCompile(`\{([a-z_]+)(:[^}]*)?\}`)
	values := map[string]string{"role": "r", "name": "r", "issuer_ref": "default", "key_ref": "default", "exported": "internal",
		"serial": "ab:cd", "rest": "zz"}
	bodies := []any{nil, map[string]any{}}
	weird := map[string]any{}
	for _, r := range pkiRoutes() {
		for f := range r.fields {
			weird[f] = []any{map[string]any{"x": 1}}
		}
	}
	bodies = append(bodies, weird)
	strs := map[string]any{}
	for f := range weird {
		strs[f] = "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"
	}
	bodies = append(bodies, strs)
	run := func() {
		for _, r := range pkiRoutes() {
			for _, pat := range r.patterns {
				p := "pki/" + vars.ReplaceAllStringFunc(pat, func(m string) string {
					return values[vars.FindStringSubmatch(m)[1]]
				})
				// Per route: its string fields hold garbage, its lists odd
				// entries, so the handlers (not the field checks) see them.
				own := map[string]any{}
				for f, typ := range r.fields {
					switch typ {
					case tString:
						own[f] = "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----"
					case tCommaSlice:
						own[f] = "a,,*,default,http://x"
					}
				}
				for _, method := range []string{"GET", "LIST", "POST", "DELETE", "PATCH"} {
					for _, b := range append(bodies, own) {
						if method == "DELETE" && strings.HasSuffix(p, "root") {
							continue // keep the CA for the second round
						}
						w := do(method, p, b)
						if w.Code == 500 && strings.Contains(w.Body.String(), "internal error") || s.panicCount() > 0 {
							t.Fatalf("%s %s %v: %d %s", method, p, b, w.Code, w.Body)
						}
					}
				}
			}
		}
	}
	run()
	if w := do("POST", "pki/root/generate/internal", map[string]any{"common_name": "ca", "key_type": "ec", "ttl": "8760h"}); w.Code != 200 {
		t.Fatalf("root: %d %s", w.Code, w.Body)
	}
	if w := do("POST", "pki/roles/r", map[string]any{"allow_any_name": true, "key_type": "ec"}); w.Code != 200 {
		t.Fatalf("role: %d %s", w.Code, w.Body)
	}
	run()
}

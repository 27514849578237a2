package mockvault

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// Fuzz targets: `go test -fuzz=FuzzX ./mockvault`. Their seed corpora run
// as ordinary tests; testdata/fuzz holds inputs found worth keeping.

func FuzzDecodeFields(f *testing.F) {
	for _, s := range []string{`{"ttl":"1h"}`, `{"ttl":3600}`, `{"meta":{"a":"b"}}`, `{"meta":["a=b","c"]}`,
		`{"policies":"a,b"}`, `{"num_uses":"x"}`, `{"increment":-1}`, `[]`, `{`, `{"ttl":{"a":1}}`, `{"x":1e400}`} {
		f.Add(s)
	}
	types := []fieldType{tString, tLowerString, tNameString, tInt, tBool, tDuration, tCommaSlice, tStringSlice, tKVPairs, tMap}
	f.Fuzz(func(t *testing.T, body string) {
		m, err := decodeJSONBody([]byte(body))
		if err != nil {
			return
		}
		for k, v := range m {
			for _, ty := range types {
				_, _, _ = convertField(v, ty)
			}
			fd := &fieldData{raw: m, schema: fields{k: tDuration}}
			_ = fd.validate()
		}
	})
}

func FuzzParsePolicyAndMatch(f *testing.F) {
	f.Add(`path "secret/*" { capabilities = ["read"] }`, "secret/foo")
	f.Add(`path "secret/+/x" { capabilities = ["deny"] } path "secret/a*" { capabilities = ["list"] }`, "secret/a/x")
	f.Add(`{"path":{"a/b":{"capabilities":["update"],"allowed_parameters":{"*":[]}}}}`, "a/b")
	f.Add(`path "x" { policy = "write" min_wrapping_ttl = "1s" max_wrapping_ttl = 60 }`, "x")
	f.Add(`name = "x"`, "")
	f.Fuzz(func(t *testing.T, rules, p string) {
		pol, err := parsePolicy("fuzz", rules)
		if err != nil {
			return
		}
		s := New(Options{})
		s.policies.byName["fuzz"] = pol
		a := s.aclFor([]string{"fuzz", "default"})
		for _, o := range []op{opRead, opList, opCreate, opUpdate, opDelete, opPatch} {
			caps, r := a.capabilities(p, o)
			if caps&capDeny != 0 && caps != capDeny {
				t.Fatalf("deny mixed with other capabilities: %v", caps.names())
			}
			_ = checkParams(r, map[string]any{"a": "b", "c": []any{"d"}})
		}
	})
}

func FuzzBatchToken(f *testing.F) {
	s := New(Options{})
	te := &tokenEntry{Policies: []string{"default", "x"}, Path: "auth/token/create", Type: tokenTypeBatch,
		CreationTime: time.Unix(1700000000, 0), TTL: time.Hour, ExpireTime: time.Unix(1700003600, 0), orphan: true}
	good, err := sealBatch(s.batchKey, 1, te)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, 10, byte(1))
	f.Add("hvb.", 0, byte(0))
	f.Add("hvb.AAAA", 2, byte(0xff))
	f.Fuzz(func(t *testing.T, tok string, pos int, flip byte) {
		if _, err := openBatch(s.batchKey, tok); err == nil && tok != good {
			t.Fatalf("forged token accepted: %q", tok)
		}
		// Any single-byte change of a real token is rejected.
		b := []byte(good)
		if flip != 0 && len(b) > 4 {
			i := 4 + abs(pos)%(len(b)-4)
			b[i] ^= flip
			if string(b) != good {
				if _, err := openBatch(s.batchKey, string(b)); err == nil {
					t.Fatalf("tampered token accepted at %d", i)
				}
			}
		}
	})
}

func abs(i int) int {
	if i < 0 {
		if i == -i { // math.MinInt
			return 0
		}
		return -i
	}
	return i
}

func FuzzHandler(f *testing.F) {
	for _, c := range [][3]string{
		{"POST", "auth/token/create", `{"ttl":"1h","policies":["a"]}`},
		{"POST", "auth/token/create", `{"type":"batch","num_uses":2}`},
		{"POST", "auth/token/roles/r", `{"token_type":"batch","orphan":true,"renewable":false}`},
		{"GET", "auth/token/lookup?token=x", ``},
		{"LIST", "auth/token/accessors", ``},
		{"POST", "auth/token/renew-self", `{"increment":"-1s"}`},
		{"PUT", "cubbyhole/a/../b", `{"k":"v"}`},
		{"GET", "sys/health?standbycode=abc", ``},
		{"DELETE", "auth/token/roles/%2e%2e", ``},
		{"PATCH", "sys/mounts", `{"a":`},
	} {
		f.Add(c[0], c[1], c[2], true)
	}
	f.Fuzz(func(t *testing.T, method, path, body string, root bool) {
		if strings.ContainsAny(method, " \t\r\n") || method == "" || strings.ContainsAny(path, " \r\n#") {
			return
		}
		s := New(Options{})
		req, err := http.NewRequest(method, "http://x/v1/"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		if root {
			req.Header.Set("X-Vault-Token", s.RootToken())
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if s.panicCount() != 0 {
			t.Fatalf("%s %s %q panicked", method, path, body)
		}
		if w.Code >= 200 && w.Code < 600 && w.Code != 204 && w.Code/100 != 3 && w.Code != 400 && w.Body.Len() == 0 && method != "HEAD" {
			t.Fatalf("%s %s: status %d with empty body", method, path, w.Code)
		}
	})
}

func getenv(k string) string { return os.Getenv(k) }

// fuzzEnginesServer is a server with every engine the mock implements
// mounted and given something to act on (a PKI root and role, a transit
// key, a userpass user, JWT, Kubernetes and cert configuration and roles),
// made once per process: requests then fuzz the engines' own handlers.
func fuzzEnginesServer(t testing.TB) *Server {
	s := New(Options{})
	for _, w := range []struct {
		path string
		data map[string]any
	}{
		{"sys/mounts/pki", map[string]any{"type": "pki"}},
		{"pki/root/generate/internal", map[string]any{"common_name": "example.com", "key_type": "ec"}},
		{"pki/roles/web", map[string]any{"allowed_domains": "example.com", "allow_subdomains": true, "key_type": "ec"}},
		{"sys/mounts/transit", map[string]any{"type": "transit"}},
		{"transit/keys/k", map[string]any{}},
		{"sys/auth/userpass", map[string]any{"type": "userpass"}},
		{"auth/userpass/users/u", map[string]any{"password_hash": "$2a$04$OXE9J676CeMSOWW3cqQ/GeCkUUDRIWLDwLfjuYKt/cAg7Oesbfm7O"}},
		{"sys/auth/approle", map[string]any{"type": "approle"}},
		{"auth/approle/role/r", map[string]any{"secret_id_num_uses": 0}},
		{"sys/auth/jwt", map[string]any{"type": "jwt"}},
		{"auth/jwt/config", map[string]any{"jwt_validation_pubkeys": "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAmevZiRVED7/ZGShicXztaECg5YsFLig9PS422UUyajI=\n-----END PUBLIC KEY-----\n"}},
		{"auth/jwt/role/r", map[string]any{"role_type": "jwt", "user_claim": "sub", "bound_audiences": "a"}},
		{"sys/auth/kubernetes", map[string]any{"type": "kubernetes"}},
		{"auth/kubernetes/config", map[string]any{"kubernetes_host": "http://127.0.0.1:1", "disable_local_ca_jwt": true}},
		{"auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "*", "bound_service_account_namespaces": "*"}},
		{"sys/auth/cert", map[string]any{"type": "cert"}},
		{"identity/entity", map[string]any{"name": "e"}},
		{"identity/group", map[string]any{"name": "g", "policies": "p"}},
		{"identity/oidc/key/k", map[string]any{"allowed_client_ids": "*"}},
		{"identity/oidc/role/r", map[string]any{"key": "k"}},
	} {
		if _, err := s.Write(w.path, w.data); err != nil {
			t.Fatalf("%s: %v", w.path, err)
		}
	}
	return s
}

// FuzzEngines sends arbitrary requests under the mounted engines: none
// may panic (the server recovers, and counts it), and errors keep Vault's
// shape.
func FuzzEngines(f *testing.F) {
	for _, c := range [][3]string{
		{"POST", "pki/issue/web", `{"common_name":"a.example.com","ttl":"1h","alt_names":"b.example.com","ip_sans":"127.0.0.1"}`},
		{"POST", "pki/sign-verbatim", `{"csr":"-----BEGIN CERTIFICATE REQUEST-----\nMII=\n-----END CERTIFICATE REQUEST-----"}`},
		{"POST", "pki/revoke", `{"serial_number":"00:11"}`},
		{"GET", "pki/cert/ca", ``},
		{"LIST", "pki/certs", ``},
		{"POST", "pki/roles/x", `{"key_type":"rsa","key_bits":1}`},
		{"POST", "transit/encrypt/k", `{"plaintext":"aGk=","batch_input":[{"plaintext":"x"}]}`},
		{"POST", "transit/decrypt/k", `{"ciphertext":"vault:v1:AAAA"}`},
		{"POST", "auth/userpass/login/u", `{"password":"hashed-pw"}`},
		{"POST", "auth/userpass/users/v", `{"password":"p","token_ttl":"1h","bound_cidrs":"x"}`},
		{"POST", "auth/jwt/login", `{"role":"r","jwt":"a.b.c"}`},
		{"POST", "auth/jwt/oidc/auth_url", `{"role":"r","redirect_uri":"http://x"}`},
		{"POST", "auth/kubernetes/login", `{"role":"r","jwt":"eyJhbGciOiJub25lIn0.e30."}`},
		{"POST", "auth/cert/certs/c", `{"certificate":"-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----"}`},
		{"POST", "auth/cert/login", `{}`},
		{"POST", "identity/entity/merge", `{"from_entity_ids":["x"],"to_entity_id":"y"}`},
		{"POST", "identity/group", `{"name":"h","member_group_ids":["h"]}`},
		{"POST", "identity/oidc/introspect", `{"token":"a.b.c"}`},
		{"GET", "identity/oidc/token/r", ``},
		{"POST", "sys/tools/hash/sha2-512", `{"input":"aGk=","format":"base64"}`},
		{"POST", "sys/audit-hash/none", `{"input":"x"}`},
	} {
		f.Add(c[0], c[1], c[2])
	}
	var once sync.Once
	var s *Server
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if strings.ContainsAny(method, " \t\r\n") || method == "" || strings.ContainsAny(path, " \r\n#") {
			return
		}
		// Requests that would reach the network or the file system (a
		// JWKS or cluster URL, an audit file) are left out: the fuzzer
		// is about parsing and state, not I/O.
		if strings.Contains(body, "://") || strings.Contains(path, "sys/audit/") {
			return
		}
		once.Do(func() { s = fuzzEnginesServer(t) })
		req, err := http.NewRequest(method, "http://x/v1/"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("X-Vault-Token", s.RootToken())
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if s.panicCount() != 0 {
			t.Fatalf("%s %s %q panicked", method, path, body)
		}
	})
}

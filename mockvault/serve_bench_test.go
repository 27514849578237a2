package mockvault_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// BenchmarkServe measures the mock's own work per request: ServeHTTP called
// directly with a request built once and a writer that keeps nothing, no
// client, no socket. It is the part of a client's round trip the mock can
// make cheaper (the rest is the client and net/http; see docs/benchmarks.md).
// The requests are those of bench-compare's throughput rows.
//
//	go test -run XXX -bench Serve -benchmem -count 10 ./mockvault | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkServe(b *testing.B) {
	v := testhelpers.RunT(b)
	c := v.Client
	root := v.RootToken
	lookupTok, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		b.Fatal(err)
	}
	periodic, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, Period: "1h"})
	if err != nil {
		b.Fatal(err)
	}
	kvTok := kvReadSetup(b, c)
	creds := approleSetup(b, c)
	transitKeySetup(b, c, "bench", "aes256-gcm96")
	ct, err := c.Logical().Write("transit/encrypt/bench", map[string]any{"plaintext": transitBenchInput})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name, method, path, token string
		body                      any
	}{
		{"health", "GET", "sys/health", "", nil},
		{"token-lookup", "POST", "auth/token/lookup", root, map[string]any{"token": lookupTok.Auth.ClientToken}},
		{"token-create-service", "POST", "auth/token/create", root, map[string]any{"policies": []string{"default"}, "ttl": "1h"}},
		{"token-create-batch", "POST", "auth/token/create", root, map[string]any{"type": "batch", "policies": []string{"default"}, "ttl": "1h"}},
		{"token-renew", "PUT", "auth/token/renew", root, map[string]any{"token": periodic.Auth.ClientToken}},
		{"kv-read-policy", "GET", "secret/data/bench/app", kvTok, nil},
		{"approle-login", "PUT", "auth/approle/login", "", creds},
		{"transit-encrypt", "PUT", "transit/encrypt/bench", root, map[string]any{"plaintext": transitBenchInput}},
		{"transit-decrypt", "PUT", "transit/decrypt/bench", root, map[string]any{"ciphertext": ct.Data["ciphertext"]}},
	}
	for _, tc := range cases {
		var body []byte
		if tc.body != nil {
			if body, err = json.Marshal(tc.body); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(tc.name, func(b *testing.B) {
			hr, err := http.NewRequest(tc.method, v.Addr+"/v1/"+tc.path, nil)
			if err != nil {
				b.Fatal(err)
			}
			if tc.token != "" {
				hr.Header.Set("X-Vault-Token", tc.token)
			}
			hr.Header.Set("X-Vault-Request", "true")
			hr.RemoteAddr = "127.0.0.1:40000"
			w := &discardWriter{h: http.Header{}}
			rd := bytes.NewReader(body)
			serve := func() {
				rd.Reset(body)
				hr.Body, hr.ContentLength = io.NopCloser(rd), int64(len(body))
				clear(w.h)
				w.code = 0
				v.Server.ServeHTTP(w, hr)
				if w.code != 0 && w.code >= 300 {
					b.Fatalf("%s %s: status %d", tc.method, tc.path, w.code)
				}
			}
			serve()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				serve()
			}
		})
	}
}

// discardWriter is an http.ResponseWriter that keeps only the status.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}

package mockvault_test

import (
	"context"
	"encoding/base64"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// Benchmarks go through the official client over loopback HTTP, as a user's
// test would. Every operation runs "serial" (one client) and "parallel"
// (at least benchClients concurrent clients, each with its own connection).
//
//	go test -run XXX -bench . -benchmem ./mockvault          # make bench
//	go test -run XXX -bench . -benchtime=1x ./mockvault      # CI: compile and run once
//
// The side-by-side comparison with real Vault is tools/benchcompare
// (make bench-compare, results in docs/benchmarks.md).

// benchClients is the number of concurrent clients of the parallel variants.
const benchClients = 8

// quickBench tells a smoke run (-short or -benchtime=1x, as CI runs it):
// the slow set-ups (a million tokens, a thousand servers) shrink.
func quickBench() bool {
	if testing.Short() {
		return true
	}
	f := flag.Lookup("test.benchtime")
	return f != nil && f.Value.String() == "1x"
}

// newBenchClient is one client with its own connection pool, so parallel
// clients do not contend for (or churn) a shared pool's idle connections.
func newBenchClient(b *testing.B, addr, token string) *api.Client {
	b.Helper()
	c, err := testhelpers.NewClient(addr, token)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// runBoth runs fn serially with one client, then from at least
// benchClients goroutines (a multiple of GOMAXPROCS) with a client each. token is the token the clients carry.
func runBoth(b *testing.B, addr, token string, fn func(c *api.Client) error) {
	runBothWith(b, func() (*api.Client, error) { return testhelpers.NewClient(addr, token) }, fn)
}

// runBothWith is runBoth with the clients newClient makes (over TLS, with
// a client certificate...), each with its own connection pool.
func runBothWith(b *testing.B, newClient func() (*api.Client, error), fn func(c *api.Client) error) {
	b.Run("serial", func(b *testing.B) {
		c, err := newClient()
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := fn(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.SetParallelism((benchClients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			c, err := newClient()
			if err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				if err := fn(c); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkServerReady starts an in-process server and waits for a client's
// first successful request (sys/health).
func BenchmarkServerReady(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		srv := mockvault.New(mockvault.Options{})
		hs := httptest.NewServer(srv)
		c, err := testhelpers.NewClient(hs.URL, srv.RootToken())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Sys().Health(); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		hs.Close()
		srv.Close()
		b.StartTimer()
	}
}

// newMemClient is a vault/api client whose requests go to h in memory
// (testhelpers.NewInMemoryClient).
func newMemClient(b *testing.B, h http.Handler, token string) *api.Client {
	b.Helper()
	c, err := testhelpers.NewInMemoryClient(h, token)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkServerReadyInMemory is BenchmarkServerReady without the
// loopback listener and connection: New, then the first sys/health through
// an in-memory transport.
func BenchmarkServerReadyInMemory(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		srv := mockvault.New(mockvault.Options{})
		if _, err := newMemClient(b, srv, srv.RootToken()).Sys().Health(); err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
}

// BenchmarkServerNew is the construction of a server alone.
func BenchmarkServerNew(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		mockvault.New(mockvault.Options{}).Close()
	}
}

func BenchmarkTokenCreateService(b *testing.B) {
	v := testhelpers.RunT(b)
	runBoth(b, v.Addr, v.RootToken, func(c *api.Client) error {
		_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
		return err
	})
}

func BenchmarkTokenCreateBatch(b *testing.B) {
	v := testhelpers.RunT(b)
	runBoth(b, v.Addr, v.RootToken, func(c *api.Client) error {
		_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"default"}, TTL: "1h"})
		return err
	})
}

func BenchmarkTokenLookup(b *testing.B) {
	v := testhelpers.RunT(b)
	s, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		b.Fatal(err)
	}
	runBoth(b, v.Addr, v.RootToken, func(c *api.Client) error {
		_, err := c.Auth().Token().Lookup(s.Auth.ClientToken)
		return err
	})
}

// BenchmarkTokenLookupRecording is BenchmarkTokenLookup with
// Options.Record: what recording costs when on (off, it costs nothing).
// The recording is emptied as it grows, so memory stays flat.
func BenchmarkTokenLookupRecording(b *testing.B) {
	v := testhelpers.RunT(b, mockvault.Options{Record: true})
	s, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	runBoth(b, v.Addr, v.RootToken, func(c *api.Client) error {
		_, err := c.Auth().Token().Lookup(s.Auth.ClientToken)
		if n.Add(1)%10000 == 0 {
			v.Server.ClearRecording()
		}
		return err
	})
}

func BenchmarkTokenRenew(b *testing.B) {
	v := testhelpers.RunT(b)
	s, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, Period: "1h"})
	if err != nil {
		b.Fatal(err)
	}
	runBoth(b, v.Addr, v.RootToken, func(c *api.Client) error {
		_, err := c.Auth().Token().Renew(s.Auth.ClientToken, 0)
		return err
	})
}

// BenchmarkRevokeTree1000 revokes trees of 1,000 tokens (a parent and 999
// children); one op is one tree. The trees are built in-process with the
// timer stopped. The parallel variant revokes benchClients trees at once.
func BenchmarkRevokeTree1000(b *testing.B) {
	const size = 1000
	v := testhelpers.RunT(b)
	b.Run("serial", func(b *testing.B) {
		c := newBenchClient(b, v.Addr, v.RootToken)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			id := v.Server.FillTreeForBench(size)
			b.StartTimer()
			if err := c.Auth().Token().RevokeTree(id); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		checkTokenCount(b, v.Server, 1)
	})
	b.Run("parallel", func(b *testing.B) {
		clients := make([]*api.Client, benchClients)
		for i := range clients {
			clients[i] = newBenchClient(b, v.Addr, v.RootToken)
		}
		ids := make([]string, benchClients)
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; done += benchClients {
			b.StopTimer()
			n := min(benchClients, b.N-done)
			for i := 0; i < n; i++ {
				ids[i] = v.Server.FillTreeForBench(size)
			}
			b.StartTimer()
			var wg sync.WaitGroup
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func(c *api.Client, id string) {
					defer wg.Done()
					if err := c.Auth().Token().RevokeTree(id); err != nil {
						b.Error(err)
					}
				}(clients[i], ids[i])
			}
			wg.Wait()
		}
		b.StopTimer()
		checkTokenCount(b, v.Server, 1)
	})
}

// checkTokenCount fails when the server does not hold want service tokens
// (a revoke that left tokens behind would make the benchmark meaningless).
func checkTokenCount(b *testing.B, srv *mockvault.Server, want int) {
	b.Helper()
	if got := len(srv.Tokens()); got != want {
		b.Fatalf("%d tokens left in the store, want %d", got, want)
	}
}

// BenchmarkAppRoleLogin logs in with a role_id and an unlimited secret_id
// (AppRole enabled at approle/, a role with the default policy).
func BenchmarkAppRoleLogin(b *testing.B) {
	v := testhelpers.RunT(b)
	runBoth(b, v.Addr, "", loginOp("auth/approle/login", approleSetup(b, v.Client)))
}

// approleSetup enables AppRole with the role "bench" (default policy) and
// returns login credentials: its role ID and an unlimited secret ID.
func approleSetup(b *testing.B, c *api.Client) map[string]any {
	b.Helper()
	if err := c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/approle/role/bench", map[string]any{
		"token_policies": "default", "token_ttl": "1h", "token_max_ttl": "4h", "secret_id_num_uses": 0,
	}); err != nil {
		b.Fatal(err)
	}
	rid, err := c.Logical().Read("auth/approle/role/bench/role-id")
	if err != nil {
		b.Fatal(err)
	}
	sid, err := c.Logical().Write("auth/approle/role/bench/secret-id", nil)
	if err != nil {
		b.Fatal(err)
	}
	return map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]}
}

// BenchmarkUserpassLogin logs in with userpass (a user with the default
// policy; its password hashed with bcrypt at Vault's default cost, which
// the login's time is mostly).
func BenchmarkUserpassLogin(b *testing.B) {
	v := testhelpers.RunT(b)
	c := v.Client
	if err := c.Sys().EnableAuthWithOptions("userpass", &api.EnableAuthOptions{Type: "userpass"}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Logical().Write("auth/userpass/users/bench", map[string]any{
		"password": "bench-password", "token_policies": "default", "token_ttl": "1h",
	}); err != nil {
		b.Fatal(err)
	}
	runBoth(b, v.Addr, "", loginOp("auth/userpass/login/bench", map[string]any{"password": "bench-password"}))
}

// loginOp is a benchmark op: a login at path with data that must answer
// with an auth block.
func loginOp(path string, data map[string]any) func(c *api.Client) error {
	return func(c *api.Client) error {
		s, err := c.Logical().Write(path, data)
		if err == nil && (s == nil || s.Auth == nil) {
			err = fmt.Errorf("login: no auth in %+v", s)
		}
		return err
	}
}

// BenchmarkKubernetesLogin logs in with a service-account JWT that the
// fake Kubernetes API (testhelpers.NewKubernetes, on loopback) reviews on
// every login, as a cluster's TokenReview API does for Vault.
func BenchmarkKubernetesLogin(b *testing.B) {
	v, k8s := kubeVault(b)
	arWrite(b, v.Client, "auth/kubernetes/role/bench", map[string]any{
		"bound_service_account_names": "app", "bound_service_account_namespaces": "bench",
		"audience": "vault", "token_policies": "default", "token_ttl": "1h",
	})
	login := loginOp("auth/kubernetes/login", map[string]any{"role": "bench", "jwt": k8s.Token("bench", "app", "vault")})
	var logins atomic.Int64
	runBoth(b, v.Addr, "", func(c *api.Client) error {
		logins.Add(1)
		return login(c)
	})
	if n := len(k8s.Reviews()); int64(n) != logins.Load() {
		b.Fatalf("%d token reviews for %d logins: each login must ask the API", n, logins.Load())
	}
}

// BenchmarkCertLogin logs in over TLS with a client certificate issued by
// a CA trusted as auth/cert/certs/web (each client keeps its connection,
// so the handshake is not what is timed: the login's chain check is).
func BenchmarkCertLogin(b *testing.B) {
	_, srv, ca := certVault(b, map[string]any{"token_policies": "default", "token_ttl": "1h"})
	cc := ca.Issue(b, testhelpers.CertOptions{CommonName: "app.example.com"})
	runBothWith(b, func() (*api.Client, error) { return cc.APIClient(b, srv), nil },
		loginOp("auth/cert/login", map[string]any{"name": "web"}))
}

// kvReadPolicy is the narrow policy of the KV read benchmark: one secret,
// read only.
const kvReadPolicy = `path "secret/data/bench/app" { capabilities = ["read"] }`

// BenchmarkKVReadUnderPolicy reads a KV v2 secret with a token whose only
// grant is a read policy on that secret (plus the default policy).
func BenchmarkKVReadUnderPolicy(b *testing.B) { benchKVRead(b, false) }

// BenchmarkKVReadAudited is the same read with a file audit device
// enabled: what two HMACed JSON entries per request cost (with none
// enabled auditing costs nothing, see KVReadUnderPolicy).
func BenchmarkKVReadAudited(b *testing.B) { benchKVRead(b, true) }

// kvReadSetup writes the secret bench/app and the kv-read policy, and
// returns a token holding only that policy (and default).
func kvReadSetup(b *testing.B, c *api.Client) string {
	b.Helper()
	if err := c.Sys().PutPolicy("kv-read", kvReadPolicy); err != nil {
		b.Fatal(err)
	}
	if _, err := c.KVv2("secret").Put(context.Background(), "bench/app", map[string]any{"user": "app", "password": "s3cr3t"}); err != nil {
		b.Fatal(err)
	}
	tok, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"kv-read"}, TTL: "1h"})
	if err != nil {
		b.Fatal(err)
	}
	return tok.Auth.ClientToken
}

func benchKVRead(b *testing.B, audit bool) {
	v := testhelpers.RunT(b)
	c := v.Client
	if audit {
		opts := &api.EnableAuditOptions{Type: "file", Options: map[string]string{"file_path": b.TempDir() + "/audit.log"}}
		if err := c.Sys().EnableAuditWithOptions("file", opts); err != nil {
			b.Fatal(err)
		}
	}
	runBoth(b, v.Addr, kvReadSetup(b, c), func(c *api.Client) error {
		s, err := c.KVv2("secret").Get(context.Background(), "bench/app")
		if err == nil && s.Data["user"] != "app" {
			err = fmt.Errorf("kv read: %+v", s.Data)
		}
		return err
	})
}

// BenchmarkLookupWithManyTokens shows lookups do not slow down with store
// size (the store is a hash map): compare the sub-benchmarks. The 100k and
// 1M stores are skipped in quick runs (-short, -benchtime=1x).
func BenchmarkLookupWithManyTokens(b *testing.B) {
	for _, n := range []int{1000, 100000, 1000000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			if quickBench() && n > 1000 {
				b.Skip("quick run: only the 1,000-token store")
			}
			srv := mockvault.New(mockvault.Options{})
			defer srv.Close()
			ids := srv.FillTokensForBench(n)
			hs := httptest.NewServer(srv)
			defer hs.Close()
			c := newBenchClient(b, hs.URL, srv.RootToken())
			runtime.GC()
			b.ReportAllocs()
			gc0 := gcCPUSeconds()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				// A stride visits the whole store, not a cache-warm corner.
				if _, err := c.Auth().Token().Lookup(ids[(i*7919)%len(ids)]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			// The collector's CPU per lookup: what a big store costs.
			b.ReportMetric((gcCPUSeconds()-gc0)*1e9/float64(b.N), "gc-ns/op")
		})
	}
}

// BenchmarkMemoryPerToken reports heap bytes per live service token.
func BenchmarkMemoryPerToken(b *testing.B) {
	n := 100000
	if quickBench() {
		n = 10000
	}
	for i := 0; i < b.N; i++ {
		before := heap()
		srv := mockvault.New(mockvault.Options{})
		srv.FillTokensForBench(n)
		after := heap()
		b.ReportMetric(float64(after-before)/float64(n), "B/token")
		runtime.KeepAlive(srv)
	}
}

// BenchmarkMemoryPerServer reports heap bytes per idle server, and what a
// thousand of them take (target: under 200 MB).
func BenchmarkMemoryPerServer(b *testing.B) {
	n := 1000
	if quickBench() {
		n = 100
	}
	for i := 0; i < b.N; i++ {
		before := heap()
		srvs := make([]*mockvault.Server, n)
		for j := range srvs {
			srvs[j] = mockvault.New(mockvault.Options{})
		}
		after := heap()
		per := float64(after-before) / float64(n)
		b.ReportMetric(per, "B/server")
		b.ReportMetric(per*1000/(1<<20), "MB/1000servers")
		runtime.KeepAlive(srvs)
	}
}

// gcCPUSeconds is the CPU the garbage collector has used so far.
func gcCPUSeconds() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s[0].Value.Float64()
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// transitBench mounts transit and makes key name of type typ.
func transitBench(b *testing.B, name, typ string) *testhelpers.Vault {
	b.Helper()
	v := testhelpers.RunT(b)
	transitKeySetup(b, v.Client, name, typ)
	return v
}

// transitKeySetup mounts transit at transit/ and makes the key name of type typ.
func transitKeySetup(b *testing.B, c *api.Client, name, typ string) {
	b.Helper()
	if err := c.Sys().Mount("transit", &api.MountInput{Type: "transit"}); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Logical().Write("transit/keys/"+name, map[string]any{"type": typ}); err != nil {
		b.Fatal(err)
	}
}

// transitBenchInput is a 1 KiB plaintext, base64.
var transitBenchInput = base64.StdEncoding.EncodeToString(make([]byte, 1024))

// BenchmarkTransitEncrypt encrypts 1 KiB with an AES-256-GCM key.
func BenchmarkTransitEncrypt(b *testing.B) {
	v := transitBench(b, "bench", "aes256-gcm96")
	runBoth(b, v.Addr, v.Server.RootToken(), func(c *api.Client) error {
		s, err := c.Logical().Write("transit/encrypt/bench", map[string]any{"plaintext": transitBenchInput})
		if err == nil && s.Data["ciphertext"] == nil {
			err = fmt.Errorf("encrypt: %+v", s.Data)
		}
		return err
	})
}

// BenchmarkTransitDecrypt decrypts a 1 KiB ciphertext of an AES-256-GCM key.
func BenchmarkTransitDecrypt(b *testing.B) {
	v := transitBench(b, "bench", "aes256-gcm96")
	s, err := v.Client.Logical().Write("transit/encrypt/bench", map[string]any{"plaintext": transitBenchInput})
	if err != nil {
		b.Fatal(err)
	}
	ct := s.Data["ciphertext"]
	runBoth(b, v.Addr, v.Server.RootToken(), func(c *api.Client) error {
		s, err := c.Logical().Write("transit/decrypt/bench", map[string]any{"ciphertext": ct})
		if err == nil && s.Data["plaintext"] != transitBenchInput {
			err = fmt.Errorf("decrypt: %+v", s.Data)
		}
		return err
	})
}

// BenchmarkTransitSign signs 1 KiB with an ECDSA P-256 key (SHA-256).
func BenchmarkTransitSign(b *testing.B) {
	v := transitBench(b, "bench", "ecdsa-p256")
	runBoth(b, v.Addr, v.Server.RootToken(), func(c *api.Client) error {
		s, err := c.Logical().Write("transit/sign/bench", map[string]any{"input": transitBenchInput})
		if err == nil && s.Data["signature"] == nil {
			err = fmt.Errorf("sign: %+v", s.Data)
		}
		return err
	})
}

// bigBenchPolicy is a policy of n paths, exact and prefix in turn; the
// last one grants read on secret/data/bench/app through a prefix.
func bigBenchPolicy(n int) string {
	var sb strings.Builder
	for i := 0; i < n-1; i++ {
		if i%2 == 0 {
			fmt.Fprintf(&sb, "path \"secret/data/app-%d/config\" { capabilities = [\"read\"] }\n", i)
		} else {
			fmt.Fprintf(&sb, "path \"secret/data/team-%d/*\" { capabilities = [\"read\", \"list\"] }\n", i)
		}
	}
	sb.WriteString(`path "secret/data/bench/*" { capabilities = ["read"] }` + "\n")
	return sb.String()
}

// BenchmarkRequestUnderBigPolicy reads a KV v2 secret in memory with the
// root token, then with a token whose policy has 10,000 paths (the ACL is
// built once per policy set, then cached until a policy changes).
func BenchmarkRequestUnderBigPolicy(b *testing.B) {
	for _, paths := range []int{0, 10000} {
		name := "root"
		if paths > 0 {
			name = fmt.Sprintf("paths=%d", paths)
		}
		b.Run(name, func(b *testing.B) {
			v := testhelpers.RunInMemory(b)
			if _, err := v.Client.KVv2("secret").Put(context.Background(), "bench/app", map[string]any{"user": "app"}); err != nil {
				b.Fatal(err)
			}
			token := v.RootToken
			if paths > 0 {
				if err := v.Server.SetPolicy("big", bigBenchPolicy(paths)); err != nil {
					b.Fatal(err)
				}
				tok, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"big"}, TTL: "1h"})
				if err != nil {
					b.Fatal(err)
				}
				token = tok.Auth.ClientToken
			}
			c := newMemClient(b, v.Server, token)
			// The first request builds the token's ACL (BenchmarkPolicyWriteStall
			// times that): not timed here.
			if _, err := c.KVv2("secret").Get(context.Background(), "bench/app"); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.KVv2("secret").Get(context.Background(), "bench/app"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTokenChainLookupSelf is lookup-self by the last token of a
// chain of 1 and of 10,000 tokens (each the child of the one before).
func BenchmarkTokenChainLookupSelf(b *testing.B) {
	for _, depth := range []int{1, 10000} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			srv := mockvault.New(mockvault.Options{})
			defer srv.Close()
			c := newMemClient(b, srv, srv.FillChainForBench(depth))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Auth().Token().LookupSelf(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPolicyWriteStall writes a 100,000-path policy (10,000 in
// quick runs) as a form (a JSON string stops at 1 MiB), then reads with a
// token holding it, while another client polls sys/health: health-max-ms
// is the slowest health answer meanwhile, what the write and the first
// use of the policy hold the server lock for.
func BenchmarkPolicyWriteStall(b *testing.B) {
	n := 100000
	if quickBench() {
		n = 10000
	}
	text := bigBenchPolicy(n)
	v := testhelpers.RunInMemory(b)
	if _, err := v.Client.KVv2("secret").Put(context.Background(), "bench/app", map[string]any{"user": "app"}); err != nil {
		b.Fatal(err)
	}
	if err := v.Server.SetPolicy("big", `path "secret/data/bench/*" { capabilities = ["read"] }`); err != nil {
		b.Fatal(err)
	}
	tok, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"big"}, TTL: "768h"})
	if err != nil {
		b.Fatal(err)
	}
	user := newMemClient(b, v.Server, tok.Auth.ClientToken)
	form := "policy=" + url.QueryEscape(text)
	var worst time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			hc := newMemClient(b, v.Server, "")
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				if _, err := hc.Sys().Health(); err != nil {
					b.Error(err)
					return
				}
				worst = max(worst, time.Since(t0))
			}
		}()
		w := httptest.NewRecorder()
		hr := httptest.NewRequest(http.MethodPut, "/v1/sys/policies/acl/big", strings.NewReader(form))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hr.Header.Set("X-Vault-Token", v.RootToken)
		v.Server.ServeHTTP(w, hr)
		if w.Code != http.StatusNoContent {
			b.Fatalf("policy write: %d %s", w.Code, w.Body)
		}
		if _, err := user.KVv2("secret").Get(context.Background(), "bench/app"); err != nil {
			b.Fatal(err)
		}
		close(stop)
		<-done
	}
	b.ReportMetric(float64(worst)/1e6, "health-max-ms")
}

// BenchmarkWrapTokensExpire makes 50,000 wrapping tokens (1 KiB wrapped
// each, 1m TTL), moves the clock past their TTL and sends one request:
// held-MB is the live heap they took, left-MB what is left of it after.
func BenchmarkWrapTokensExpire(b *testing.B) {
	n := 50000
	if quickBench() {
		n = 1000
	}
	blob := `{"blob":"` + strings.Repeat("x", 1024) + `"}`
	var held, left float64
	for i := 0; i < b.N; i++ {
		srv := mockvault.New(mockvault.Options{})
		base := heap()
		for j := 0; j < n; j++ {
			srv.WrapForTest(b, blob)
		}
		srv.ClearRequests()
		h := heap()
		srv.Advance(2 * time.Minute)
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/sys/health", nil))
		srv.ClearRequests()
		after := heap()
		held += (float64(h) - float64(base)) / 1e6
		left += (float64(after) - float64(base)) / 1e6
		srv.Close()
	}
	b.ReportMetric(held/float64(b.N), "held-MB")
	b.ReportMetric(left/float64(b.N), "left-MB")
}

// BenchmarkPKIIssue issues an ECDSA P-256 leaf (key made by the server)
// from an ECDSA root, as pki/issue/:role does for a service's TLS cert.
func BenchmarkPKIIssue(b *testing.B) {
	v := testhelpers.RunT(b)
	if err := v.Client.Sys().Mount("pki", &api.MountInput{Type: "pki", Config: api.MountConfigInput{MaxLeaseTTL: "87600h"}}); err != nil {
		b.Fatal(err)
	}
	if _, err := v.Client.Logical().Write("pki/root/generate/internal", map[string]any{"common_name": "bench CA", "key_type": "ec", "ttl": "87600h"}); err != nil {
		b.Fatal(err)
	}
	if _, err := v.Client.Logical().Write("pki/roles/bench", map[string]any{"allow_any_name": true, "key_type": "ec", "no_store": true}); err != nil {
		b.Fatal(err)
	}
	in := map[string]any{"common_name": "svc.example.com", "ttl": "1h"}
	runBoth(b, v.Addr, v.Server.RootToken(), func(c *api.Client) error {
		s, err := c.Logical().Write("pki/issue/bench", in)
		if err == nil && s.Data["certificate"] == nil {
			err = fmt.Errorf("issue: %+v", s.Data)
		}
		return err
	})
}

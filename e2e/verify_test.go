package e2e

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/conform"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// seedRecording is the committed recording of seedFlow: an example of the
// file format, verified against real Vault like a fresh one.
var seedRecording = filepath.Join("testdata", "recordings", "seed_approle_batch.json")

// seedFlow is the seed article's AppRole + batch token flow as an
// application's test drives it, through vault/api: an AppRole role issuing
// batch tokens and one issuing service tokens, logins, and what a batch
// token can and cannot do.
func seedFlow(t *testing.T, c *api.Client, addr string) {
	t.Helper()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	fails := func(_ any, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("succeeded")
		}
	}
	must(nil, c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	must(nil, c.Sys().PutPolicy("build", `path "secret/data/build/*" { capabilities = ["read"] }`))
	must(c.Logical().Write("auth/approle/role/ci", map[string]any{"token_policies": "build", "token_ttl": "15m", "token_max_ttl": "30m", "token_type": "batch"}))
	must(c.Logical().Write("auth/approle/role/app", map[string]any{"token_policies": "app", "token_ttl": "1h", "token_max_ttl": "24h", "token_type": "service"}))
	must(c.Logical().Read("auth/approle/role/ci"))
	login := func(role string) *api.Secret {
		rid, err := c.Logical().Read("auth/approle/role/" + role + "/role-id")
		must(rid, err)
		sid, err := c.Logical().Write("auth/approle/role/"+role+"/secret-id", nil)
		must(sid, err)
		anon, _ := testhelpers.NewClient(addr, "")
		anon.ClearToken()
		s, err := anon.Logical().Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]})
		must(s, err)
		return s
	}
	batch := login("ci").Auth.ClientToken
	bc, _ := testhelpers.NewClient(addr, batch)
	must(bc.Auth().Token().LookupSelf())
	must(c.Auth().Token().Lookup(batch))
	fails(c.Auth().Token().Renew(batch, 1800))
	fails(nil, c.Auth().Token().RevokeTree(batch))
	fails(bc.Logical().Read("cubbyhole/x"))
	fails(bc.Logical().Read("sys/mounts"))
	fails(c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"build"}, Period: "24h"}))
	svc := login("app").Auth.ClientToken
	sc, _ := testhelpers.NewClient(addr, svc)
	must(sc.Auth().Token().RenewSelf(48 * 3600))
	must(nil, sc.Auth().Token().RevokeSelf(""))
	fails(sc.Auth().Token().LookupSelf())
}

// realEndpoint starts the real Vault of MOCKVAULT_E2E_REAL (binary, env,
// docker), or skips.
func realEndpoint(t *testing.T) conform.Endpoint {
	t.Helper()
	real, reason, err := FindRealTarget()
	if err != nil {
		t.Fatal(err)
	}
	if real == nil {
		t.Skip(reason)
	}
	if err := real.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = real.Stop() })
	return conform.Endpoint{Name: "vault", Addr: real.Addr(), Token: real.RootToken(), Client: real.Client()}
}

// recordSeedFlow runs seedFlow on a recording mock.
func recordSeedFlow(t *testing.T) *mockvault.Recording {
	v := testhelpers.RunT(t, mockvault.Options{Record: true})
	seedFlow(t, v.Client, v.Addr)
	return v.Server.Recording()
}

// The seed flow, recorded on the mock, verifies clean against real Vault
// 1.21.1: live, and from the committed recording (rewritten with
// MOCKVAULT_E2E_RECORD=1).
func TestVerifySeedRecording(t *testing.T) {
	rec := recordSeedFlow(t)
	if len(rec.Steps) < 20 {
		t.Fatalf("recorded %d steps", len(rec.Steps))
	}
	if b, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_RECORD")); b {
		if err := os.MkdirAll(filepath.Dir(seedRecording), 0o755); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := rec.WriteTo(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(seedRecording, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	real := realEndpoint(t)
	check := func(name string, rec *mockvault.Recording) {
		rep, err := conform.Verify(context.Background(), rec, real, conform.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		rep.Write(&out)
		if !rep.OK() || rep.Count(conform.Match) != len(rec.Steps) {
			t.Fatalf("%s does not verify clean:\n%s", name, out.String())
		}
		t.Logf("%s:\n%s", name, out.String())
	}
	check("live recording", rec)
	// The same Vault again: the committed file replays the same flow, so
	// it meets the mount, roles and policy the first replay left; the fresh
	// mock of this replay has none, so it goes to a Vault of its own.
	committed, err := conform.ReadRecordingFile(seedRecording)
	if err != nil {
		t.Fatal(err)
	}
	real = realEndpoint(t)
	check(seedRecording, committed)
}

// A deliberately wrong mock answer is reported with both answers.
func TestVerifyReportsWrongMockAnswer(t *testing.T) {
	rec := recordSeedFlow(t)
	real := realEndpoint(t)
	srv := mockvault.New(mockvault.Options{RootToken: real.Token, Clock: mockvault.RealClock{}})
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close() }()
	// The batch token's lookup-self answers 500 on the mock.
	srv.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Status: 500, Errors: []string{"injected wrong answer"}})
	rep, err := conform.Verify(context.Background(), rec, real, conform.VerifyOptions{
		Mock: &conform.Endpoint{Addr: hs.URL, Token: real.Token}, Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep.Write(&out)
	if rep.OK() || rep.Count(conform.Differ) != 1 {
		t.Fatalf("want exactly one differing step:\n%s", out.String())
	}
	for _, want := range []string{
		"DIFF           GET auth/token/lookup-self",
		"status: vault=200 mock=500",
		`[vault] HTTP 200 {"auth":null,"data":{"accessor":""`,
		`[mock] HTTP 500 {"errors":["injected wrong answer"]}`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

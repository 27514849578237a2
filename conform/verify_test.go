package conform_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/conform"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// recordFlow runs an AppRole login and token calls against a recording
// mock and returns the recording.
func recordFlow(t *testing.T, extra func(v *testhelpers.Vault)) *mockvault.Recording {
	t.Helper()
	v := testhelpers.RunT(t, mockvault.Options{Record: true})
	c := v.Client
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(nil, c.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	must(c.Logical().Write("auth/approle/role/ci", map[string]any{"token_policies": "build", "token_ttl": "15m", "token_type": "batch"}))
	rid, err := c.Logical().Read("auth/approle/role/ci/role-id")
	must(rid, err)
	sid, err := c.Logical().Write("auth/approle/role/ci/secret-id", nil)
	must(sid, err)
	login, err := c.Logical().Write("auth/approle/login", map[string]any{"role_id": rid.Data["role_id"], "secret_id": sid.Data["secret_id"]})
	must(login, err)
	bc, _ := testhelpers.NewClient(v.Addr, login.Auth.ClientToken)
	must(bc.Auth().Token().LookupSelf())
	must(c.Logical().Write("auth/token/lookup", map[string]any{"token": login.Auth.ClientToken}))
	svc, err := c.Auth().Token().Create(&api.TokenCreateRequest{TTL: "1h", Policies: []string{"default"}})
	must(svc, err)
	must(c.Logical().Write("auth/token/revoke-accessor", map[string]any{"accessor": svc.Auth.Accessor}))
	if extra != nil {
		extra(v)
	}
	return v.Server.Recording()
}

// reference is a second mock standing in for real Vault.
func reference(t *testing.T) conform.Endpoint {
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return conform.Endpoint{Name: "reference", Addr: hs.URL, Token: srv.RootToken()}
}

func TestVerifyCleanRecording(t *testing.T) {
	rec := recordFlow(t, nil)
	rep, err := conform.Verify(context.Background(), rec, reference(t), conform.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	if !rep.OK() || rep.Count(conform.Match) != len(rec.Steps) {
		t.Fatalf("not clean:\n%s", out.String())
	}
}

// A deliberately wrong mock answer is reported with both answers.
func TestVerifyReportsWrongAnswer(t *testing.T) {
	rec := recordFlow(t, nil)
	srv := mockvault.New(mockvault.Options{Clock: mockvault.RealClock{}})
	hs := httptest.NewServer(srv)
	defer func() { hs.Close(); srv.Close() }()
	// The lookup of the batch token answers 500 instead.
	srv.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Status: 500, Errors: []string{"injected"}})
	rep, err := conform.Verify(context.Background(), rec, reference(t), conform.VerifyOptions{
		Mock: &conform.Endpoint{Addr: hs.URL, Token: srv.RootToken()}, Settle: -1})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	if rep.OK() || rep.Count(conform.Differ) != 1 {
		t.Fatalf("want one differing step:\n%s", out.String())
	}
	s := rep.Steps[5]
	if s.Verdict != conform.Differ || s.Request != "GET auth/token/lookup-self" ||
		!strings.HasPrefix(s.Real, "HTTP 200 ") || s.Mock != `HTTP 500 {"errors":["injected"]}` {
		t.Fatalf("step 6: %+v", s)
	}
	for _, want := range []string{"status: reference=200 mock=500", "[reference] HTTP 200", `[mock] HTTP 500 {"errors":["injected"]}`, "8/9 steps match real Vault (reference), 1 differ"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// Test controls: a faulted step is skipped, a short clock move becomes a
// wait, and after a long one nothing is verifiable.
func TestVerifyTestControls(t *testing.T) {
	rec := recordFlow(t, func(v *testhelpers.Vault) {
		v.Server.FailNext(mockvault.Fault{Path: "sys/health", Status: 503})
		_, _ = v.Client.Sys().Health()
		v.Clock.Advance(1500 * time.Millisecond)
		_, _ = v.Client.Sys().ListPolicies()
		v.Clock.Advance(time.Hour)
		_, _ = v.Client.Sys().ListPolicies()
	})
	start := time.Now()
	rep, err := conform.Verify(context.Background(), rec, reference(t), conform.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 1500*time.Millisecond {
		t.Error("the short clock move was not waited for")
	}
	var out bytes.Buffer
	rep.Write(&out)
	n := len(rep.Steps)
	if !rep.OK() || rep.Steps[n-3].Verdict != conform.Skipped || rep.Steps[n-2].Verdict != conform.Match ||
		rep.Steps[n-1].Verdict != conform.NotVerifiable || !strings.Contains(rep.Steps[n-1].Note, "moved 1h0m0s") {
		t.Fatalf("verdicts:\n%s", out.String())
	}
	if !strings.Contains(rep.Summary(), "1 skipped, 1 not verifiable") {
		t.Fatal(rep.Summary())
	}
}

// State set up without HTTP (Server.Write, Read, SetPolicy) is recorded
// as the API calls it stands for, so the replay sets it up too.
func TestVerifyDirectSetup(t *testing.T) {
	v := testhelpers.RunT(t, mockvault.Options{Record: true})
	if _, err := v.Server.Write("sys/auth/approle", map[string]any{"type": "approle"}); err != nil {
		t.Fatal(err)
	}
	if err := v.Server.SetPolicy("build", `path "secret/*" { capabilities = ["read"] }`); err != nil {
		t.Fatal(err)
	}
	_, _ = v.Server.Write("auth/approle/role/ci", map[string]any{"token_policies": []string{"build"}, "token_ttl": "15m"})
	rid, _ := v.Server.Read("auth/approle/role/ci/role-id")
	sid, _ := v.Server.Write("auth/approle/role/ci/secret-id", nil)
	if _, err := v.Server.Read("auth/approle/role/nope"); err != nil {
		t.Fatal(err)
	}
	_, err := v.Client.Logical().Write("auth/approle/login", map[string]any{"role_id": rid["role_id"], "secret_id": sid["secret_id"]})
	if err != nil {
		t.Fatal(err)
	}
	rec := v.Server.Recording()
	if len(rec.Steps) != 7 || rec.Steps[6].Body.(map[string]any)["secret_id"] != "{{secret_id:1}}" || rec.Steps[5].Status != 404 {
		t.Fatalf("recording: %+v", rec.Steps)
	}
	rep, err := conform.Verify(context.Background(), rec, reference(t), conform.VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep.Write(&out)
	if !rep.OK() || rep.Count(conform.Match) != 7 {
		t.Fatalf("not clean:\n%s", out.String())
	}
}

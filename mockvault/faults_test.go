package mockvault_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

func TestFaultStatusThenNormal(t *testing.T) {
	v := testhelpers.RunT(t)
	v.Server.FailNext(mockvault.Fault{Method: "GET", Path: "auth/token/lookup-self", Count: 2, Status: 500, Errors: []string{"boom"}})
	for i := 0; i < 2; i++ {
		_, err := v.Client.Auth().Token().LookupSelf()
		wantErr(t, err, 500, "boom")
	}
	if _, err := v.Client.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("after the fault: %v", err)
	}
}

func TestFaultMatchesOnlyItsPath(t *testing.T) {
	v := testhelpers.RunT(t)
	v.Server.FailNext(mockvault.Fault{Path: "auth/*/login", Sealed: true})
	if _, err := v.Client.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("other path: %v", err)
	}
	code, m := raw(t, v, "POST", "auth/approle/login", "", `{}`)
	if code != 503 || errorsOf(m) != "Vault is sealed" {
		t.Fatalf("sealed fault: %d %v", code, m)
	}
}

func TestFaultDropAndLatency(t *testing.T) {
	v := testhelpers.RunT(t)
	v.Server.FailNext(mockvault.Fault{Path: "sys/health", Drop: true})
	if _, err := http.Get(v.Addr + "/v1/sys/health"); err == nil {
		t.Fatal("dropped connection answered")
	}
	v.Server.FailNext(mockvault.Fault{Path: "sys/health", Latency: 50 * time.Millisecond})
	start := time.Now()
	resp, err := http.Get(v.Addr + "/v1/sys/health")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("delayed: %v %v", resp, err)
	}
	resp.Body.Close()
	if time.Since(start) < 50*time.Millisecond {
		t.Fatal("latency not applied")
	}
}

func TestCloseEndsPendingLatency(t *testing.T) {
	v := testhelpers.RunT(t)
	v.Server.FailNext(mockvault.Fault{Path: "sys/health", Latency: time.Hour})
	done := make(chan struct{})
	go func() {
		resp, err := http.Get(v.Addr + "/v1/sys/health")
		if err == nil {
			resp.Body.Close()
		}
		close(done)
	}()
	// Close once the request is waiting in the fault's latency (a sleep
	// would close first on a slow machine, and test nothing).
	for deadline := time.Now().Add(10 * time.Second); v.Server.FaultsLeftForTest() > 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request never reached the fault")
		}
	}
	v.Server.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close left a request hanging")
	}
}

func TestRequestLogHasNoSecrets(t *testing.T) {
	v := testhelpers.RunT(t)
	s := create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"default"}})
	as(t, v, s.Auth.ClientToken).Auth().Token().LookupSelf()
	for _, r := range v.Server.Requests() {
		for _, f := range []string{r.Path, r.Accessor, r.Method} {
			if strings.Contains(f, s.Auth.ClientToken) || strings.Contains(f, v.RootToken+"x") {
				t.Fatalf("secret in log: %+v", r)
			}
		}
	}
	last := v.Server.Requests()[1]
	if last.Accessor != s.Auth.Accessor || last.Root || last.TokenType != "service" || last.Operation != "read" {
		t.Fatalf("log entry: %+v", last)
	}
}

func TestAdminRoutesOffByDefaultAndOnWhenAsked(t *testing.T) {
	v := testhelpers.RunT(t)
	resp, err := http.Post(v.Addr+"/_mockvault/seal", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("admin route without opt-in: %d", resp.StatusCode)
	}
	a := testhelpers.RunT(t, mockvault.Options{AdminRoutes: true})
	post := func(path, body string) int {
		req, _ := http.NewRequest("POST", a.Addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Vault-Token", a.RootToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if c := post("/_mockvault/faults", `{"path":"auth/token/lookup-self","status":502,"count":1}`); c != 204 {
		t.Fatalf("fault: %d", c)
	}
	_, err = a.Client.Auth().Token().LookupSelf()
	wantErr(t, err, 502, "Bad Gateway")
	s := create(t, a.Client, &api.TokenCreateRequest{TTL: "15m", Policies: []string{"default"}})
	if c := post("/_mockvault/clock", `{"advance":"15m"}`); c != 200 {
		t.Fatalf("clock: %d", c)
	}
	_, err = as(t, a, s.Auth.ClientToken).Auth().Token().LookupSelf()
	wantErr(t, err, 403, "invalid token")
	if c := post("/_mockvault/seal", ``); c != 204 {
		t.Fatalf("seal: %d", c)
	}
	h, err := a.Client.Sys().Health()
	if err != nil || !h.Sealed {
		t.Fatalf("health while sealed: %+v %v", h, err)
	}
	if c := post("/_mockvault/reset", ``); c != 204 {
		t.Fatalf("reset: %d", c)
	}
}

func TestServersAreIsolated(t *testing.T) {
	for i := 0; i < 4; i++ {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			v := testhelpers.RunT(t)
			_ = v.Server.SetPolicy("only-here", `path "x" { capabilities = ["read"] }`)
			create(t, v.Client, &api.TokenCreateRequest{Policies: []string{"default"}})
			v.Server.FailNext(mockvault.Fault{Path: "sys/health", Status: 500})
			if n := len(v.Server.Tokens()); n != 2 {
				t.Fatalf("tokens: %d", n)
			}
		})
	}
}

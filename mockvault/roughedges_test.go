package mockvault_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// rePanic runs f and returns what it panicked with ("" if it did not).
func rePanic(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
		}
	}()
	f()
	return ""
}

func TestManualClockNeverRunsBackwards(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := mockvault.NewManualClock(t0)
	c.Advance(-time.Hour)
	c.Set(t0.Add(time.Hour))
	if !c.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("now %v", c.Now())
	}
	msg := rePanic(func() { c.Set(t0) })
	if !strings.Contains(msg, "never runs backwards") || !c.Now().Equal(t0.Add(time.Hour)) {
		t.Fatalf("set backwards: panic %q, now %v", msg, c.Now())
	}
	// Through the server too.
	srv := mockvault.New(mockvault.Options{Clock: c})
	if msg := rePanic(func() { srv.SetTime(t0) }); !strings.Contains(msg, "never runs backwards") {
		t.Fatalf("SetTime backwards: %q", msg)
	}
	var nilClock *mockvault.ManualClock
	if msg := rePanic(func() { nilClock.Now() }); !strings.Contains(msg, "nil *ManualClock") {
		t.Fatalf("nil clock: %q", msg)
	}
}

// A request answered by an injected fault still names its caller.
func TestFaultedRequestLogsCaller(t *testing.T) {
	v := testhelpers.RunT(t)
	svc, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	batch, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, Type: "batch"})
	if err != nil {
		t.Fatal(err)
	}
	svcC, _ := testhelpers.NewClient(v.Addr, svc.Auth.ClientToken)
	batchC, _ := testhelpers.NewClient(v.Addr, batch.Auth.ClientToken)
	v.Server.ClearRequests()

	v.Server.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Count: 3, Status: 503})
	_, _ = svcC.Auth().Token().LookupSelf()
	_, _ = batchC.Auth().Token().LookupSelf()
	_, _ = v.Client.Auth().Token().LookupSelf()
	v.Server.FailNext(mockvault.Fault{Path: "auth/token/renew-self", Sealed: true})
	_, _ = svcC.Auth().Token().RenewSelf(0)
	v.Server.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Drop: true})
	_, _ = svcC.Auth().Token().LookupSelf()
	// A token that is not valid names no one, as without the fault.
	bad, _ := testhelpers.NewClient(v.Addr, "hvs.not-a-token")
	v.Server.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Status: 500})
	_, _ = bad.Auth().Token().LookupSelf()

	type who struct {
		acc, typ string
		root     bool
		status   int
	}
	want := []who{
		{svc.Auth.Accessor, "service", false, 503},
		{"", "batch", false, 503},
		{"root", "service", true, 503},
		{svc.Auth.Accessor, "service", false, 503},
		{svc.Auth.Accessor, "service", false, 0},
		{"", "", false, 500},
	}
	got := v.Server.Requests()
	if len(got) != len(want) {
		t.Fatalf("%d requests logged: %+v", len(got), got)
	}
	for i, r := range got {
		w := want[i]
		if w.acc == "root" {
			w.acc = r.Accessor
			if r.Accessor == "" {
				t.Fatalf("request %d: root call without accessor", i)
			}
		}
		if r.Accessor != w.acc || r.TokenType != w.typ || r.Root != w.root || r.Status != w.status {
			t.Fatalf("request %d: %+v, want %+v", i, r, w)
		}
	}
	// The fault spent none of the token's uses.
	limited, _ := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, NumUses: 1})
	lc, _ := testhelpers.NewClient(v.Addr, limited.Auth.ClientToken)
	v.Server.FailNext(mockvault.Fault{Path: "auth/token/lookup-self", Status: 503})
	_, _ = lc.Auth().Token().LookupSelf()
	if _, err := lc.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("use spent by a fault: %v", err)
	}
}

// reAdmin calls an admin route and decodes its JSON answer.
func reAdmin(t *testing.T, addr, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, addr+"/_mockvault/"+path, strings.NewReader(body))
	req.Header.Set("X-Vault-Token", "root") // the admin routes take the root token
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %s", method, path, b)
		}
	}
	return resp.StatusCode, m
}

// The admin routes speak one JSON style: snake_case, durations read as
// Vault reads them and written in whole seconds, times in RFC 3339.
func TestAdminRoutesJSONStyle(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	v := testhelpers.RunT(t, mockvault.Options{AdminRoutes: true, Clock: mockvault.NewManualClock(t0)})
	sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "15m"})
	if err != nil {
		t.Fatal(err)
	}

	code, m := reAdmin(t, v.Addr, "GET", "requests", "")
	reqs, _ := m["requests"].([]any)
	if code != 200 || len(reqs) != 1 {
		t.Fatalf("requests: %d %v", code, m)
	}
	r := reqs[0].(map[string]any)
	for _, k := range []string{"method", "path", "operation", "accessor", "token_type", "root", "status", "time"} {
		if _, ok := r[k]; !ok {
			t.Fatalf("request log entry without %q: %v", k, r)
		}
	}
	if r["time"] != "2026-01-01T00:00:00Z" || r["token_type"] != "service" || r["root"] != true {
		t.Fatalf("request log entry: %v", r)
	}
	if code, m := reAdmin(t, v.Addr, "DELETE", "requests", ""); code != 204 {
		t.Fatalf("clear: %d %v", code, m)
	}
	if _, m := reAdmin(t, v.Addr, "GET", "requests", ""); m["requests"] == nil {
		t.Fatalf("empty log: %v (want [])", m)
	}

	_, m = reAdmin(t, v.Addr, "GET", "tokens", "")
	for _, x := range m["tokens"].([]any) {
		tok := x.(map[string]any)
		if _, ok := tok["id"]; ok {
			t.Fatalf("token id handed out: %v", tok)
		}
		switch tok["accessor"] {
		case sec.Auth.Accessor:
			if tok["ttl"] != 900.0 || tok["period"] != 0.0 || tok["expire_time"] != "2026-01-01T00:15:00Z" {
				t.Fatalf("token: %v", tok)
			}
		default: // root
			if tok["ttl"] != 0.0 || tok["expire_time"] != nil {
				t.Fatalf("root token: %v", tok)
			}
		}
	}

	// Durations in, as Vault reads them: "250ms", "90" or 90.
	for _, lat := range []string{`"250ms"`, `"1"`, `1`} {
		if code, m := reAdmin(t, v.Addr, "POST", "faults", `{"path":"sys/leader","latency":`+lat+`}`); code != 204 {
			t.Fatalf("latency %s: %d %v", lat, code, m)
		}
	}
	reAdmin(t, v.Addr, "DELETE", "faults", "")
	for body, want := range map[string]string{
		`{"path":"x","Latncy":"1s"}`: `unknown field "Latncy"`,
		`{"latency":"soon"}`:         "invalid latency",
		`{"latency":"-1s"}`:          "must not be negative",
	} {
		code, m := reAdmin(t, v.Addr, "POST", "faults", body)
		if code != 400 || !strings.Contains(strings.Join(toStrs(m["errors"]), " "), want) {
			t.Fatalf("%s: %d %v", body, code, m)
		}
	}
	reAdmin(t, v.Addr, "DELETE", "faults", "")

	// The clock: GET, or POST with nothing, "advance" (a duration or
	// seconds) and "set" (RFC 3339, never backwards).
	if code, m := reAdmin(t, v.Addr, "POST", "clock", ""); code != 200 || m["now"] != "2026-01-01T00:00:00Z" {
		t.Fatalf("clock: %d %v", code, m)
	}
	if _, m := reAdmin(t, v.Addr, "POST", "clock", `{"advance":90}`); m["now"] != "2026-01-01T00:01:30Z" {
		t.Fatalf("advance 90: %v", m)
	}
	if _, m := reAdmin(t, v.Addr, "POST", "clock", `{"advance":"15m"}`); m["now"] != "2026-01-01T00:16:30Z" {
		t.Fatalf("advance 15m: %v", m)
	}
	code, m = reAdmin(t, v.Addr, "POST", "clock", `{"set":"2025-12-31T00:00:00Z"}`)
	if code != 400 || !strings.Contains(strings.Join(toStrs(m["errors"]), " "), "never runs backwards") {
		t.Fatalf("set backwards: %d %v", code, m)
	}
	if _, m := reAdmin(t, v.Addr, "GET", "clock", ""); m["now"] != "2026-01-01T00:16:30Z" {
		t.Fatalf("clock moved by a refused set: %v", m)
	}
	if _, m := reAdmin(t, v.Addr, "POST", "clock", `{"set":"2026-02-01T00:00:00Z"}`); m["now"] != "2026-02-01T00:00:00Z" {
		t.Fatalf("set: %v", m)
	}
	if code, _ := reAdmin(t, v.Addr, "POST", "clock", `{"advance":"-1m"}`); code != 400 {
		t.Fatalf("negative advance: %d", code)
	}
}

// Seed errors say what to add or fix.
func TestSeedErrorsPointToTheFix(t *testing.T) {
	for src, want := range map[string]string{
		`approle_role "ci" { role_id = "ci-role-id" }`:                     `seed: line 1: approle_role "ci": no AppRole auth method is enabled at auth/approle/: add the block auth "approle" { type = "approle" } to the seed`,
		`approle_role "ci" { mount = "ci-ar" }`:                            `add the block auth "ci-ar" { type = "approle" }`,
		"auth \"approle\" { type = \"userpass\" }\napprole_role \"ci\" {}": `seed: line 2: approle_role "ci": auth/approle/ is a "userpass" auth method, not AppRole`,
		`auth "approle" {}`:                       `seed: line 1: auth "approle" needs a type: auth "approle" { type = "approle" }`,
		`kv "nope/app" { data = { a = "b" } }`:    `write "sys/mounts/nope" { data = { type = "kv", options = { version = "2" } } }`,
		`token "t1" { config = { bogus = "1" } }`: `seed: line 1: token "t1": unknown field(s) [bogus]`,
	} {
		sd, err := mockvault.ParseSeed([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		srv := mockvault.New(mockvault.Options{})
		if err := srv.Seed(sd); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("%s:\n got %v\nwant %s", src, err, want)
		}
	}
	// With the auth block the same role seeds.
	sd, _ := mockvault.ParseSeed([]byte("auth \"approle\" { type = \"approle\" }\napprole_role \"ci\" { role_id = \"ci-role-id\" }"))
	if err := mockvault.New(mockvault.Options{}).Seed(sd); err != nil {
		t.Fatal(err)
	}
}

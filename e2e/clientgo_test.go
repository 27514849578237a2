package e2e

// TestClientGo: a second client in the loop. The steps of
// clientgo_steps_test.go call github.com/hashicorp/vault-client-go (the
// newer official Go client, which escapes path arguments:
// KvV2List(ctx, "dir/") sends GET /v1/<mount>/metadata/dir%2F/?list=true)
// against real Vault and the mock in lockstep, and what the client returns
// on each (its data, or its error: status and errors) is compared after
// the suite's normalisation.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"maps"
	"net/http"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	vault "github.com/hashicorp/vault-client-go"
	"github.com/hashicorp/vault-client-go/schema"
)

// cgStep is one call (or a few) through vault-client-go.
type cgStep struct {
	// name says what is called, e.g. `KvV2List "dir/"`.
	name string
	// want, when non-zero, is the status every target must answer.
	want int
	// mask, ignore and unordered are dotted paths into the normalised
	// answer (as Step.Masked, Step.Ignored, Step.UnorderedLists).
	mask, ignore, unordered []string
	// note explains the step in the report.
	note string
	// run calls the client and returns what it returned: a
	// *vault.Response[T] (nil for a 204) and the error.
	run func(ctx context.Context, s *cgSession) (any, error)
}

func (st cgStep) Want(code int) cgStep          { st.want = code; return st }
func (st cgStep) Mask(paths ...string) cgStep   { st.mask = append(st.mask, paths...); return st }
func (st cgStep) Ignore(paths ...string) cgStep { st.ignore = append(st.ignore, paths...); return st }
func (st cgStep) Unordered(paths ...string) cgStep {
	st.unordered = append(st.unordered, paths...)
	return st
}
func (st cgStep) Because(note string) cgStep { st.note = note; return st }

// asStep is the step as the comparison and the report see it.
func (st cgStep) asStep() Step {
	return Step{Method: "client", Path: st.name, Masked: st.mask, Ignored: st.ignore, UnorderedLists: st.unordered, Note: st.note}
}

// cg builds a step.
func cg(name string, run func(ctx context.Context, s *cgSession) (any, error)) cgStep {
	return cgStep{name: name, run: run}
}

// cgSession is one target seen through vault-client-go: the client (root
// token), the values saved by earlier steps (compared as {{name}}), and
// what the last step sent and received on the wire.
type cgSession struct {
	T    Target
	c    *vault.Client
	vars map[string]string
	// accessors of service tokens the steps created, revoked at the end
	accessors []string

	mu     sync.Mutex
	sent   []string
	status int
}

// cgWire records each request and the status of the last answer
// (redirects included; vault-client-go follows at most one).
type cgWire struct {
	next http.RoundTripper
	s    *cgSession
}

func (w cgWire) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := w.next.RoundTrip(r)
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	line := r.Method + " " + r.URL.RequestURI()
	if err == nil {
		line += fmt.Sprintf(" -> %d", resp.StatusCode)
		w.s.status = resp.StatusCode
	}
	w.s.sent = append(w.s.sent, line)
	return resp, err
}

func newCGSession(t Target) (*cgSession, error) {
	s := &cgSession{T: t}
	hc := *t.Client() // its CheckRedirect leaves redirects to vault-client-go
	next := hc.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	hc.Transport = cgWire{next: next, s: s}
	c, err := vault.New(
		vault.WithAddress(t.Addr()),
		vault.WithHTTPClient(&hc),
		vault.WithRequestTimeout(30*time.Second),
		// one call is one request: a retry would hide an answer
		vault.WithRetryConfiguration(vault.RetryConfiguration{RetryMax: 0}),
	)
	if err != nil {
		return nil, err
	}
	if err := c.SetToken(t.RootToken()); err != nil {
		return nil, err
	}
	s.c = c
	s.vars = map[string]string{"root": t.RootToken()}
	return s, nil
}

// save keeps a value for later steps; the comparison shows it as {{name}}.
func (s *cgSession) save(name, value string) {
	if value != "" {
		s.vars[name] = value
	}
}

// get is a saved value ("MISSING-name" when absent, so a step never turns
// into a root request by accident).
func (s *cgSession) get(name string) string {
	if v, ok := s.vars[name]; ok && v != "" {
		return v
	}
	return "MISSING-" + name
}

// saveAuth saves auth.client_token as name and auth.accessor as name_acc,
// and remembers a service token for the final revocation.
func saveAuth[T any](s *cgSession, name string, r *vault.Response[T]) {
	if r == nil || r.Auth == nil {
		return
	}
	s.save(name, r.Auth.ClientToken)
	s.save(name+"_acc", r.Auth.Accessor)
	if r.Auth.Accessor != "" {
		s.accessors = append(s.accessors, r.Auth.Accessor)
	}
}

// do runs one step and turns what the client returned into an Exchange.
func (s *cgSession) do(ctx context.Context, st cgStep) Exchange {
	s.mu.Lock()
	s.sent, s.status = nil, 0
	s.mu.Unlock()
	resp, err := st.run(ctx, s)
	s.mu.Lock()
	ex := Exchange{Answer: conform.Answer{Status: s.status}, Sent: strings.Join(s.sent, ", ")}
	s.mu.Unlock()
	if ex.Sent == "" {
		ex.Sent = "(nothing sent)"
	}
	var re *vault.ResponseError
	var rd *vault.RedirectError
	var ute *json.UnmarshalTypeError
	var jse *json.SyntaxError
	switch {
	case errors.As(err, &ute), errors.As(err, &jse):
		// the server answered but the client could not decode its typed
		// answer (vault-client-go's schema is off): compared like an answer
		ex.Body = map[string]any{"client_error": err.Error()}
	case errors.As(err, &re):
		// what the client returns on an error: the status, the errors, and
		// the raw body when there are no errors to parse (a 404 list)
		ex.Status = re.StatusCode
		switch {
		case len(re.Errors) > 0:
			l := make([]any, len(re.Errors))
			for i, e := range re.Errors {
				l[i] = e
			}
			ex.Body = map[string]any{"errors": l}
		case len(re.RawResponseBytes) > 0:
			if v, ok := cgDecode(re.RawResponseBytes); ok {
				ex.Body = map[string]any{"raw": v}
			} else {
				ex.Text = string(re.RawResponseBytes)
			}
		}
	case errors.As(err, &rd):
		ex.Err = fmt.Sprintf("redirect error: %d %s (Location %s)", rd.StatusCode, rd.Message, cgNoAddr(rd.RedirectLocation, s.T))
	case err != nil:
		ex.Err = cgNoAddr(err.Error(), s.T)
	case resp != nil && !reflect.ValueOf(resp).IsNil():
		b, merr := json.Marshal(resp)
		if merr != nil {
			ex.Err = "encoding the client's answer: " + merr.Error()
			break
		}
		if v, ok := cgDecode(b); ok {
			ex.Body = v
		}
	}
	ex.Body = cgMask(ex.Body)
	ex.Vars = maps.Clone(s.vars)
	return ex
}

func cgDecode(b []byte) (any, bool) {
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, false
	}
	return v, true
}

// cgNoAddr keeps a target's address out of an error text.
func cgNoAddr(s string, t Target) string {
	return strings.ReplaceAll(s, t.Addr(), "<addr>")
}

// cgMaskedKeys are clock values in the client's answers, compared by shape
// (see Shape) wherever they appear, on top of the suite's maskedKeys. A
// zero time.Time field of a typed answer is "0001-01-01T00:00:00Z" on
// both sides; "" (not deleted) stays "".
var cgMaskedKeys = map[string]bool{
	"created_time": true, "updated_time": true, "deletion_time": true,
	"creation_time": true, "issue_time": true, "expire_time": true,
	"last_renewal_time": true, "last_updated_time": true, "expiration_time": true,
}

func cgMask(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			switch c.(type) {
			case string, json.Number:
				if cgMaskedKeys[k] {
					x[k] = conform.Shape(c)
					continue
				}
			}
			x[k] = cgMask(c)
		}
	case []any:
		for i, c := range x {
			x[i] = cgMask(c)
		}
	}
	return v
}

// TestClientGo runs the vault-client-go steps against real Vault (found as
// the suite finds it: MOCKVAULT_E2E_REAL, FindRealTarget; its own
// instance, so the conformance run still starts from a fresh server) and
// the mock, and compares what the client returns on each. Without a real
// Vault only the mock runs, and only the Want statuses are checked.
func TestClientGo(t *testing.T) {
	ctx := context.Background()
	targets := startPair(t)
	sessions := make([]*cgSession, len(targets))
	names := make([]string, len(targets))
	for i, tg := range targets {
		s, err := newCGSession(tg)
		if err != nil {
			t.Fatalf("%s: vault-client-go: %v", tg.Name(), err)
		}
		sessions[i], names[i] = s, tg.Name()
		t.Logf("%s: %s at %s", tg.Name(), tg.Kind(), tg.Addr())
	}
	defer func() {
		// leave an env target as it was found; a started one goes anyway
		for _, s := range sessions {
			cgCleanup(ctx, s)
		}
	}()

	opt := DefaultCompareOptions
	if v := os.Getenv("MOCKVAULT_E2E_TTL_TOLERANCE"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			opt.TTLTolerance = d
		}
	}
	r := &Result{Targets: names, Failures: map[string][]string{}}
	matched := 0
	for i, st := range clientGoSteps() {
		sr := StepResult{Step: st.asStep(), Index: i + 1, Ex: make([]Exchange, len(sessions))}
		var wg sync.WaitGroup
		for j, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sr.Ex[j] = s.do(ctx, st)
			}()
		}
		wg.Wait()
		for j, ex := range sr.Ex {
			switch {
			case ex.Err != "":
				r.Failures[names[j]] = append(r.Failures[names[j]], fmt.Sprintf("step %d %s: %s", i+1, st.name, ex.Err))
			case st.want != 0 && ex.Status != st.want:
				r.Failures[names[j]] = append(r.Failures[names[j]], fmt.Sprintf("step %d %s: status %d, want %d %s", i+1, st.name, ex.Status, st.want, briefErrors(ex)))
			}
		}
		for j := 1; j < len(sr.Ex); j++ {
			opt.Names = [2]string{names[0], names[j]}
			sr.Diffs = append(sr.Diffs, Compare(sr.Ex[0], sr.Ex[j], sr.Step, opt)...)
		}
		if len(sr.Diffs) == 0 {
			matched++
		}
		var line strings.Builder
		fmt.Fprintf(&line, "step %2d %-44s", i+1, st.name)
		for j, ex := range sr.Ex {
			fmt.Fprintf(&line, " %s %d", names[j], ex.Status)
		}
		if len(sr.Diffs) > 0 {
			line.WriteString(" DIFF")
		}
		fmt.Fprintf(&line, "  [%s]", sr.Ex[len(sr.Ex)-1].Sent)
		t.Log(line.String())
		r.Steps = append(r.Steps, sr)
	}
	total := len(r.Steps)
	if len(targets) > 1 {
		fmt.Printf("TestClientGo: %d/%d vault-client-go %s steps matched (%s vs mock)\n", matched, total, vault.ClientVersion, names[0])
	} else {
		fmt.Printf("TestClientGo: %d vault-client-go %s steps run on the mock alone; real Vault: see the log\n", total, vault.ClientVersion)
	}
	if !r.Matched() {
		var b strings.Builder
		Detail(&b, r)
		t.Errorf("vault-client-go answers differ:\n%s", b.String())
	}
}

// cgCleanup undoes what the steps may have left (also after a failure):
// mounts, the AppRole mount, the policy, service tokens. Errors are
// ignored: most of it is gone already.
func cgCleanup(ctx context.Context, s *cgSession) {
	for _, m := range []string{cgKV2, cgKV1} {
		_, _ = s.c.System.MountsDisableSecretsEngine(ctx, m)
	}
	_, _ = s.c.System.AuthDisableMethod(ctx, cgAppRole)
	_, _ = s.c.System.PoliciesDeleteAclPolicy(ctx, cgPolicy)
	accs := append([]string(nil), s.accessors...)
	sort.Strings(accs)
	for _, a := range accs {
		_, _ = s.c.Auth.TokenRevokeAccessor(ctx, schema.TokenRevokeAccessorRequest{Accessor: a})
	}
}

package conform

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mockvault/mockvault/mockvault"
)

// Endpoint is a running Vault-compatible server.
type Endpoint struct {
	// Name labels it in the report ("vault", "mock").
	Name string
	// Addr is its base URL, without /v1.
	Addr string
	// Token is its root token: what {{root}} stands for.
	Token string
	// Client reaches Addr (a client that leaves redirects to the caller
	// when nil).
	Client *http.Client
}

// VerifyOptions tune Verify.
type VerifyOptions struct {
	// Compare tunes the comparison (DefaultOptions when zero).
	Compare Options
	// MaxWait is the longest clock move of the recording replayed as a
	// real wait (default 10s); after a longer one the steps cannot be
	// verified.
	MaxWait time.Duration
	// Settle is how long a read whose answers differ is sent again, to
	// both servers, before the difference counts: real Vault finishes some
	// work (a lease's revocation) after it answered the request that
	// asked for it. Default 3s; negative turns it off.
	Settle time.Duration
	// Mock, when set, replaces the fresh in-process mock (tests use it to
	// check what a wrong answer looks like).
	Mock *Endpoint
}

// Verdicts of a step.
const (
	Match         = "match"
	Differ        = "DIFF"
	Skipped       = "skipped"
	NotVerifiable = "not verifiable"
	Event         = "event"
)

// StepReport is one recorded step replayed on both servers.
type StepReport struct {
	Index   int    // 1-based, in the recording
	Request string // "METHOD path" as recorded
	Verdict string
	Note    string
	Diffs   []string
	// Real and Mock are the two answers, normalised as compared.
	Real, Mock string
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	File  string // the recording's file, when read from one
	Names [2]string
	Steps []StepReport
}

// Count counts the steps with verdict v.
func (r *VerifyReport) Count(v string) int {
	n := 0
	for _, s := range r.Steps {
		if s.Verdict == v {
			n++
		}
	}
	return n
}

// OK reports whether no step differed.
func (r *VerifyReport) OK() bool { return r.Count(Differ) == 0 }

// Summary is the report's last line.
func (r *VerifyReport) Summary() string {
	out := fmt.Sprintf("%d/%d steps match real Vault (%s)", r.Count(Match), r.Count(Match)+r.Count(Differ), r.Names[0])
	if n := r.Count(Differ); n > 0 {
		out += fmt.Sprintf(", %d differ", n)
	}
	if n := r.Count(Skipped); n > 0 {
		out += fmt.Sprintf(", %d skipped", n)
	}
	if n := r.Count(NotVerifiable); n > 0 {
		out += fmt.Sprintf(", %d not verifiable", n)
	}
	return out
}

// Write prints one line per step, the differences with both answers, and
// the summary.
func (r *VerifyReport) Write(w io.Writer) {
	for _, s := range r.Steps {
		line := fmt.Sprintf("step %3d  %-14s %s", s.Index, s.Verdict, s.Request)
		if s.Note != "" {
			line += "  (" + s.Note + ")"
		}
		fmt.Fprintln(w, line)
		if s.Verdict != Differ {
			continue
		}
		for _, d := range s.Diffs {
			fmt.Fprintf(w, "      %s\n", d)
		}
		for i, a := range []string{s.Real, s.Mock} {
			fmt.Fprintf(w, "      [%s] %s\n", r.Names[i], strings.ReplaceAll(a, "\n", "\n        "))
		}
	}
	fmt.Fprintln(w, r.Summary())
}

// NewMock starts a fresh in-process mock on a loopback listener, on the
// wall clock, with root token root (the same as real Vault's: a batch
// token carries its parent's id, so its length follows the root token's).
// stop shuts it down.
func NewMock(root string) (e Endpoint, stop func()) {
	srv := mockvault.New(mockvault.Options{RootToken: root, Clock: mockvault.RealClock{}})
	hs := httptest.NewServer(srv)
	return Endpoint{Name: "mock", Addr: hs.URL, Token: root}, func() { hs.Close(); srv.Close() }
}

// VerifyFiles verifies the recordings in files, in order, against real and
// one fresh mock: the two servers go through the same history, so real
// Vault must be fresh when it starts (recordings made by separate tests
// may each enable the same mount; both servers see the second attempt).
// The reports come in the order of files; it stops at the first file
// it cannot read.
func VerifyFiles(ctx context.Context, files []string, real Endpoint, opt VerifyOptions) ([]*VerifyReport, error) {
	if opt.Mock == nil {
		m, stop := NewMock(real.Token)
		defer stop()
		opt.Mock = &m
	}
	var reps []*VerifyReport
	for _, file := range files {
		rec, err := ReadRecordingFile(file)
		if err != nil {
			return reps, err
		}
		rep, err := Verify(ctx, rec, real, opt)
		rep.File = file
		reps = append(reps, rep)
		if err != nil {
			return reps, err
		}
	}
	return reps, nil
}

// ReadRecordingFile reads a recording file.
func ReadRecordingFile(file string) (*mockvault.Recording, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec, err := mockvault.ReadRecording(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return rec, nil
}

// Verify replays rec against real (a real Vault, best a fresh dev
// server: the recording creates what it used) and a fresh mock, in
// lockstep: each step goes to both at once, each with its own ids (the
// recording's variables bound from each server's own answers), and the
// two answers are compared as the conformance suite compares them
// (Compare). Steps an injected fault answered are skipped; a clock move
// up to MaxWait becomes a real wait, and after a longer one (or a reset,
// restore or seal of the mock) the steps are not verifiable.
func Verify(ctx context.Context, rec *mockvault.Recording, real Endpoint, opt VerifyOptions) (*VerifyReport, error) {
	if opt.Compare == (Options{}) {
		opt.Compare = DefaultOptions
	}
	if opt.MaxWait == 0 {
		opt.MaxWait = 10 * time.Second
	}
	if opt.Settle == 0 {
		opt.Settle = 3 * time.Second
	}
	mock := opt.Mock
	if mock == nil {
		m, stop := NewMock(real.Token)
		defer stop()
		mock = &m
	}
	sides := [2]*side{newSide(real, "vault"), newSide(*mock, "mock")}
	opt.Compare.Names = [2]string{sides[0].Name, sides[1].Name}
	rep := &VerifyReport{Names: opt.Compare.Names}
	blocked := ""
	for i, st := range rec.Steps {
		sr := StepReport{Index: i + 1, Request: strings.TrimSpace(st.Method + " " + st.Path)}
		if st.Event != "" {
			sr.Request = "(" + st.Event + ")"
		}
		if d, err := time.ParseDuration(st.Elapsed); blocked == "" && st.Elapsed != "" {
			if err != nil || d < 0 || d > opt.MaxWait {
				blocked = fmt.Sprintf("the mock's clock moved %s before step %d: real Vault cannot follow a move over %s", st.Elapsed, i+1, opt.MaxWait)
			} else {
				sr.Note = "after a wait of " + st.Elapsed + " for the mock's clock move"
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return rep, ctx.Err()
				}
			}
		}
		switch {
		case blocked != "":
			sr.Verdict, sr.Note = NotVerifiable, blocked
		case st.Event == "unseal" || st.Event == "seed":
			sr.Verdict, sr.Note = Event, "the mock was "+st.Event+"ed here, real Vault is not"
		case st.Event != "":
			blocked = fmt.Sprintf("the test's %s of the mock at step %d cannot be done to real Vault", st.Event, i+1)
			sr.Verdict, sr.Note = NotVerifiable, blocked
		case st.Fault != "":
			sr.Verdict, sr.Note = Skipped, "answered by an injected fault ("+st.Fault+")"
		case strings.Contains(st.Token+st.Path+fmt.Sprint(st.Body)+st.BodyText, "{{unrecorded:"):
			sr.Verdict, sr.Note = NotVerifiable, "sends a token the recording did not see handed out"
		}
		if sr.Verdict == "" {
			verifyStep(ctx, st, sides, opt, &sr)
		}
		rep.Steps = append(rep.Steps, sr)
	}
	return rep, ctx.Err()
}

// side is one server during a replay, with its own variables.
type side struct {
	Endpoint
	vars map[string]string
}

func newSide(e Endpoint, name string) *side {
	if e.Name == "" {
		e.Name = name
	}
	if e.Client == nil {
		e.Client = NewHTTPClient(nil)
	}
	return &side{Endpoint: e, vars: map[string]string{"root": e.Token}}
}

// send replays st and binds the variables its answer introduces.
func (s *side) send(ctx context.Context, st mockvault.RecordedStep) Answer {
	r := Request{Method: st.Method, Path: Expand(st.Path, s.vars, false), Token: Expand(st.Token, s.vars, false), Headers: map[string]string{}}
	for k, v := range st.Headers {
		r.Headers[k] = Expand(v, s.vars, false)
	}
	switch {
	case st.Body != nil:
		b, _ := json.Marshal(st.Body)
		r.Body = strings.NewReader(Expand(string(b), s.vars, true))
	case st.BodyText != "":
		r.Body = strings.NewReader(Expand(st.BodyText, s.vars, false))
	}
	a := Send(ctx, s.Client, s.Addr, r)
	for name, p := range st.Saves {
		if v, ok := Lookup(a.Body, p); ok && v != nil {
			s.vars[name] = ScalarString(v)
		}
	}
	a.Vars = make(map[string]string, len(s.vars))
	for k, v := range s.vars {
		a.Vars[k] = v
	}
	return a
}

// verifyStep sends st to both sides at once and compares; a differing read
// is sent again until the answers agree or opt.Settle passes.
func verifyStep(ctx context.Context, st mockvault.RecordedStep, sides [2]*side, opt VerifyOptions, sr *StepReport) {
	deadline := time.Now().Add(opt.Settle)
	for {
		var ans [2]Answer
		var wg sync.WaitGroup
		for i, s := range sides {
			wg.Add(1)
			go func() { defer wg.Done(); ans[i] = s.send(ctx, st) }()
		}
		wg.Wait()
		sr.Diffs = Compare(ans[0], ans[1], Rules{}, opt.Compare)
		sr.Real, sr.Mock = render(ans[0]), render(ans[1])
		read := st.Method == http.MethodGet || st.Method == "LIST" || st.Method == http.MethodHead
		if len(sr.Diffs) == 0 || !read || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	sr.Verdict = Match
	if len(sr.Diffs) > 0 {
		sr.Verdict = Differ
	}
}

// render is an answer as compared, on one line.
func render(a Answer) string {
	switch {
	case a.Err != "":
		return "ERROR " + a.Err
	case a.Body != nil:
		return fmt.Sprintf("HTTP %d %s", a.Status, JSON(Normalize(a, Rules{})))
	case a.Text != "":
		return fmt.Sprintf("HTTP %d %s", a.Status, Short(a.Text))
	}
	return fmt.Sprintf("HTTP %d (empty body)", a.Status)
}

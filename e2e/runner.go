package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mockvault/mockvault/conform"
)

// Exchange is what one target answered to one step: the answer as
// compared (conform.Answer, with the session's variables after the step in
// Vars) and what the suite notes about it.
type Exchange struct {
	conform.Answer
	Notes string `json:"notes,omitempty"` // e.g. a Save that found nothing
	Sent  string `json:"-"`               // request as sent (expanded)

	unsettled bool // a Settle step whose condition never held
}

// Session is one target's state while the suite runs: saved variables and
// the things to undo after the current scenario.
type Session struct {
	T    Target
	vars map[string]string
	// per scenario
	tokens []createdToken
	undo   []Step
	// entities logins made (auth.entity_id): deleted with the tokens, so
	// the identity store is left as found.
	entities []string
}

type createdToken struct{ token, accessor string }

// NewSession wraps a started target.
func NewSession(t Target) *Session { return &Session{T: t} }

// expand replaces {{name}} by saved values (see conform.Expand).
func (s *Session) expand(str string, jsonEscape bool) string {
	return conform.Expand(str, s.vars, jsonEscape)
}

// BeginScenario resets per-scenario state.
func (s *Session) BeginScenario() {
	s.vars = map[string]string{"root": s.T.RootToken()}
	s.tokens = nil
	s.undo = nil
	s.entities = nil
}

// Do sends step to the target.
func (s *Session) Do(ctx context.Context, st Step) Exchange {
	var ex Exchange
	path := s.expand(st.Path, false)
	var body io.Reader
	switch b := st.Body.(type) {
	case nil:
	case RawBody:
		body = strings.NewReader(s.expand(string(b), false))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			ex.Err = "encoding body: " + err.Error()
			return ex
		}
		body = strings.NewReader(s.expand(string(j), true))
	}
	tok := s.T.RootToken()
	switch st.Token {
	case "":
	case NoToken:
		tok = ""
	default:
		tok = s.expand(st.Token, false)
	}
	headers := make(map[string]string, len(st.Headers))
	for k, v := range st.Headers {
		headers[k] = s.expand(v, false)
	}
	ex.Answer = conform.Send(ctx, s.T.Client(), s.T.Addr(), conform.Request{Method: st.Method, Path: path, Body: body, Token: tok, Headers: headers})
	ex.Sent = st.Method + " " + path
	if ex.Err != "" && ex.Status == 0 {
		return ex
	}
	s.afterResponse(st, path, &ex)
	ex.Vars = maps.Clone(s.vars)
	return ex
}

// settlePoll is the pause between two polls of a Settle step.
const settlePoll = 20 * time.Millisecond

// doSettled sends st; a Settle step is repeated until its condition holds
// for this target's answer or SettleBound passes. Recorded answers were
// settled when they were recorded, so a replay target answers once.
func (s *Session) doSettled(ctx context.Context, st Step) Exchange {
	ex := s.Do(ctx, st)
	if st.Settled == nil {
		return ex
	}
	if _, replay := s.T.(*ReplayTarget); replay {
		ex.unsettled = !st.Settled(ex)
		return ex
	}
	deadline := time.Now().Add(SettleBound)
	for !st.Settled(ex) {
		if ex.Err != "" || time.Now().After(deadline) {
			ex.unsettled = ex.Err == ""
			return ex
		}
		select {
		case <-time.After(settlePoll):
		case <-ctx.Done():
			return ex
		}
		ex = s.Do(ctx, st)
	}
	return ex
}

// afterResponse saves variables and records what to undo.
func (s *Session) afterResponse(st Step, path string, ex *Exchange) {
	var notes []string
	for name, p := range st.Saves {
		v, ok := conform.Lookup(ex.Body, p)
		if !ok || v == nil {
			notes = append(notes, fmt.Sprintf("save %s: nothing at %s", name, p))
			delete(s.vars, name)
			continue
		}
		s.vars[name] = conform.ScalarString(v)
	}
	ex.Notes = strings.Join(notes, "; ")
	if tok, ok := conform.Lookup(ex.Body, "auth.client_token"); ok {
		t, _ := tok.(string)
		acc, _ := conform.Lookup(ex.Body, "auth.accessor")
		a, _ := acc.(string)
		typ, _ := conform.Lookup(ex.Body, "auth.token_type")
		if t != "" && t != s.T.RootToken() && typ != "batch" {
			s.tokens = append(s.tokens, createdToken{t, a})
		}
	}
	if id, _ := conform.Lookup(ex.Body, "auth.entity_id"); id != nil && id != "" {
		s.entities = append(s.entities, fmt.Sprint(id))
	}
	if (st.Method == http.MethodPost || st.Method == http.MethodPut) && ex.Status >= 200 && ex.Status < 300 {
		if undo, ok := cleanupFor(path); ok {
			p, _, _ := strings.Cut(path, "?")
			s.undo = append(s.undo, undo(p))
		}
	}
}

// EndScenario runs the scenario's cleanup steps, the registered undo steps
// (newest first) and revokes the tokens the scenario created.
func (s *Session) EndScenario(ctx context.Context, cleanup []Step) {
	for _, st := range cleanup {
		s.Do(ctx, st)
	}
	for i := len(s.undo) - 1; i >= 0; i-- {
		s.Do(ctx, s.undo[i])
	}
	for i := len(s.tokens) - 1; i >= 0; i-- {
		t := s.tokens[i]
		if t.accessor != "" {
			s.Do(ctx, POST("auth/token/revoke-accessor", M{"accessor": t.accessor}))
		} else {
			s.Do(ctx, POST("auth/token/revoke", M{"token": t.token}))
		}
	}
	for _, id := range s.entities {
		s.Do(ctx, DELETE("identity/entity/id/"+id))
	}
	s.tokens, s.undo, s.entities = nil, nil, nil
}

// StepResult is one step on every target.
type StepResult struct {
	Step  Step
	Index int
	Ex    []Exchange // one per target, same order as Result.Targets
	Diffs []string   // differences between Ex[0] (reference) and the others
}

// Result is one scenario on every target.
type Result struct {
	Scenario *Scenario
	Targets  []string // target names; the first is the reference
	Steps    []StepResult
	// Failures are per-target problems (status expectation not met,
	// transport errors), keyed by target name.
	Failures map[string][]string
	Duration time.Duration
}

// Differs reports whether any step differed between targets.
func (r *Result) Differs() bool {
	for _, s := range r.Steps {
		if len(s.Diffs) > 0 {
			return true
		}
	}
	return false
}

// DiffCount counts differing steps.
func (r *Result) DiffCount() int {
	n := 0
	for _, s := range r.Steps {
		if len(s.Diffs) > 0 {
			n++
		}
	}
	return n
}

// Matched is true when every target met the expectations and, with more
// than one target, all answered alike.
func (r *Result) Matched() bool {
	for _, f := range r.Failures {
		if len(f) > 0 {
			return false
		}
	}
	return !r.Differs()
}

// Run runs sc on every session, step by step in lockstep (each step is sent
// to all targets at once, so TTLs run down alike), compares each step's
// answers with the first session's and cleans up.
func Run(ctx context.Context, sc *Scenario, sessions []*Session, opt CompareOptions) *Result {
	start := time.Now()
	r := &Result{Scenario: sc, Failures: map[string][]string{}}
	var active []*Session
	for _, s := range sessions {
		if f, ok := s.T.(ScenarioFilter); ok && !f.Takes(sc) {
			continue
		}
		active = append(active, s)
	}
	sessions = active
	for _, s := range sessions {
		r.Targets = append(r.Targets, s.T.Name())
		s.BeginScenario()
	}
	for i, st := range sc.Steps {
		if st.Wait > 0 {
			select {
			case <-time.After(st.Wait):
			case <-ctx.Done():
			}
		}
		sr := StepResult{Step: st, Index: i + 1, Ex: make([]Exchange, len(sessions))}
		var wg sync.WaitGroup
		for j, s := range sessions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sr.Ex[j] = s.doSettled(ctx, st)
			}()
		}
		wg.Wait()
		for j, ex := range sr.Ex {
			name := r.Targets[j]
			switch {
			case ex.unsettled:
				r.Failures[name] = append(r.Failures[name], fmt.Sprintf("step %d %s: not settled within %s (%s)", i+1, st, SettleBound, st.SettledDoc))
			case ex.Err != "":
				r.Failures[name] = append(r.Failures[name], fmt.Sprintf("step %d %s: %s", i+1, st, ex.Err))
			case st.WantStatus != 0 && ex.Status != st.WantStatus:
				r.Failures[name] = append(r.Failures[name], fmt.Sprintf("step %d %s: status %d, want %d %s", i+1, st, ex.Status, st.WantStatus, briefErrors(ex)))
			}
		}
		for j := 1; j < len(sr.Ex); j++ {
			opt.Names = [2]string{r.Targets[0], r.Targets[j]}
			for _, d := range Compare(sr.Ex[0], sr.Ex[j], st, opt) {
				if len(sessions) > 2 {
					d = r.Targets[j] + ": " + d
				}
				sr.Diffs = append(sr.Diffs, d)
			}
		}
		r.Steps = append(r.Steps, sr)
	}
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.EndScenario(ctx, sc.Cleanup)
		}()
	}
	wg.Wait()
	r.Duration = time.Since(start)
	return r
}

func briefErrors(ex Exchange) string {
	if m, ok := ex.Body.(map[string]any); ok {
		if e, ok := m["errors"]; ok {
			b, _ := json.Marshal(e)
			return "errors=" + string(b)
		}
	}
	return ""
}

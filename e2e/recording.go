package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Recordings: when the suite runs against real Vault with
// MOCKVAULT_E2E_RECORD=1 (make conformance sets it), each scenario's real
// answers are written to testdata/vault-<version>/<scenario>.json (only
// when they changed). Without Docker or VAULT_ADDR, the suite replays those
// answers as the reference side, so a mock-only run is still differential.

// RecordDir is where recordings live.
func RecordDir() string {
	return filepath.Join(moduleDir(), "testdata", "vault-"+VaultVersion)
}

type recording struct {
	Vault       string     `json:"vault"`
	Scenario    string     `json:"scenario"`
	Fingerprint string     `json:"fingerprint"`
	Steps       []recorded `json:"steps"`
}

type recorded struct {
	Request string `json:"request"`
	Status  int    `json:"status"`
	Body    any    `json:"body,omitempty"`
	Text    string `json:"text,omitempty"`
	Err     string `json:"error,omitempty"`
}

func recordFile(name string) string {
	return filepath.Join(RecordDir(), strings.ReplaceAll(name, "/", "__")+".json")
}

// Fingerprint identifies what a scenario sends; a recording made for other
// steps is stale. Expectations, notes and masks are not part of it.
func Fingerprint(sc *Scenario) string {
	type fp struct {
		M, P, T string
		B       any
		H, S    map[string]string
		W       int64
	}
	var all []fp
	for _, st := range sc.Steps {
		b := st.Body
		if r, ok := b.(RawBody); ok {
			b = "raw:" + string(r)
		}
		all = append(all, fp{st.Method, st.Path, st.Token, b, st.Headers, st.Saves, int64(st.Wait)})
	}
	j, _ := json.Marshal(all)
	h := sha256.Sum256(j)
	return hex.EncodeToString(h[:8])
}

func loadRecording(sc *Scenario) (*recording, error) {
	b, err := os.ReadFile(recordFile(sc.Name))
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var r recording
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", recordFile(sc.Name), err)
	}
	return &r, nil
}

// SaveRecording writes the reference side of r when it differs from the
// stored recording (or there is none). It reports whether it wrote.
func SaveRecording(r *Result, opt CompareOptions) (bool, error) {
	sc := r.Scenario
	rec := &recording{Vault: VaultVersion, Scenario: sc.Name, Fingerprint: Fingerprint(sc)}
	for _, sr := range r.Steps {
		ex := sr.Ex[0]
		rec.Steps = append(rec.Steps, recorded{Request: ex.Sent, Status: ex.Status, Body: ex.Body, Text: ex.Text, Err: ex.Err})
	}
	if old, err := loadRecording(sc); err == nil && old.Fingerprint == rec.Fingerprint && len(old.Steps) == len(rec.Steps) {
		same := true
		vars := map[string]string{"root": "root"}
		for i, sr := range r.Steps {
			o := old.Steps[i]
			// the old answers' own variables, as a replay would save them
			for name, p := range sr.Step.Saves {
				if v, ok := conform.Lookup(o.Body, p); ok && v != nil {
					vars[name] = conform.ScalarString(v)
				} else {
					delete(vars, name)
				}
			}
			snap := make(map[string]string, len(vars))
			for k, v := range vars {
				snap[k] = v
			}
			if len(Compare(Exchange{Answer: conform.Answer{Status: o.Status, Body: o.Body, Text: o.Text, Err: o.Err, Vars: snap}}, sr.Ex[0], sr.Step, opt)) > 0 {
				same = false
				break
			}
		}
		if same {
			return false, nil
		}
	}
	if err := os.MkdirAll(RecordDir(), 0o755); err != nil {
		return false, err
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return false, err
	}
	return true, os.WriteFile(recordFile(sc.Name), append(b, '\n'), 0o644)
}

// HaveRecordings reports whether any recording exists.
func HaveRecordings() bool {
	m, _ := filepath.Glob(filepath.Join(RecordDir(), "*.json"))
	return len(m) > 0
}

// ReplayTarget answers with recorded real-Vault responses, step by step.
// It takes part in a scenario only when a recording with the scenario's
// current fingerprint exists (see ScenarioFilter).
type ReplayTarget struct {
	mu    sync.Mutex
	rec   *recording
	next  int
	cl    *http.Client
	Stale []string // scenarios whose recording is missing or out of date
}

// NewReplayTarget replays RecordDir().
func NewReplayTarget() *ReplayTarget {
	r := &ReplayTarget{}
	r.cl = &http.Client{Transport: r}
	return r
}

func (r *ReplayTarget) Name() string { return "vault" }
func (r *ReplayTarget) Kind() string {
	return "recorded answers of Vault " + VaultVersion + " in " + RecordDir()
}
func (r *ReplayTarget) Start(context.Context) error { return nil }
func (r *ReplayTarget) Addr() string                { return "http://recorded.invalid" }
func (r *ReplayTarget) RootToken() string           { return "root" }
func (r *ReplayTarget) Client() *http.Client        { return r.cl }
func (r *ReplayTarget) Stop() error                 { return nil }

// Takes implements ScenarioFilter: it loads the scenario's recording.
func (r *ReplayTarget) Takes(sc *Scenario) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec, err := loadRecording(sc)
	if err != nil || rec.Fingerprint != Fingerprint(sc) || len(rec.Steps) != len(sc.Steps) {
		r.rec = nil
		r.Stale = append(r.Stale, sc.Name)
		return false
	}
	r.rec, r.next = rec, 0
	return true
}

// RoundTrip serves the next recorded answer; requests past the recorded
// steps (cleanup) get 204.
func (r *ReplayTarget) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	resp := &http.Response{StatusCode: http.StatusNoContent, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}
	if r.rec == nil || r.next >= len(r.rec.Steps) {
		return resp, nil
	}
	s := r.rec.Steps[r.next]
	r.next++
	if s.Err != "" {
		return nil, fmt.Errorf("%s", s.Err)
	}
	resp.StatusCode = s.Status
	switch {
	case s.Body != nil:
		b, _ := json.Marshal(s.Body)
		resp.Body = io.NopCloser(bytes.NewReader(b))
		resp.Header.Set("Content-Type", "application/json")
	case s.Text != "":
		resp.Body = io.NopCloser(strings.NewReader(s.Text))
	}
	return resp, nil
}

// ScenarioFilter is implemented by targets that take part only in some
// scenarios (the replay target).
type ScenarioFilter interface {
	Takes(sc *Scenario) bool
}

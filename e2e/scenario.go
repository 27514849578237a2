package e2e

import (
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// A Scenario is a sequence of HTTP requests, written once and run against
// every target. In differential mode each step is sent to real Vault and to
// the mock, and the two responses are compared after normalisation.
//
// Scenarios run one after another on one long-lived server per target, in
// registration order, so every scenario must leave the server as it found
// it: tokens whose client_token appears in a response are revoked
// automatically afterwards, writes under a prefix registered with
// RegisterCleanup are undone automatically, and anything else goes into
// Scenario.Cleanup.
type Scenario struct {
	// Name is unique, slash-separated: "<area>/<topic>/<case>", e.g.
	// "token/create/batch". `go test -run 'TestConformance/token/create'`
	// selects by it.
	Name string
	// Doc says what the scenario checks (one line; optional).
	Doc string
	// Steps are sent in order.
	Steps []Step
	// Cleanup steps run after Steps (and after a failure), as root unless
	// they say otherwise. They are never compared and their errors are
	// ignored.
	Cleanup []Step
	// KnownDiff marks a scenario where the mock is known to differ from real
	// Vault; the value names the entry in docs/conformance-findings.md (e.g.
	// "D3").
	// Set it with .Known("D3") or in the knownDiffs table (known_diffs.go).
	// A known-diff scenario still fails when it differs, unless
	// MOCKVAULT_E2E_ALLOW_KNOWN=1; the report labels it.
	KnownDiff string
}

// Step is one HTTP request of a scenario. Build steps with GET, POST, PUT,
// DELETE, LIST and the chainable methods below.
type Step struct {
	// Method is GET, POST, PUT, DELETE, PATCH or LIST.
	Method string
	// Path is relative to /v1/ and may carry a query and {{var}}
	// references.
	Path string
	// Body is JSON-encoded (after {{var}} expansion in strings) unless it is
	// a RawBody, which is sent byte for byte. nil sends no body.
	Body any
	// Token selects the X-Vault-Token: "" is the target's root token,
	// NoToken sends none, anything else is expanded ({{var}}) and sent.
	Token string
	// Headers are extra request headers ({{var}} expanded).
	Headers map[string]string
	// Saves maps a variable name to a dotted path into the JSON response
	// ("auth.client_token", "data.keys.0") whose value later steps use as
	// {{name}}.
	Saves map[string]string
	// WantStatus, when non-zero, is checked on every target on its own
	// (this is what a mock-only run can verify).
	WantStatus int
	// Masked lists dotted paths whose values are random on each server:
	// only their shape (shape.go: prefix, length, alphabet, time precision...) is compared. "*" as a
	// path element matches any key or index.
	Masked []string
	// Ignored lists dotted paths left out of the comparison altogether.
	Ignored []string
	// Unordered lists dotted paths of lists compared as sets (sorted after
	// normalisation), e.g. accessors in storage order.
	UnorderedLists []string
	// Wait pauses before the request (for expiry scenarios; keep it short).
	Wait time.Duration
	// Settled, when set, makes the step a poll: it is repeated on each
	// target on its own until Settled holds for that target's answer (at
	// most SettleBound), and the last answers are compared. It is for reads
	// whose real answer depends on Vault's background work (the expiration
	// manager removes a lease after the request that ended it returned), so
	// neither side is ever raced.
	Settled func(Exchange) bool
	// SettledDoc says what Settled waits for (shown when it never holds).
	SettledDoc string
	// Note explains the step in the report (e.g. where the seed article is
	// wrong).
	Note string
	// CertPaths are dotted paths compared by their certificate facts, and
	// RawFacts compares a non-JSON body so (certfacts.go).
	CertPaths []string
	RawFacts  bool
}

// RawBody is a request body sent as is (malformed JSON and the like).
type RawBody string

// NoToken as Step.Token sends no X-Vault-Token header.
const NoToken = "<none>"

// M is shorthand for a JSON object.
type M = map[string]any

func newStep(method, path string, body any) Step {
	return Step{Method: method, Path: path, Body: body}
}

// GET reads path.
func GET(path string) Step { return newStep(http.MethodGet, path, nil) }

// LIST lists path (HTTP method LIST).
func LIST(path string) Step { return newStep("LIST", path, nil) }

// DELETE deletes path.
func DELETE(path string) Step { return newStep(http.MethodDelete, path, nil) }

// POST writes body to path.
func POST(path string, body any) Step { return newStep(http.MethodPost, path, body) }

// PUT writes body to path with PUT.
func PUT(path string, body any) Step { return newStep(http.MethodPut, path, body) }

// As sends the step with the token saved under variable name.
func (s Step) As(name string) Step { s.Token = "{{" + name + "}}"; return s }

// WithToken sends the literal token tok ({{var}} expanded).
func (s Step) WithToken(tok string) Step { s.Token = tok; return s }

// Anonymous sends no token.
func (s Step) Anonymous() Step { s.Token = NoToken; return s }

// Header adds a request header.
func (s Step) Header(k, v string) Step {
	h := make(map[string]string, len(s.Headers)+1)
	for a, b := range s.Headers {
		h[a] = b
	}
	h[k] = v
	s.Headers = h
	return s
}

// Save stores the value at path of the response as variable name.
func (s Step) Save(name, path string) Step {
	m := make(map[string]string, len(s.Saves)+1)
	for a, b := range s.Saves {
		m[a] = b
	}
	m[name] = path
	s.Saves = m
	return s
}

// SaveToken saves auth.client_token as name and auth.accessor as
// name+"_acc".
func (s Step) SaveToken(name string) Step {
	return s.Save(name, "auth.client_token").Save(name+"_acc", "auth.accessor")
}

// Want checks the status code on every target.
func (s Step) Want(status int) Step { s.WantStatus = status; return s }

// Mask compares only the kind of the values at paths.
func (s Step) Mask(paths ...string) Step {
	s.Masked = append(append([]string(nil), s.Masked...), paths...)
	return s
}

// Ignore leaves paths out of the comparison.
func (s Step) Ignore(paths ...string) Step {
	s.Ignored = append(append([]string(nil), s.Ignored...), paths...)
	return s
}

// Unordered compares the lists at paths regardless of order.
func (s Step) Unordered(paths ...string) Step {
	s.UnorderedLists = append(append([]string(nil), s.UnorderedLists...), paths...)
	return s
}

// After waits d before sending the step.
func (s Step) After(d time.Duration) Step { s.Wait = d; return s }

// SettleBound is how long a Settle step polls before it reports that the
// target never reached the awaited state.
const SettleBound = 15 * time.Second

// Settle turns a read into a poll that repeats until want holds for the
// answer (see Step.Settled); doc says what it waits for. Only GET and LIST
// steps may settle: repeating a write would change what is compared.
func (s Step) Settle(doc string, want func(Exchange) bool) Step {
	if s.Method != http.MethodGet && s.Method != "LIST" {
		panic(fmt.Sprintf("e2e: %s: only GET and LIST steps can Settle", s))
	}
	s.Settled, s.SettledDoc = want, doc
	return s
}

// SettleKeys waits until the list at path in the answer's JSON is exactly
// keys (in order), e.g. SettleKeys("data.keys", "wrap/").
func (s Step) SettleKeys(path string, keys ...string) Step {
	want := fmt.Sprintf("%s = %q", path, keys)
	return s.Settle(want, func(ex Exchange) bool {
		v, ok := conform.Lookup(ex.Body, path)
		l, _ := v.([]any)
		if !ok || len(l) != len(keys) {
			return false
		}
		for i, k := range keys {
			if l[i] != k {
				return false
			}
		}
		return true
	})
}

// Because attaches a note shown with the step.
func (s Step) Because(note string) Step { s.Note = note; return s }

// String is "METHOD path".
func (s Step) String() string { return s.Method + " " + s.Path }

var (
	regMu     sync.Mutex
	scenarios []*Scenario
	names     = map[string]bool{}
	cleanups  []cleanupRule
)

// Register adds scenarios to the suite. Call it from an init function of a
// scenarios_<area>.go file. Names must be unique.
func Register(list ...Scenario) {
	regMu.Lock()
	defer regMu.Unlock()
	for i := range list {
		sc := list[i]
		if sc.Name == "" || names[sc.Name] {
			panic(fmt.Sprintf("e2e: scenario name %q empty or registered twice", sc.Name))
		}
		if len(sc.Steps) == 0 {
			panic(fmt.Sprintf("e2e: scenario %q has no steps", sc.Name))
		}
		names[sc.Name] = true
		scenarios = append(scenarios, &sc)
	}
}

// S builds a Scenario from its name and steps.
func S(name string, steps ...Step) Scenario { return Scenario{Name: name, Steps: steps} }

// Known marks the scenario as a known difference (see Scenario.KnownDiff).
func (sc Scenario) Known(id string) Scenario { sc.KnownDiff = id; return sc }

// Describe sets Doc.
func (sc Scenario) Describe(doc string) Scenario { sc.Doc = doc; return sc }

// Then appends cleanup steps.
func (sc Scenario) Then(cleanup ...Step) Scenario {
	sc.Cleanup = append(append([]Step(nil), sc.Cleanup...), cleanup...)
	return sc
}

// Scenarios returns the registered scenarios in registration order (files in
// name order, then order within a file).
func Scenarios() []*Scenario {
	regMu.Lock()
	defer regMu.Unlock()
	out := make([]*Scenario, len(scenarios))
	for i, sc := range scenarios {
		if id, ok := knownDiffs[sc.Name]; ok && sc.KnownDiff == "" {
			c := *sc
			c.KnownDiff = id
			sc = &c
		}
		out[i] = sc
	}
	return out
}

// cleanupRule undoes a successful write under prefix.
type cleanupRule struct {
	prefix string
	undo   func(path string) Step
}

// RegisterCleanup makes every successful POST/PUT to a path starting with
// prefix undo itself after its scenario, with the step undo returns (run as
// root). E.g. RegisterCleanup("auth/token/roles/", func(p string) Step {
// return DELETE(p) }). Longest prefix wins.
func RegisterCleanup(prefix string, undo func(path string) Step) {
	regMu.Lock()
	defer regMu.Unlock()
	cleanups = append(cleanups, cleanupRule{prefix, undo})
	sort.SliceStable(cleanups, func(i, j int) bool { return len(cleanups[i].prefix) > len(cleanups[j].prefix) })
}

func cleanupFor(path string) (func(string) Step, bool) {
	regMu.Lock()
	defer regMu.Unlock()
	p, _, _ := strings.Cut(path, "?")
	for _, c := range cleanups {
		if strings.HasPrefix(p, c.prefix) {
			return c.undo, true
		}
	}
	return nil, false
}

// MaskKeys adds object keys whose values are compared by shape only (see
// conform.MaskKeys, which holds the suite's masked keys). Call from init.
func MaskKeys(keys ...string) { conform.MaskKeys(keys...) }

func init() {
	RegisterCleanup("auth/token/roles/", func(p string) Step { return DELETE(p) })
}

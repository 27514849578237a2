package mockvault

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Recording (Options.Record) keeps the exchanges a server served, so that
// they can be replayed against real Vault (`mockvault verify`, package
// conform) to check that the mock answered as Vault would have.
//
// The file is JSON (RecordingFormat), one object per step in the order the
// answers were given, keys sorted; docs/recording.md describes it. Secrets
// are kept only as references: the root token is {{root}}; a token,
// accessor, secret id, secret id accessor, role id, lease id or wrapping
// token an answer hands out becomes a variable ({{token:1}},
// {{accessor:1}}, {{secret_id:1}}, {{wrapping_token:1}}...) that the step's
// "saves" bind to where the answer carries it, so a replay against a server
// issuing other ids sends that server's ids. A token-shaped value the
// recording never saw handed out is {{unrecorded:N}}: the steps sending
// it cannot be replayed.

// RecordingFormat names the recording file format and its version.
const RecordingFormat = "mockvault-recording/1"

// Recording is a server's recorded traffic.
type Recording struct {
	Format string `json:"format"`
	// Vault is the Vault version the mock answers as.
	Vault string `json:"vault"`
	// Truncated says the recording stopped at MaxRecordedSteps.
	Truncated bool           `json:"truncated,omitempty"`
	Steps     []RecordedStep `json:"steps"`
}

// RecordedStep is one exchange, or an event that changed the server from
// outside Vault's API (Event).
type RecordedStep struct {
	// Event, when set, is no request: "reset", "restore", "seed" or
	// "seal" (a test control the replay cannot reproduce), or "unseal".
	Event string `json:"event,omitempty"`
	// Elapsed is how far the server's clock moved since the step before
	// (or since recording began), when it moved 1s or more: a test's
	// clock move, or real time passing ("1h0m0s"; negative when the clock
	// was set back).
	Elapsed string `json:"elapsed,omitempty"`
	Method  string `json:"method,omitempty"`
	// Path is relative to /v1/, with its query.
	Path string `json:"path,omitempty"`
	// Token is the caller's token: "{{root}}", a variable, or a literal
	// the server never issued ("bogus"); "" when none was sent.
	Token string `json:"token,omitempty"`
	// Headers are the request headers that change Vault's answer
	// (Content-Type other than JSON, X-Vault-Wrap-TTL...).
	Headers map[string]string `json:"headers,omitempty"`
	// Body is the JSON request body; BodyText a body that is not JSON.
	Body     any    `json:"body,omitempty"`
	BodyText string `json:"body_text,omitempty"`
	// Fault says an injected fault answered (FailNext): the request never
	// reached the mock's logic, so a replay skips it.
	Fault  string `json:"fault,omitempty"`
	Status int    `json:"status,omitempty"`
	// Answer is the JSON answer; AnswerText one that is not JSON.
	Answer     any    `json:"answer,omitempty"`
	AnswerText string `json:"answer_text,omitempty"`
	// Saves binds the variables this answer introduced to where it
	// carries them (dotted paths: "auth.client_token").
	Saves map[string]string `json:"saves,omitempty"`
}

// MaxRecordedSteps bounds a recording; past it the server stops recording
// and marks the recording Truncated.
const MaxRecordedSteps = maxLogged

// recordedHeaders are the request headers kept in a recording.
var recordedHeaders = []string{"Content-Type", "X-Vault-Wrap-TTL", "X-Vault-Wrap-Format", "X-Vault-Policy-Override", "X-Vault-Inconsistent"}

// secretKinds name the variable an answer's string gets by its key.
var secretKinds = map[string]string{
	"client_token": "token", "accessor": "accessor", "wrapped_accessor": "accessor",
	"secret_id": "secret_id", "secret_id_accessor": "secret_id_accessor",
	"role_id": "role_id", "lease_id": "lease_id",
}

// minSecretLength keeps short strings ("root", "default") out of the
// variables: a variable replaces every string equal to its value.
const minSecretLength = 8

// recorder is the recording state of a server (nil when not recording).
type recorder struct {
	mu        sync.Mutex
	steps     []RecordedStep
	truncated bool
	names     map[string]string // secret value -> variable name
	counts    map[string]int    // kind -> variables made
	last      time.Time         // server time of the last Elapsed
	root      string
}

func newRecorder(root string, now time.Time) *recorder {
	r := &recorder{root: root}
	r.clear(now)
	return r
}

func (r *recorder) clear(now time.Time) {
	r.steps, r.truncated = nil, false
	r.names = map[string]string{}
	r.counts = map[string]int{}
	if len(r.root) >= minSecretLength {
		r.names[r.root] = "root"
	}
	r.last = now
}

// capture is one request being recorded.
type capture struct {
	at     time.Time
	hr     *http.Request
	body   bytes.Buffer // the request body as the server read it
	answer bytes.Buffer
	fault  string
}

// beginRecord starts recording hr (s.rec is set): its body is copied as
// the server reads it.
func (s *Server) beginRecord(hr *http.Request) *capture {
	c := &capture{at: s.now(), hr: hr}
	if hr.Body != nil {
		hr.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(hr.Body, &c.body), hr.Body}
	}
	return c
}

// endRecord adds the exchange, once answered with status.
func (s *Server) endRecord(c *capture, status int) {
	hr := c.hr
	st := RecordedStep{Method: hr.Method, Path: strings.TrimPrefix(hr.URL.RequestURI(), "/v1/"), Token: callerToken(hr), Fault: c.fault, Status: status}
	for _, h := range recordedHeaders {
		if v := hr.Header.Get(h); v != "" && !(h == "Content-Type" && v == "application/json") {
			if st.Headers == nil {
				st.Headers = map[string]string{}
			}
			st.Headers[h] = v
		}
	}
	s.rec.add(st, c.body.Bytes(), c.answer.Bytes(), c.at)
}

// add appends st, made of what was sent and answered (its Path, Token and
// Headers as sent, the raw body and answer), with the secrets replaced:
// those known before the step in the request, and those the answer hands
// out, now bound in Saves, everywhere in the answer.
func (r *recorder) add(st RecordedStep, body, answer []byte, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.truncated {
		return
	}
	if len(r.steps) >= MaxRecordedSteps {
		r.truncated = true
		return
	}
	st.Elapsed = r.elapsed(at)
	st.Path = r.hide(st.Path)
	if st.Token != "" {
		st.Token = r.tokenRef(st.Token)
	}
	for k, v := range st.Headers {
		st.Headers[k] = r.hide(v)
	}
	st.Body, st.BodyText = r.decode(body, false)
	st.Answer, st.AnswerText = r.decode(answer, true)
	if st.Answer != nil {
		st.Saves = r.bind(st.Answer, nil, false, nil)
		st.Answer = r.replace(st.Answer)
	}
	r.steps = append(r.steps, st)
}

// event records a change made to the server outside Vault's API.
func (s *Server) recordEvent(name string) {
	if s.rec == nil {
		return
	}
	now := s.now()
	r := s.rec
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.truncated {
		r.steps = append(r.steps, RecordedStep{Event: name, Elapsed: r.elapsed(now)})
	}
}

// recordDirect records an operation done as root without HTTP (Server.Read,
// Write, SetPolicy) as the API call it stands for, so a replay makes it
// too: method, path, body, and the answer's status, data or auth.
func (s *Server) recordDirect(method, p string, data map[string]any, resp map[string]any, err error) {
	if s.rec == nil {
		return
	}
	st := RecordedStep{Method: method, Path: p, Token: s.opts.RootToken, Status: http.StatusOK}
	switch {
	case err != nil:
		st.Status, _ = statusOf(err)
		st.Answer = map[string]any{"errors": []any{errText(err)}}
	case resp == nil && method == http.MethodGet:
		st.Status = http.StatusNotFound
	case resp == nil:
		st.Status = http.StatusNoContent
	case resp["auth"] != nil:
		st.Answer = resp
	default:
		st.Answer = map[string]any{"data": resp}
	}
	// Through JSON: the recording holds copies, in JSON's types.
	var body, answer []byte
	if len(data) > 0 {
		body, _ = json.Marshal(data)
	}
	if st.Answer != nil {
		answer, _ = json.Marshal(st.Answer)
		st.Answer = nil
	}
	s.rec.add(st, body, answer, s.now())
}

// elapsed is the clock move since the last one noted, when it reaches 1s.
func (r *recorder) elapsed(now time.Time) string {
	d := now.Sub(r.last)
	if d > -time.Second && d < time.Second {
		return ""
	}
	r.last = now
	return d.Round(time.Millisecond).String()
}

// tokenRef is the caller's token as recorded: the root token and known
// secrets by name, a token-shaped unknown as {{unrecorded:N}}, anything
// else as sent (a test's "bogus").
func (r *recorder) tokenRef(tok string) string {
	if tok == r.root {
		return "{{root}}"
	}
	return r.hideString(tok)
}

// hideString is s with a secret replaced by its variable.
func (r *recorder) hideString(s string) string {
	if name, ok := r.names[s]; ok {
		return "{{" + name + "}}"
	}
	if looksLikeToken(s) {
		return "{{" + r.newName("unrecorded", s) + "}}"
	}
	return s
}

// hide replaces the secrets among the parts of a path, query or header
// value (between "/", "?", "&", "=" and ",").
func (r *recorder) hide(s string) string {
	var b strings.Builder
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && !strings.ContainsRune("/?&=,", rune(s[i])) {
			continue
		}
		b.WriteString(r.hideString(s[start:i]))
		if i < len(s) {
			b.WriteByte(s[i])
		}
		start = i + 1
	}
	return b.String()
}

func (r *recorder) newName(kind, value string) string {
	r.counts[kind]++
	name := fmt.Sprintf("%s:%d", kind, r.counts[kind])
	r.names[value] = name
	return name
}

// decode reads a body (DecodeBody), a request's with its secrets
// replaced.
func (r *recorder) decode(raw []byte, answer bool) (any, string) {
	v, text := DecodeBody(raw)
	if answer {
		return v, text
	}
	if v == nil {
		return nil, r.hide(text)
	}
	return r.replace(v), ""
}

// DecodeBody reads a body as one JSON value (numbers as json.Number) or,
// when it is not JSON, as text; a blank body is neither. Recordings and
// the comparison (package conform) read bodies alike with it.
func DecodeBody(raw []byte) (body any, text string) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 {
		return nil, ""
	}
	dec := json.NewDecoder(bytes.NewReader(t))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		return v, ""
	}
	if !utf8.Valid(raw) {
		// Binary (DER) bodies survive JSON recordings as base64.
		return nil, "base64:" + base64.StdEncoding.EncodeToString(raw)
	}
	return nil, string(raw)
}

// bind names the secrets an answer hands out, returning where they are
// (variable -> dotted path). Map keys are walked in order, so names are
// stable from run to run.
func (r *recorder) bind(v any, path []string, inWrap bool, saves map[string]string) map[string]string {
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			saves = r.bind(x[k], append(path[:len(path):len(path)], k), inWrap || k == "wrap_info", saves)
		}
	case []any:
		for i, c := range x {
			saves = r.bind(c, append(path[:len(path):len(path)], fmt.Sprint(i)), inWrap, saves)
		}
	case string:
		if len(x) < minSecretLength || x == r.root {
			return saves
		}
		if _, known := r.names[x]; known {
			return saves
		}
		kind := ""
		if len(path) > 0 {
			kind = secretKinds[path[len(path)-1]]
			if path[len(path)-1] == "token" && inWrap {
				kind = "wrapping_token"
			}
		}
		if kind == "" && looksLikeToken(x) {
			kind = "token"
		}
		if kind == "" {
			return saves
		}
		if saves == nil {
			saves = map[string]string{}
		}
		saves[r.newName(kind, x)] = strings.Join(path, ".")
	}
	return saves
}

// replace returns v with every string equal to a secret replaced by its
// variable (a request's token-shaped unknowns too).
func (r *recorder) replace(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			x[k] = r.replace(c)
		}
	case []any:
		for i, c := range x {
			x[i] = r.replace(c)
		}
	case string:
		return r.hideString(x)
	}
	return v
}

// Recording returns what the server recorded so far (Options.Record), or
// nil when it does not record.
func (s *Server) Recording() *Recording {
	if s.rec == nil {
		return nil
	}
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	steps := append([]RecordedStep(nil), s.rec.steps...)
	if steps == nil {
		steps = []RecordedStep{}
	}
	return &Recording{Format: RecordingFormat, Vault: s.version, Truncated: s.rec.truncated, Steps: steps}
}

// ClearRecording empties the recording and forgets its variables: tokens
// handed out before are {{unrecorded:N}} from then on.
func (s *Server) ClearRecording() {
	if s.rec == nil {
		return
	}
	now := s.now()
	s.rec.mu.Lock()
	s.rec.clear(now)
	s.rec.mu.Unlock()
}

// WriteTo writes the recording as indented JSON.
func (rec *Recording) WriteTo(w io.Writer) (int64, error) {
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return 0, err
	}
	n, err := w.Write(append(b, '\n'))
	return int64(n), err
}

// ReadRecording reads a recording written by WriteTo.
func ReadRecording(rd io.Reader) (*Recording, error) {
	dec := json.NewDecoder(rd)
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var rec Recording
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("reading recording: %w", err)
	}
	if rec.Format != RecordingFormat {
		return nil, fmt.Errorf("reading recording: format %q, want %q", rec.Format, RecordingFormat)
	}
	return &rec, nil
}

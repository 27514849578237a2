package mockvault

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"
)

// adminPrefix is reserved for mockvault's control routes (never a Vault
// path). They exist only with Options.AdminRoutes, and take the admin
// token, JSON bodies and no cross-origin request (adminRefusal):
//
//	POST   faults    {"method","path","count","status","errors","latency","sealed","drop"} -> 204 (FailNext)
//	DELETE faults    -> 204 (ClearFaults)
//	POST   seal      -> 204; POST unseal -> 204
//	GET    clock     -> {"now": time}
//	POST   clock     {"advance": duration, "set": time} -> {"now": time} (advance, then set)
//	POST   reset     -> 204
//	GET    requests  -> {"requests": [{"method","path","operation","accessor","token_type","root","status","time"}]}
//	DELETE requests  -> 204
//	GET    recording -> the recording (Options.Record, -record FILE; see record.go)
//	DELETE recording -> 204: empty it, forget its variables
//	GET    tokens    -> {"tokens": [{"accessor","parent_accessor","policies","path","role","meta","orphan","renewable","num_uses","period","ttl","expire_time"}]}
const adminPrefix = "/_mockvault/"

// The admin routes speak one JSON style: snake_case keys; durations read
// as Vault reads them (a string such as "15m" or "250ms", or a number of
// seconds) and written as Vault writes them (whole seconds); times in RFC
// 3339 with nanoseconds, UTC, null when there is none. Errors come in
// Vault's body, {"errors": [...]}, with status 400. Unknown keys are
// refused, so a typo does not pass silently.

// adminFault is the JSON form of a Fault.
type adminFault struct {
	Method  string   `json:"method"`
	Path    string   `json:"path"`
	Count   int      `json:"count"`
	Status  int      `json:"status"`
	Errors  []string `json:"errors"`
	Latency any      `json:"latency"` // "250ms" or seconds
	Sealed  bool     `json:"sealed"`
	Drop    bool     `json:"drop"`
}

// adminDuration reads a duration as Vault does: a string ("15m", "250ms",
// "90") or a number of seconds; nil is zero.
func adminDuration(v any, what string) (time.Duration, error) {
	if v == nil {
		return 0, nil
	}
	if n, ok := v.(json.Number); ok {
		v = n.String()
	}
	d, err := parseDurationAny(v)
	if err != nil {
		return 0, fmt.Errorf("invalid %s: %v", what, err)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid %s: must not be negative", what)
	}
	return d, nil
}

func (s *Server) adminRouter() *mux.Router {
	r := mux.NewRouter()
	route := func(method, name string, h adminHandler) {
		r.HandleFunc(adminPrefix+name, h.ServeHTTP).Methods(method)
	}
	do := func(act func()) adminHandler {
		return func(*http.Request) (any, error) { act(); return nil, nil }
	}
	clock := func() (any, error) { return map[string]any{"now": fmtTime(s.now())}, nil }

	route(http.MethodPost, "faults", func(hr *http.Request) (any, error) {
		var f adminFault
		if err := adminDecode(hr, &f, "fault"); err != nil {
			return nil, err
		}
		lat, err := adminDuration(f.Latency, "latency")
		if err != nil {
			return nil, err
		}
		s.FailNext(Fault{Method: f.Method, Path: f.Path, Count: f.Count, Status: f.Status, Errors: f.Errors, Latency: lat, Sealed: f.Sealed, Drop: f.Drop})
		return nil, nil
	})
	route(http.MethodDelete, "faults", do(s.ClearFaults))
	route(http.MethodPost, "seal", do(s.Seal))
	route(http.MethodPost, "unseal", do(s.Unseal))
	route(http.MethodGet, "clock", func(*http.Request) (any, error) { return clock() })
	route(http.MethodPost, "clock", func(hr *http.Request) (any, error) {
		var body struct {
			Advance any    `json:"advance"` // "15m" or seconds
			Set     string `json:"set"`     // RFC 3339
		}
		if err := adminDecode(hr, &body, "body"); err != nil {
			return nil, err
		}
		if body.Advance == nil && body.Set == "" {
			return clock()
		}
		mc, ok := s.clock.(*ManualClock)
		if !ok {
			return nil, errors.New("the server runs on the wall clock; start it with -manual-clock")
		}
		d, err := adminDuration(body.Advance, "advance")
		if err != nil {
			return nil, err
		}
		var t time.Time
		if body.Set != "" {
			if t, err = time.Parse(time.RFC3339Nano, body.Set); err != nil {
				return nil, fmt.Errorf("invalid set: %v", err)
			}
		}
		mc.Advance(d)
		if body.Set != "" {
			if err := mc.set(t); err != nil {
				return nil, fmt.Errorf("invalid set: %v", err)
			}
		}
		return clock()
	})
	route(http.MethodPost, "reset", do(s.Reset))
	route(http.MethodGet, "requests", func(*http.Request) (any, error) {
		reqs := s.Requests()
		if reqs == nil {
			reqs = []LoggedRequest{}
		}
		return map[string]any{"requests": reqs}, nil
	})
	route(http.MethodDelete, "requests", do(s.ClearRequests))
	route(http.MethodGet, "recording", func(*http.Request) (any, error) {
		if rec := s.Recording(); rec != nil {
			return rec, nil
		}
		return nil, errNotRecording
	})
	route(http.MethodDelete, "recording", func(*http.Request) (any, error) {
		if s.rec == nil {
			return nil, errNotRecording
		}
		s.ClearRecording()
		return nil, nil
	})
	route(http.MethodGet, "tokens", func(*http.Request) (any, error) {
		toks := s.Tokens()
		for i := range toks {
			toks[i].ID = "" // the admin API never hands out secrets
		}
		return map[string]any{"tokens": toks}, nil
	})
	return r
}

var errNotRecording = errors.New("the server does not record: start it with -record FILE (Options.Record)")

// adminHandler is an admin route's logic; ServeHTTP answers for it: 400
// with the error's text, 204 when there is no result, else 200 with the
// result as JSON. The request body is limited to 1 MiB.
type adminHandler func(hr *http.Request) (any, error)

func (h adminHandler) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	hr.Body = http.MaxBytesReader(w, hr.Body, 1<<20)
	res, err := h(hr)
	switch {
	case err != nil:
		writeErrors(w, http.StatusBadRequest, []string{err.Error()})
	case res == nil:
		w.WriteHeader(http.StatusNoContent)
	default:
		writeJSON(w, http.StatusOK, res)
	}
}

// adminDecode reads the JSON request body into v (an empty body leaves v
// as it is); unknown keys are refused; numbers stay json.Number. The error
// says "invalid <what>: ...".
func adminDecode(hr *http.Request, v any, what string) error {
	dec := json.NewDecoder(hr.Body)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("invalid %s: %v", what, err)
	}
	return nil
}

func (s *Server) serveAdmin(w http.ResponseWriter, hr *http.Request) {
	if code, msg := s.adminRefusal(hr); code != 0 {
		writeErrors(w, code, []string{msg})
		return
	}
	s.adminOnce.Do(func() { s.admin = s.adminRouter() })
	s.admin.ServeHTTP(w, hr)
}

// adminRefusal says why hr may not reach the admin routes (a status and
// a message), or returns 0. A web page the developer visits can send a
// cross-origin "simple" request (a text/plain POST, no custom header) to
// a loopback server without any preflight, so the routes take:
//
//   - no request a browser marks as cross-origin: an Origin other than the
//     server's own (scheme and host), "null" included, or a Sec-Fetch-Site
//     other than same-origin or none: 403;
//   - only the admin token (Options.AdminToken) or, without one, the root
//     token's id (Options.RootToken, which keeps working after the token
//     is revoked), in X-Vault-Token or Authorization: Bearer, compared in
//     constant time; a browser cannot send either header cross-origin
//     without a preflight the server never answers: 403;
//   - a body only as JSON (Content-Type application/json): 415.
func (s *Server) adminRefusal(hr *http.Request) (int, string) {
	if !adminSameOrigin(hr) {
		return http.StatusForbidden, "permission denied: the admin routes refuse cross-origin requests"
	}
	want := s.opts.AdminToken
	if want == "" {
		want = s.opts.RootToken
	}
	got := callerToken(hr)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return http.StatusForbidden, "permission denied: the admin routes need the admin token (the root token unless -admin-token is set) in X-Vault-Token"
	}
	if hr.ContentLength != 0 { // a body, or one of unknown length
		if mt, _, err := mime.ParseMediaType(hr.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return http.StatusUnsupportedMediaType, "the admin routes take JSON bodies only: send Content-Type: application/json"
		}
	}
	return 0, ""
}

// adminSameOrigin is false for a request a browser sent from a page of
// another origin. Clients that are not browsers send neither header.
func adminSameOrigin(hr *http.Request) bool {
	switch hr.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := hr.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil {
		return false
	}
	scheme := "http"
	if hr.TLS != nil {
		scheme = "https"
	}
	return u.Host != "" && strings.EqualFold(u.Scheme, scheme) && strings.EqualFold(u.Host, hr.Host)
}

// TokenInfo describes a live service token for inspection. In JSON (the
// admin route GET /_mockvault/tokens) Period and TTL are whole seconds and
// a zero ExpireTime is null, as in Vault's token lookup.
type TokenInfo struct {
	// ID is the token itself: a live credential (the root token's too),
	// usable against the server for as long as the token lives. Keep it out
	// of logs and failure messages; Accessor names a token safely. The
	// admin route leaves it out.
	ID             string            `json:"id,omitempty"`
	Accessor       string            `json:"accessor"`
	ParentAccessor string            `json:"parent_accessor"`
	Policies       []string          `json:"policies"`
	Path           string            `json:"path"`
	Role           string            `json:"role,omitempty"`
	Meta           map[string]string `json:"meta,omitempty"`
	Orphan         bool              `json:"orphan"`
	Renewable      bool              `json:"renewable"`
	NumUses        int               `json:"num_uses"`
	Period         time.Duration     `json:"period"`
	TTL            time.Duration     `json:"ttl"` // remaining; 0 never expires
	ExpireTime     time.Time         `json:"expire_time"`
}

// MarshalJSON writes the token as the admin route does: durations in whole
// seconds, a zero ExpireTime as null.
func (ti TokenInfo) MarshalJSON() ([]byte, error) {
	type plain TokenInfo
	out := struct {
		plain
		Period     int64   `json:"period"`
		TTL        int64   `json:"ttl"`
		ExpireTime *string `json:"expire_time"`
	}{plain: plain(ti), Period: int64(ti.Period / time.Second), TTL: int64(ti.TTL.Round(time.Second) / time.Second)}
	if !ti.ExpireTime.IsZero() {
		et := fmtTime(ti.ExpireTime)
		out.ExpireTime = &et
	}
	return json.Marshal(out)
}

// Tokens lists the live service tokens (batch tokens are not stored, as in
// Vault), sorted by accessor. Each ID is a live token, the root token's
// included: treat the list as a secret.
func (s *Server) Tokens() []TokenInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var out []TokenInfo
	for _, te := range s.tokens.all() {
		if te.NumUses == -1 || !s.alive(te, now) {
			continue
		}
		ti := TokenInfo{ID: te.ID, Accessor: te.Accessor, Policies: append([]string(nil), te.Policies...),
			Path: te.Path, Role: te.Role, Meta: te.Meta, Orphan: te.isOrphan(), Renewable: te.Renewable && !te.ExpireTime.IsZero(),
			NumUses: te.NumUses, Period: te.Period, ExpireTime: te.ExpireTime}
		if !te.ExpireTime.IsZero() {
			ti.TTL = te.ExpireTime.Sub(now)
		}
		if p := s.tokens.get(te.Parent); p != nil {
			ti.ParentAccessor = p.Accessor
		}
		out = append(out, ti)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Accessor < out[j].Accessor })
	return out
}

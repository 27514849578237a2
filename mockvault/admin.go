package mockvault

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/gorilla/mux"
)

// adminPrefix is reserved for mockvault's control routes (never a Vault
// path). They exist only with Options.AdminRoutes.
const adminPrefix = "/_mockvault/"

// adminFault is the JSON form of a Fault (durations as strings).
type adminFault struct {
	Method  string   `json:"method"`
	Path    string   `json:"path"`
	Count   int      `json:"count"`
	Status  int      `json:"status"`
	Errors  []string `json:"errors"`
	Latency string   `json:"latency"`
	Sealed  bool     `json:"sealed"`
	Drop    bool     `json:"drop"`
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
		var lat time.Duration
		if f.Latency != "" {
			d, err := time.ParseDuration(f.Latency)
			if err != nil {
				return nil, fmt.Errorf("invalid latency: %w", err)
			}
			lat = d
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
			Advance string `json:"advance"`
			Set     string `json:"set"`
		}
		if err := adminDecode(hr, &body, "body"); err != nil {
			return nil, err
		}
		mc, ok := s.clock.(*ManualClock)
		if !ok {
			return nil, errors.New("the server runs on the wall clock; start it with -manual-clock")
		}
		if body.Advance != "" {
			d, err := time.ParseDuration(body.Advance)
			if err != nil {
				return nil, fmt.Errorf("invalid advance: %w", err)
			}
			mc.Advance(d)
		}
		if body.Set != "" {
			t, err := time.Parse(time.RFC3339Nano, body.Set)
			if err != nil {
				return nil, fmt.Errorf("invalid set: %w", err)
			}
			mc.Set(t)
		}
		return clock()
	})
	route(http.MethodPost, "reset", do(s.Reset))
	route(http.MethodGet, "requests", func(*http.Request) (any, error) {
		return map[string]any{"requests": s.Requests()}, nil
	})
	route(http.MethodDelete, "requests", do(s.ClearRequests))
	route(http.MethodGet, "tokens", func(*http.Request) (any, error) {
		toks := s.Tokens()
		for i := range toks {
			toks[i].ID = "" // the admin API never hands out secrets
		}
		return map[string]any{"tokens": toks}, nil
	})
	return r
}

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

// adminDecode reads the JSON request body into v; the error says "invalid
// <what>: ...".
func adminDecode(hr *http.Request, v any, what string) error {
	if err := json.NewDecoder(hr.Body).Decode(v); err != nil {
		return fmt.Errorf("invalid %s: %w", what, err)
	}
	return nil
}

func (s *Server) serveAdmin(w http.ResponseWriter, hr *http.Request) {
	s.adminOnce.Do(func() { s.admin = s.adminRouter() })
	s.admin.ServeHTTP(w, hr)
}

// TokenInfo describes a live service token for inspection.
type TokenInfo struct {
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

// Tokens lists the live service tokens (batch tokens are not stored, as in
// Vault), sorted by accessor.
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

package mockvault

import (
	"encoding/json"
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
	r.HandleFunc(adminPrefix+"faults", func(w http.ResponseWriter, hr *http.Request) {
		var f adminFault
		if err := json.NewDecoder(http.MaxBytesReader(w, hr.Body, 1<<20)).Decode(&f); err != nil {
			writeErrors(w, http.StatusBadRequest, []string{"invalid fault: " + err.Error()})
			return
		}
		var lat time.Duration
		if f.Latency != "" {
			d, err := time.ParseDuration(f.Latency)
			if err != nil {
				writeErrors(w, http.StatusBadRequest, []string{"invalid latency: " + err.Error()})
				return
			}
			lat = d
		}
		s.FailNext(Fault{Method: f.Method, Path: f.Path, Count: f.Count, Status: f.Status, Errors: f.Errors, Latency: lat, Sealed: f.Sealed, Drop: f.Drop})
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodPost)
	r.HandleFunc(adminPrefix+"faults", func(w http.ResponseWriter, hr *http.Request) {
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodDelete)
	r.HandleFunc(adminPrefix+"seal", func(w http.ResponseWriter, hr *http.Request) {
		s.Seal()
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodPost)
	r.HandleFunc(adminPrefix+"unseal", func(w http.ResponseWriter, hr *http.Request) {
		s.Unseal()
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodPost)
	r.HandleFunc(adminPrefix+"clock", func(w http.ResponseWriter, hr *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"now": fmtTime(s.now())})
	}).Methods(http.MethodGet)
	r.HandleFunc(adminPrefix+"clock", func(w http.ResponseWriter, hr *http.Request) {
		var body struct {
			Advance string `json:"advance"`
			Set     string `json:"set"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, hr.Body, 1<<20)).Decode(&body); err != nil {
			writeErrors(w, http.StatusBadRequest, []string{"invalid body: " + err.Error()})
			return
		}
		mc, ok := s.clock.(*ManualClock)
		if !ok {
			writeErrors(w, http.StatusBadRequest, []string{"the server runs on the wall clock; start it with -manual-clock"})
			return
		}
		if body.Advance != "" {
			d, err := time.ParseDuration(body.Advance)
			if err != nil {
				writeErrors(w, http.StatusBadRequest, []string{"invalid advance: " + err.Error()})
				return
			}
			mc.Advance(d)
		}
		if body.Set != "" {
			t, err := time.Parse(time.RFC3339Nano, body.Set)
			if err != nil {
				writeErrors(w, http.StatusBadRequest, []string{"invalid set: " + err.Error()})
				return
			}
			mc.Set(t)
		}
		writeJSON(w, http.StatusOK, map[string]any{"now": fmtTime(s.now())})
	}).Methods(http.MethodPost)
	r.HandleFunc(adminPrefix+"reset", func(w http.ResponseWriter, hr *http.Request) {
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodPost)
	r.HandleFunc(adminPrefix+"requests", func(w http.ResponseWriter, hr *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"requests": s.Requests()})
	}).Methods(http.MethodGet)
	r.HandleFunc(adminPrefix+"requests", func(w http.ResponseWriter, hr *http.Request) {
		s.ClearRequests()
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodDelete)
	r.HandleFunc(adminPrefix+"tokens", func(w http.ResponseWriter, hr *http.Request) {
		toks := s.Tokens()
		for i := range toks {
			toks[i].ID = "" // the admin API never hands out secrets
		}
		writeJSON(w, http.StatusOK, map[string]any{"tokens": toks})
	}).Methods(http.MethodGet)
	return r
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

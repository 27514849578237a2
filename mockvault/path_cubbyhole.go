package mockvault

import (
	"net/http"
	"sort"
	"strings"
)

// cubbyholeEngine serves cubbyhole/: a private KV space per service token,
// destroyed with the token. Batch tokens have none.
func cubbyholeEngine() *engine {
	return &engine{
		typ: "cubbyhole", routes: func(s *Server, _ *mount) *backend { return s.cubbyholeBackend() },
		state: func(*Server) engineState { return cubbyholes{} },
		dev:   []mount{{path: "cubbyhole/", typ: "cubbyhole", description: "per-token private secret storage", local: true}},
	}
}

// cubbyholes are the cubbyholes of all tokens, by token id, then key.
type cubbyholes map[string]map[string]map[string]any

func (c cubbyholes) cloneState() engineState {
	out := make(cubbyholes, len(c))
	for id, box := range c {
		cc := make(map[string]map[string]any, len(box))
		for k, v := range box {
			cc[k] = copyMap(v)
		}
		out[id] = cc
	}
	return out
}

// cubbyholes returns every token's cubbyhole.
func (s *Server) cubbyholes() cubbyholes {
	return s.stateOf(s.mounts["cubbyhole/"]).(cubbyholes)
}

func (s *Server) cubbyholeBackend() *backend {
	return newBackend([]*path{
		{pattern: "{path:.*}", exists: s.cubbyExists, ops: map[op]handlerFunc{
			opRead: s.cubbyRead, opList: s.cubbyList, opCreate: s.cubbyWrite,
			opUpdate: s.cubbyWrite, opDelete: s.cubbyDelete,
		}},
	})
}

// cubby returns the caller's cubbyhole, made on first write only.
func (s *Server) cubby(req *request) (map[string]map[string]any, error) {
	atMountRoot(req)
	if req.te.Type == tokenTypeBatch {
		return nil, errCubbyBatch
	}
	if strings.Contains(req.rel, "..") {
		// Vault's storage refuses relative keys: a write meets it in its
		// existence check (an internal error there), the others say so.
		switch req.op {
		case opRead:
			return nil, multiErr(http.StatusBadRequest, "read failed: relative paths not supported")
		case opList, opDelete:
			return nil, errRelativePath
		}
		return nil, multiErr(http.StatusInternalServerError, "internal error")
	}
	c := s.cubbyholes()[req.te.ID]
	if c == nil && req.op != opCreate && req.op != opUpdate {
		return map[string]map[string]any{}, nil
	}
	if c == nil {
		c = map[string]map[string]any{}
		s.cubbyholes()[req.te.ID] = c
	}
	return c, nil
}

// errCubbyBatch refuses a batch token, which has no cubbyhole.
var errCubbyBatch = badRequest("cubbyhole operations are only supported by \"service\" type tokens")

func (s *Server) cubbyExists(req *request, d *fieldData) (bool, error) {
	if req.te == nil {
		return false, nil
	}
	atMountRoot(req)
	if req.te.Type == tokenTypeBatch {
		// Vault's router refuses a batch token inside the existence check
		// of a write, so the refusal comes before the ACL's verdict.
		return false, errCubbyBatch
	}
	if strings.Contains(req.rel, "..") {
		return false, multiErr(http.StatusInternalServerError, "internal error")
	}
	_, ok := s.cubbyholes()[req.te.ID][req.rel]
	return ok, nil
}

func (s *Server) cubbyRead(req *request, d *fieldData) (*response, error) {
	c, err := s.cubby(req)
	if err != nil {
		return nil, err
	}
	if req.rel == "" {
		return nil, multiErr(http.StatusInternalServerError, "missing path")
	}
	v, ok := c[req.rel]
	if !ok {
		return nil, nil
	}
	return dataResp(copyMap(v)), nil
}

func (s *Server) cubbyWrite(req *request, d *fieldData) (*response, error) {
	c, err := s.cubby(req)
	if err != nil {
		return nil, err
	}
	// Vault's cubbyhole looks at the data first, then the path; both
	// failures are internal errors there.
	if len(req.data) == 0 {
		return nil, multiErr(500, "missing data fields")
	}
	if req.rel == "" {
		return nil, multiErr(http.StatusInternalServerError, "missing path")
	}
	c[req.rel] = copyMap(req.data)
	return nil, nil
}

func (s *Server) cubbyDelete(req *request, d *fieldData) (*response, error) {
	c, err := s.cubby(req)
	if err != nil {
		return nil, err
	}
	delete(c, req.rel)
	return nil, nil
}

func (s *Server) cubbyList(req *request, d *fieldData) (*response, error) {
	c, err := s.cubby(req)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var keys []string
	for k := range c {
		if !strings.HasPrefix(k, req.rel) {
			continue
		}
		rest := strings.TrimPrefix(k, req.rel)
		if i := strings.Index(rest, "/"); i >= 0 {
			rest = rest[:i+1]
		}
		if !seen[rest] {
			seen[rest] = true
			keys = append(keys, rest)
		}
	}
	sort.Strings(keys)
	return listResp(keys), nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

package mockvault

import (
	"encoding/json"
	"net/http"
	"time"
)

// Response wrapping: X-Vault-Wrap-TTL on any response, and sys/wrapping/
// wrap, unwrap, lookup and rewrap. A wrapping token is a real service
// token (policy response-wrapping, one use, TTL = explicit max TTL, no
// parent) whose cubbyhole holds the wrapped response, as in Vault; it
// expires on the server clock and dies on first unwrap.
func (s *Server) sysWrappingPaths() []*path {
	tok := fields{"token": tString}
	return []*path{
		{pattern: "wrapping/wrap", ops: map[op]handlerFunc{opUpdate: s.wrappingWrap}},
		// unwrap and rewrap validate the wrapping token before the
		// caller's token, as Vault does, so they authenticate themselves.
		{pattern: "wrapping/unwrap", fields: tok, unauthenticated: true, ops: map[op]handlerFunc{opUpdate: s.wrappingUnwrap}},
		{pattern: "wrapping/lookup", fields: tok, unauthenticated: true, ops: map[op]handlerFunc{opUpdate: s.wrappingLookup, opRead: s.wrappingLookup}},
		{pattern: "wrapping/rewrap", fields: tok, unauthenticated: true, ops: map[op]handlerFunc{opUpdate: s.wrappingRewrap}},
	}
}

// wrapResponse replaces resp with a response-wrapping token (any request
// sent with X-Vault-Wrap-TTL).
func (s *Server) wrapResponse(req *request, resp *response) (*response, error) {
	return s.wrap(req, resp, req.wrapTTL, "", "")
}

// takesArbitraryInput marks every request parameter as known, so no
// "ignored parameters" warning is added (Vault's TakesArbitraryInput).
func takesArbitraryInput(d *fieldData) {
	schema := fields{}
	for k, t := range d.schema {
		schema[k] = t
	}
	for k := range d.raw {
		if _, ok := schema[k]; !ok {
			schema[k] = tMap
		}
	}
	d.schema = schema
}

const (
	cubbyWrapResponse = "response"
	cubbyWrapInfo     = "wrapinfo"
)

// wrap stores resp in the cubbyhole of a new wrapping token and answers
// the wrap_info instead. stored, when set, is an already rendered
// response (rewrap); creationPath overrides the request path.
func (s *Server) wrap(req *request, resp *response, ttl time.Duration, stored, creationPath string) (*response, error) {
	if req.op == opList {
		if resp == nil || (len(resp.data) == 0 && len(resp.warnings) == 0) {
			return nil, errUnsupportedPath
		}
		if k, ok := resp.data["keys"]; !ok || k == nil {
			if len(resp.data) == 0 && len(resp.warnings) == 0 {
				return nil, errUnsupportedPath
			}
		} else if ks, ok := k.([]string); !ok || len(ks) == 0 {
			return nil, errUnsupportedPath
		}
	}
	if creationPath == "" {
		creationPath = req.path
	}
	te := &tokenEntry{
		Path: req.path, Policies: []string{responseWrappingPolicyName}, CreationTime: req.now,
		TTL: ttl, NumUses: 1, ExplicitMaxTTL: ttl, Type: tokenTypeService, leaseTTL: ttl, maxTTL: ttl,
	}
	if err := s.storeNewToken(te); err != nil {
		return nil, err
	}
	if stored == "" {
		env := envelope{
			RequestID: newUUID(), LeaseID: resp.leaseID, Renewable: resp.renewable,
			LeaseDuration: resp.leaseDuration, Data: resp.data, Warnings: resp.warnings,
			Auth: resp.auth, MountType: wrappedMountType(req, resp),
		}
		b, err := json.Marshal(env)
		if err != nil {
			s.revokeOne(te)
			return nil, multiErr(500, "internal error")
		}
		stored = string(b)
	}
	s.cubbyholes()[te.ID] = map[string]map[string]any{
		cubbyWrapResponse: {"response": stored},
		cubbyWrapInfo: {
			"creation_ttl": json.Number(jsonInt(int64(ttl))), "creation_time": fmtTime(req.now),
			"creation_path": creationPath,
		},
	}
	wi := &wrapInfo{Token: te.ID, Accessor: te.Accessor, TTL: int(ttl / time.Second), CreationTime: fmtTime(req.now)}
	if req.path != "sys/wrapping/rewrap" {
		wi.CreationPath = req.path
	} else {
		wi.CreationPath = creationPath
	}
	if resp != nil && resp.auth != nil {
		wi.WrappedAccessor = resp.auth.Accessor
	} else if resp != nil && req.mount.typ == "approle" {
		if acc, ok := resp.data["secret_id_accessor"].(string); ok {
			wi.WrappedAccessor = acc
		}
	}
	return &response{wrapInfo: wi}, nil
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// wrappingToken returns the live wrapping token with id, or nil.
func (s *Server) wrappingToken(id string) *tokenEntry {
	te := s.tokens.get(id)
	if te == nil || te.NumUses == -1 || !s.alive(te, s.now()) {
		return nil
	}
	if len(te.Policies) != 1 || (te.Policies[0] != responseWrappingPolicyName && te.Policies[0] != controlGroupPolicyName) {
		return nil
	}
	return te
}

var errInvalidWrappingToken = errCode(http.StatusBadRequest, "wrapping token is not valid or does not exist")

// validateWrapping is Vault's check of the wrapping token of unwrap,
// lookup and rewrap, made before the caller is authenticated. It returns
// the wrapping token and whether it came in the body (a third party).
func (s *Server) validateWrapping(req *request) (*tokenEntry, bool, error) {
	token := req.token
	third := false
	if raw, ok := req.data["token"]; ok && raw != nil {
		third = true
		str, ok := raw.(string)
		switch {
		case !ok:
			return nil, true, errCode(http.StatusForbidden, "error validating wrapping token: could not decode token in request body")
		case str == "":
			return nil, true, errCode(http.StatusForbidden, "error validating wrapping token: empty token in request body")
		}
		token = str
	}
	if token == "" {
		return nil, third, errCode(http.StatusForbidden, "error validating wrapping token: token is empty")
	}
	te := s.wrappingToken(token)
	if te == nil {
		return nil, third, errInvalidWrappingToken
	}
	return te, third, nil
}

// authorizeSelf authenticates and authorises the caller of a path that
// had to validate its input first; the use it spends is settled by the
// request pipeline after the handler.
func (s *Server) authorizeSelf(req *request) error {
	te, err := s.authenticate(req)
	if err != nil {
		return err
	}
	s.useToken(te)
	req.te = te
	return s.checkACL(req, te)
}

func (s *Server) wrappingWrap(req *request, d *fieldData) (*response, error) {
	takesArbitraryInput(d)
	if req.wrapTTL == 0 {
		return nil, badRequest("endpoint requires response wrapping to be used")
	}
	return dataResp(copyMap(req.data)), nil
}

func (s *Server) wrappingUnwrap(req *request, d *fieldData) (*response, error) {
	wte, third, err := s.validateWrapping(req)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeSelf(req); err != nil {
		return nil, err
	}
	stored, _ := s.cubbyholes()[wte.ID][cubbyWrapResponse]["response"].(string)
	if third {
		s.revokeTree(wte)
	}
	if stored == "" {
		return &response{raw: json.RawMessage{}, status: http.StatusNoContent}, nil
	}
	return &response{raw: json.RawMessage(stored)}, nil
}

func (s *Server) wrappingLookup(req *request, d *fieldData) (*response, error) {
	wte, _, err := s.validateWrapping(req)
	if err != nil {
		return nil, err
	}
	info := s.cubbyholes()[wte.ID][cubbyWrapInfo]
	if info == nil {
		return nil, badRequest("no information found; wrapping token may be from a previous Vault version")
	}
	data := map[string]any{}
	if n, ok := info["creation_ttl"].(json.Number); ok {
		ns, _ := n.Int64()
		data["creation_ttl"] = time.Duration(ns).Seconds()
	}
	if v := info["creation_time"]; v != nil {
		data["creation_time"] = v
	}
	if v := info["creation_path"]; v != nil {
		data["creation_path"] = v
	}
	return &response{data: data, noMountType: true}, nil
}

func (s *Server) wrappingRewrap(req *request, d *fieldData) (*response, error) {
	wte, third, err := s.validateWrapping(req)
	if err != nil {
		return nil, err
	}
	if err := s.authorizeSelf(req); err != nil {
		return nil, err
	}
	cubby := s.cubbyholes()[wte.ID]
	info, stored := cubby[cubbyWrapInfo], cubby[cubbyWrapResponse]
	if third {
		// Vault destroys the old token but leaves its lease listed until
		// its TTL runs out.
		s.danglingLeases()[s.tokenLeaseID(wte)] = wte
		s.pruneDanglingLeases(req.now)
		s.revokeTree(wte)
	}
	if info == nil || stored == nil {
		return nil, badRequest("no information found; wrapping token may be from a previous Vault version")
	}
	n, _ := info["creation_ttl"].(json.Number)
	ns, _ := n.Int64()
	ttl := time.Duration(ns)
	if req.wrapTTL > 0 && req.wrapTTL < ttl {
		ttl = req.wrapTTL
	}
	path, _ := info["creation_path"].(string)
	body, _ := stored["response"].(string)
	return s.wrap(req, &response{}, ttl, body, path)
}

// wrappedMountType is the mount_type kept in a wrapped response: none for
// answers that have none (logins), as in Vault.
func wrappedMountType(req *request, resp *response) string {
	if resp.noMountType {
		return ""
	}
	return req.mount.typ
}

// pruneDanglingLeases drops the dangling leases that have run out, each
// time their number reaches a power of two (from 64): they are also
// dropped when leases are listed, but a client that only rewraps would
// otherwise pile them up. Amortised, it costs a few map reads a rewrap.
func (s *Server) pruneDanglingLeases(now time.Time) {
	m := s.danglingLeases()
	if n := len(m); n < 64 || n&(n-1) != 0 {
		return
	}
	for id, te := range m {
		if te.expired(now) {
			delete(m, id)
		}
	}
}

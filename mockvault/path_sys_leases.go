package mockvault

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Leases: sys/leases/lookup, renew, revoke, revoke-prefix and the older
// sys/renew and sys/revoke. The mock issues no dynamic secrets, so its
// leases are those of service tokens: as in Vault, a token's lease id is
// its creation path and its salted id ("auth/token/create/h6e1…"), and
// revoking the lease revokes the token and its children.
func (s *Server) sysLeasePaths() []*path {
	lease := fields{"lease_id": tString, "url_lease_id": tString}
	renew := fields{"lease_id": tString, "url_lease_id": tString, "increment": tDuration}
	revoke := fields{"lease_id": tString, "url_lease_id": tString, "sync": tBool}
	prefix := fields{"prefix": tString, "sync": tBool}
	ro := map[op]handlerFunc{opUpdate: s.leaseRenew}
	rv := map[op]handlerFunc{opUpdate: s.leaseRevoke}
	rp := map[op]handlerFunc{opUpdate: s.leaseRevokePrefix}
	return []*path{
		{pattern: "leases/lookup", fields: lease, ops: map[op]handlerFunc{opUpdate: s.leaseLookup}},
		{pattern: "leases/lookup/{prefix:.*}", fields: fields{"prefix": tString}, ops: map[op]handlerFunc{opList: s.leaseList}},
		{pattern: "leases/renew", fields: renew, ops: ro},
		{pattern: "leases/renew/{url_lease_id:.+}", fields: renew, ops: ro},
		{pattern: "renew", fields: renew, ops: ro},
		{pattern: "renew/{url_lease_id:.+}", fields: renew, ops: ro},
		{pattern: "leases/revoke", fields: revoke, ops: rv},
		{pattern: "leases/revoke/{url_lease_id:.+}", fields: revoke, ops: rv},
		{pattern: "revoke", fields: revoke, ops: rv},
		{pattern: "revoke/{url_lease_id:.+}", fields: revoke, ops: rv},
		{pattern: "leases/revoke-prefix/{prefix:.+}", fields: prefix, ops: rp},
		{pattern: "revoke-prefix/{prefix:.+}", fields: prefix, ops: rp},
	}
}

// saltedTokenID is how Vault's token store salts ids for lease ids: an
// HMAC-SHA256 ("h" + hex) for tokens with a prefix, SHA1 for bare ids.
func (s *Server) saltedTokenID(id string) string {
	mac := hmac.New(sha256.New, s.batchKey)
	mac.Write([]byte("mockvault-lease-salt"))
	salt := mac.Sum(nil)
	if strings.Contains(id, ".") {
		m := hmac.New(sha256.New, salt)
		m.Write([]byte(id))
		return "h" + hex.EncodeToString(m.Sum(nil))
	}
	sum := sha1.Sum(append([]byte(hex.EncodeToString(salt)), id...))
	return hex.EncodeToString(sum[:])
}

// tokenLeaseID is the id of a service token's lease.
func (s *Server) tokenLeaseID(te *tokenEntry) string {
	return strings.TrimSuffix(te.Path, "/") + "/" + s.saltedTokenID(te.ID)
}

// leases lists the live token leases by id.
func (s *Server) leases(now time.Time) map[string]*tokenEntry {
	out := map[string]*tokenEntry{}
	for _, te := range s.tokens.all() {
		if te.Type != tokenTypeService || te.Path == "" || te.NumUses == -1 {
			continue
		}
		if s.tokens.get(te.ID) != te || !s.alive(te, now) {
			continue
		}
		out[s.tokenLeaseID(te)] = te
	}
	for id, te := range s.danglingLeases() {
		if te.expired(now) {
			delete(s.danglingLeases(), id)
			continue
		}
		out[id] = te
	}
	return out
}

func leaseIDOf(d *fieldData) string {
	if id := d.str("lease_id"); id != "" {
		return id
	}
	return d.str("url_lease_id")
}

func (s *Server) leaseLookup(req *request, d *fieldData) (*response, error) {
	id := leaseIDOf(d)
	if id == "" {
		return nil, badRequest("lease_id must be specified")
	}
	te := s.leases(req.now)[id]
	if te == nil {
		return nil, badRequest("invalid lease")
	}
	data := map[string]any{
		"id": id, "issue_time": te.CreationTime.UTC(), "expire_time": nil, "last_renewal": nil,
		"ttl": int64(0), "renewable": !te.ExpireTime.IsZero() && te.Renewable && te.ExpireTime.After(req.now),
	}
	if !te.LastRenewal.IsZero() {
		data["last_renewal"] = te.LastRenewal.UTC()
	}
	if !te.ExpireTime.IsZero() {
		data["expire_time"] = te.ExpireTime.UTC()
		data["ttl"] = int64(te.ExpireTime.Sub(req.now) / time.Second)
	}
	return dataResp(data), nil
}

func (s *Server) leaseList(req *request, d *fieldData) (*response, error) {
	prefix := d.str("prefix")
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	var ids []string
	for id := range s.leases(req.now) {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return listResp(childKeys(ids, prefix)), nil
}

func (s *Server) leaseRenew(req *request, d *fieldData) (*response, error) {
	id := leaseIDOf(d)
	if id == "" {
		return nil, badRequest("lease_id must be specified")
	}
	te := s.leases(req.now)[id]
	switch {
	case te == nil:
		return nil, badRequest("lease not found")
	case te.ExpireTime.IsZero() || !te.Renewable:
		return nil, badRequest("lease is not renewable")
	}
	return nil, badRequest("tokens cannot be renewed through this endpoint")
}

func (s *Server) leaseRevoke(req *request, d *fieldData) (*response, error) {
	id := leaseIDOf(d)
	if id == "" {
		return nil, badRequest("lease_id must be specified")
	}
	if te := s.leases(req.now)[id]; te != nil {
		delete(s.danglingLeases(), id)
		s.revokeTree(te)
	}
	if !d.boolean("sync", true) {
		return &response{raw: jsonEmpty, status: http.StatusAccepted}, nil
	}
	return nil, nil
}

func (s *Server) leaseRevokePrefix(req *request, d *fieldData) (*response, error) {
	prefix := d.str("prefix")
	leases := s.leases(req.now)
	if te := leases[prefix]; te != nil && !strings.HasSuffix(prefix, "/") {
		s.revokeTree(te)
	} else {
		if !strings.HasSuffix(prefix, "/") {
			prefix += "/"
		}
		for id, te := range leases {
			if !strings.HasPrefix(id, prefix) {
				continue
			}
			delete(s.danglingLeases(), id)
			if s.tokens.get(te.ID) == te {
				s.revokeTree(te)
			}
		}
	}
	if !d.boolean("sync", true) {
		return &response{raw: jsonEmpty, status: http.StatusAccepted}, nil
	}
	return nil, nil
}

// jsonEmpty is a raw answer with an empty body (Vault's bare statuses).
var jsonEmpty = json.RawMessage{}

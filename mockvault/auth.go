package mockvault

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"time"
)

// lookupToken resolves a token id to a live entry. Expired tokens (and
// tokens under an expired or revoked parent) are revoked on sight, as
// Vault's expiration manager would have done at expiry.
func (s *Server) lookupToken(id string) (*tokenEntry, error) {
	if id == "" {
		return nil, errPermissionDenied
	}
	now := s.now()
	if strings.HasPrefix(id, batchPrefix) {
		te, err := openBatch(s.batchKey, id)
		var de *batchDecodeError
		if errors.As(err, &de) {
			return nil, de
		}
		if err != nil || te.expired(now) {
			return nil, errInvalidToken
		}
		if te.Parent != "" && !te.orphan {
			p := s.storedToken(te.Parent)
			if p == nil || !s.alive(p, now) {
				return nil, errInvalidToken
			}
			te.Parent = p.ID
		}
		if m := s.mountFor(te.Path); m != nil && m.auth {
			te.authMount = m.path
		}
		return te, nil
	}
	te := s.storedToken(id)
	if te == nil || te.NumUses == -1 || !s.alive(te, now) {
		return nil, errInvalidToken
	}
	return te, nil
}

// storedToken finds a service token by the id it was handed out with or,
// for a signed token, by its stored id too: Vault accepts both (tokens.go).
func (s *Server) storedToken(id string) *tokenEntry {
	if te := s.tokens.get(id); te != nil {
		return te
	}
	if isStoredServiceID(id) {
		return s.tokens.get(signServiceToken(sscKey(s.batchKey), id))
	}
	return nil
}

// alive reports whether the stored token te is live at now. What has
// expired by now is revoked first (expireTokens), descendants included, so
// a live token's ancestors are live: no walk up the chain.
func (s *Server) alive(te *tokenEntry, now time.Time) bool {
	s.expireTokens(now)
	if s.tokens.get(te.ID) != te {
		return false // revoked (an expired ancestor took it along)
	}
	if te.expired(now) {
		s.revokeTree(te)
		return false
	}
	if te.Parent != "" {
		p := s.tokens.get(te.Parent)
		if p == nil {
			// Parent gone but child left behind: Vault would have revoked it.
			s.revokeTree(te)
			return false
		}
		if p.expired(now) {
			s.revokeTree(p)
			return false
		}
	}
	return true
}

// expireTokens revokes every stored token whose lease has run out by now,
// with its descendants, cubbyhole and leases, as Vault's expiration
// manager does at expiry. The server starts no timer: requests call it
// (handle, alive), and a token nobody asks about is freed all the same.
// Each call costs one look at the queue unless something is due.
func (s *Server) expireTokens(now time.Time) {
	for {
		te := s.tokens.nextExpiry()
		if te == nil || now.Before(te.expAt) {
			return
		}
		if s.tokens.get(te.ID) != te {
			s.tokens.unqueue(te) // not this store's (cannot happen: remove unqueues)
			continue
		}
		if te.expired(now) {
			s.revokeTree(te)
			continue
		}
		s.tokens.queue(te) // renewed since it was queued
	}
}

// revokeTree revokes a service token and its descendants, with their
// cubbyholes and the leases they own.
func (s *Server) revokeTree(te *tokenEntry) {
	for _, gone := range s.tokens.revokeTree(te) {
		s.onTokenRevoked(gone)
	}
}

// revokeOne revokes a single token and orphans its children.
func (s *Server) revokeOne(te *tokenEntry) {
	s.tokens.orphanChildren(te)
	s.tokens.remove(te)
	s.onTokenRevoked(te)
}

// onTokenRevoked drops what lives and dies with a token.
func (s *Server) onTokenRevoked(te *tokenEntry) {
	delete(s.cubbyholes(), te.ID)
	if s.tokens.rebuilt {
		// The token maps were rebuilt as most tokens are gone: so are
		// most cubbyholes, whose map Go would never shrink either.
		s.tokens.rebuilt = false
		s.engines[s.mounts["cubbyhole/"].path] = cubbyholes(rebuildMap(s.cubbyholes())) // where stateOf keeps it
	}
}

// authenticate resolves the request's token.
func (s *Server) authenticate(req *request) (*tokenEntry, error) {
	if req.token == "" {
		return nil, errPermissionDenied
	}
	te, err := s.lookupToken(req.token)
	var de *batchDecodeError
	if errors.As(err, &de) {
		return nil, errCode(http.StatusInternalServerError, "error performing token check: %s", de.Error())
	}
	if err != nil {
		return nil, err
	}
	if len(te.BoundCIDRs) > 0 && !te.ExpireTime.IsZero() && !cidrAllows(te.BoundCIDRs, req.remoteAddr) {
		// Vault refuses a token used from outside its CIDRs before any
		// policy is consulted, with the bare message.
		return nil, errPermissionDenied
	}
	return te, nil
}

// authorize checks the caller's policies against the request (acl.go).
func (s *Server) authorize(req *request, te *tokenEntry, fd *fieldData) error {
	return s.checkACL(req, te)
}

// useToken spends one use of a limited-use token; at zero it is revoked.
func (s *Server) useToken(te *tokenEntry) {
	if te.Type != tokenTypeService || te.NumUses <= 0 {
		return
	}
	te.NumUses--
	if te.NumUses == 0 {
		// Vault serves the request that spends the last use, then revokes.
		te.NumUses = -1
	}
}

// finishUse revokes a token whose last use was just spent.
func (s *Server) finishUse(te *tokenEntry) {
	if te != nil && te.NumUses == -1 {
		if s.tokens.get(te.ID) == te {
			s.revokeTree(te)
		}
	}
}

// isSudoPath reports whether the path is one of Vault's root-protected
// paths, which need the sudo capability.
func (s *Server) isSudoPath(req *request) bool {
	e := engineByType(req.mount.typ)
	if e == nil {
		return false
	}
	for _, r := range e.sudo {
		if strings.HasSuffix(r, "*") {
			if strings.HasPrefix(req.rel, strings.TrimSuffix(r, "*")) {
				return true
			}
		} else if req.rel == r || strings.HasPrefix(req.rel, r+"/") && strings.HasSuffix(r, "/") {
			return true
		} else if req.rel == r {
			return true
		}
	}
	return false
}

func cidrAllows(cidrs []string, addr string) bool {
	ip := net.ParseIP(addr)
	if ip == nil {
		return false
	}
	for _, c := range cidrs {
		if !strings.Contains(c, "/") {
			if net.ParseIP(c).Equal(ip) {
				return true
			}
			continue
		}
		if _, n, err := net.ParseCIDR(c); err == nil && n.Contains(ip) {
			return true
		}
	}
	return false
}

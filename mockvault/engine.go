package mockvault

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// engine is one mount type (a secrets engine or an auth method), described
// in one value next to its handlers: everything the server needs to mount,
// route, snapshot, renew for and unmount it. engines.go lists them all.
//
// Handlers get what they act on as arguments: the request carries its
// mount (req.mount) and that mount's state (req.state), looked up for each
// request, so nothing is kept in the engine between requests and Restore
// may swap any state for a copy.
type engine struct {
	// typ is the mount type as sys/mounts and sys/auth name it.
	typ string
	// auth is true for auth methods (mounted under auth/).
	auth bool
	// routes builds the router of mount m on its first request. Its paths
	// declare patterns, fields, operations, existence checks and which are
	// unauthenticated.
	routes func(s *Server, m *mount) *backend
	// sudo lists the mount's root-protected paths (Vault's
	// PathsSpecial.Root): a trailing "*" matches a prefix.
	sudo []string
	// state makes the per-mount state of a newly enabled mount; nil for an
	// engine that keeps none. States clone themselves, so Snapshot,
	// Restore and Reset need to know nothing about them.
	state func(s *Server) engineState
	// renew is Vault's AuthRenew callback of an auth method: the backend
	// TTL, max TTL and period a renewal of one of its tokens is computed
	// with (AppRole: the role's current token_ttl...), or the error that
	// refuses it. req is the renewal (cert auth checks its connection).
	renew func(s *Server, req *request, m *mount, te *tokenEntry) (ttl, maxTTL, period time.Duration, err error)
	// unmount runs when the mount is disabled, after its tokens are
	// revoked and before its state is dropped.
	unmount func(s *Server, m *mount)
	// dev are the mounts a dev server starts with (sys/, secret/ ...).
	dev []mount
}

// errRenewNoResponse is what a renew hook returns when Vault's AuthRenew
// answers nothing (userpass, once the user is gone): the renewal answers
// no content.
var errRenewNoResponse = errors.New("the auth method answered the renewal with nothing")

// engineState is per-mount state of an engine (AppRole roles, KV data…).
// It must copy itself deeply, so snapshots are independent of the server.
type engineState interface {
	cloneState() engineState
}

// stateOf returns the state of mount m, making it if the engine keeps one
// and the mount has none yet.
func (s *Server) stateOf(m *mount) engineState {
	st, ok := s.engines[m.path]
	if ok {
		return st
	}
	if e := engineByName[m.typ]; e != nil && e.state != nil {
		st = e.state(s)
		s.engines[m.path] = st
	}
	return st
}

// newMountBackend gives a mount of type typ its router: the engine's, built
// on the mount's first request, or, for a type Vault has and the mock does
// not, one that says so on every path.
func (s *Server) newMountBackend(m *mount) *backend {
	e := engineByType(m.typ)
	if e == nil {
		return unimplementedBackend(m)
	}
	return lazyBackend(func() *backend { return e.routes(s, m) })
}

// notImplementedMsg names the mock as the reason a Vault feature is
// missing, so users do not hunt for a bug of their own.
func notImplementedMsg(m *mount) string {
	kind := "secrets engine"
	if m.auth {
		kind = "auth method"
	}
	return fmt.Sprintf("mockvault does not implement the %q %s", m.typ, kind)
}

// unimplementedBackend answers every request under a mount of a type the
// mock does not implement with Vault's 404 shape and a message that names
// mockvault and the type.
func unimplementedBackend(m *mount) *backend {
	err := errCode(http.StatusNotFound, "1 error occurred:\n\t* unsupported path (%s)\n\n", notImplementedMsg(m))
	return &backend{unimplemented: err}
}

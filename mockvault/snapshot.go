package mockvault

import (
	"time"
)

// Snapshot is a frozen copy of a server's state, for Restore. It never
// changes once taken: it may be restored many times, on any server, from
// several goroutines at once.
type Snapshot struct {
	// origin is the cluster id of the server it was taken from: its
	// mounts' routers are bound to that server (see Restore).
	origin   string
	tokens   *tokenStore
	policies map[string]*policy
	mounts   map[string]mount
	engines  map[string]engineState // every mount's state, whatever the engine
	sealed   bool
}

// Snapshot copies the server's state (tokens, policies, mounts, roles,
// secrets, engine state). Restoring it is cheap, so a suite can seed once
// and start each test from the snapshot. Time is not part of a snapshot.
func (s *Server) Snapshot() *Snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
}

func (s *Server) snapshotLocked() *Snapshot {
	return &Snapshot{
		origin:   s.cluster.id,
		tokens:   s.tokens.clone(),
		policies: copyPolicies(s.policies.byName),
		mounts:   copyMounts(s.mounts),
		engines:  copyEngineStates(s.engines),
		sealed:   s.sealed,
	}
}

// Restore puts the server back in the state of sn. Tokens issued since
// the snapshot stop working; batch tokens sealed before it keep working.
//
// sn may come from another server: Restore copies everything it takes
// from sn and routes the mounts to this server's own handlers, so the two
// servers share no state afterwards and both may keep serving. This server
// then has the other's tokens, its root token included (with another
// RootToken, this server's own root token is gone until Reset), and
// batch tokens sealed by the other server do not open here (each server
// keeps its own key).
func (s *Server) Restore(sn *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Copy again so the snapshot can be restored many times.
	s.tokens = sn.tokens.clone()
	s.policies.byName = copyPolicies(sn.policies)
	s.mounts = make(map[string]*mount, len(sn.mounts))
	foreign := sn.origin != s.cluster.id
	for k, m := range sn.mounts {
		cp := m.clone()
		if foreign {
			// A mount's router holds handlers bound to the server that
			// built it: give this server its own, built on first use.
			cp.backend = s.newMountBackend(&cp)
		}
		s.mounts[k] = &cp
	}
	s.engines = copyEngineStates(sn.engines)
	s.sealed = sn.sealed
	s.recordEvent("restore")
	// Templated ACLs were built from the identity store replaced here.
	s.policies.dropEntityACLs()
}

// copyPolicies copies the policy table; parsed policies are never mutated
// in place, so they are shared (between servers too, as the built-in
// ones are).
func copyPolicies(in map[string]*policy) map[string]*policy {
	out := make(map[string]*policy, len(in))
	for k, p := range in {
		out[k] = p
	}
	return out
}

func copyMounts(in map[string]*mount) map[string]mount {
	out := make(map[string]mount, len(in))
	for k, m := range in {
		out[k] = m.clone()
	}
	return out
}

func copyEngineStates(in map[string]engineState) map[string]engineState {
	out := make(map[string]engineState, len(in))
	for k, e := range in {
		out[k] = e.cloneState()
	}
	return out
}

// Reset puts the server back in its freshly started state: only the root
// token, the default policy and the dev-mode mounts. The clock, faults and
// request log are left alone; the batch-token key is renewed.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
	s.recordEvent("reset")
}

// Advance moves a server's ManualClock forward; it panics if the server
// runs on another clock (the standalone server's real time).
func (s *Server) Advance(d time.Duration) { s.manualClock().Advance(d) }

// SetTime sets a server's ManualClock; it panics if t is before the
// clock's time (time never runs backwards) or the clock is not a
// *ManualClock.
func (s *Server) SetTime(t time.Time) { s.manualClock().Set(t) }

func (s *Server) manualClock() *ManualClock {
	mc, ok := s.clock.(*ManualClock)
	if !ok {
		panic("mockvault: the server's clock is not a *ManualClock")
	}
	return mc
}

// clone deep-copies the token store.
func (ts *tokenStore) clone() *tokenStore {
	out := newTokenStore()
	for _, te := range ts.byID {
		cp := *te
		cp.Policies = append([]string(nil), te.Policies...)
		cp.BoundCIDRs = cloneStrings(te.BoundCIDRs)
		if te.Meta != nil {
			cp.Meta = make(map[string]string, len(te.Meta))
			for k, v := range te.Meta {
				cp.Meta[k] = v
			}
		}
		out.insert(&cp)
	}
	return out
}

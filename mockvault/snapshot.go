package mockvault

import (
	"time"
)

// engineState is per-mount state of an engine (AppRole, KV…). It must be
// able to copy itself deeply, so snapshots are independent of the server.
type engineState interface {
	cloneState() engineState
}

// Snapshot is a frozen copy of a server's state, for Restore.
type Snapshot struct {
	tokens     *tokenStore
	policies   map[string]*policy
	mounts     map[string]mount
	tokenRoles map[string]*tokenRole
	cubbyholes map[string]map[string]map[string]any
	engines    map[string]engineState
	aliases    map[string]string
	dangling   map[string]tokenEntry
	sealed     bool
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
	sn := &Snapshot{
		tokens:     s.tokens.clone(),
		policies:   make(map[string]*policy, len(s.policies.byName)),
		mounts:     make(map[string]mount, len(s.mounts)),
		tokenRoles: make(map[string]*tokenRole, len(s.tokenRoles)),
		cubbyholes: make(map[string]map[string]map[string]any, len(s.cubbyholes)),
		engines:    make(map[string]engineState, len(s.engines)),
		aliases:    make(map[string]string, len(s.aliasEntities)),
		sealed:     s.sealed,
	}
	for k, v := range s.aliasEntities {
		sn.aliases[k] = v
	}
	sn.dangling = make(map[string]tokenEntry, len(s.danglingLeases))
	for k, te := range s.danglingLeases {
		sn.dangling[k] = *te
	}
	for k, p := range s.policies.byName {
		sn.policies[k] = p // parsed policies are never mutated in place
	}
	for k, m := range s.mounts {
		sn.mounts[k] = m.clone()
	}
	for k, r := range s.tokenRoles {
		cp := *r
		sn.tokenRoles[k] = &cp
	}
	for id, c := range s.cubbyholes {
		cc := make(map[string]map[string]any, len(c))
		for k, v := range c {
			cc[k] = copyMap(v)
		}
		sn.cubbyholes[id] = cc
	}
	for k, e := range s.engines {
		sn.engines[k] = e.cloneState()
	}
	return sn
}

// Restore puts the server back in the state of sn, which must come from
// this server (its mounts route to this server's engines). Tokens issued
// since the snapshot stop working; batch tokens sealed before it keep
// working.
func (s *Server) Restore(sn *Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Copy again so the snapshot can be restored many times.
	s.tokens = sn.tokens.clone()
	s.policies.byName = make(map[string]*policy, len(sn.policies))
	for k, p := range sn.policies {
		s.policies.byName[k] = p
	}
	s.mounts = make(map[string]*mount, len(sn.mounts))
	for k, m := range sn.mounts {
		cp := m.clone()
		s.mounts[k] = &cp
	}
	s.tokenRoles = make(map[string]*tokenRole, len(sn.tokenRoles))
	for k, r := range sn.tokenRoles {
		cp := *r
		s.tokenRoles[k] = &cp
	}
	s.cubbyholes = make(map[string]map[string]map[string]any, len(sn.cubbyholes))
	for id, c := range sn.cubbyholes {
		cc := make(map[string]map[string]any, len(c))
		for k, v := range c {
			cc[k] = copyMap(v)
		}
		s.cubbyholes[id] = cc
	}
	s.engines = make(map[string]engineState, len(sn.engines))
	for k, e := range sn.engines {
		s.engines[k] = e.cloneState()
	}
	s.aliasEntities = make(map[string]string, len(sn.aliases))
	for k, v := range sn.aliases {
		s.aliasEntities[k] = v
	}
	s.danglingLeases = make(map[string]*tokenEntry, len(sn.dangling))
	for k, te := range sn.dangling {
		cp := te
		s.danglingLeases[k] = &cp
	}
	s.sealed = sn.sealed
}

// Reset puts the server back in its freshly started state: only the root
// token, the default policy and the dev-mode mounts. The clock, faults and
// request log are left alone; the batch-token key is renewed.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.init()
}

// Advance moves a server's ManualClock forward; it panics if the server
// runs on another clock (the standalone server's real time).
func (s *Server) Advance(d time.Duration) { s.manualClock().Advance(d) }

// SetTime sets a server's ManualClock.
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

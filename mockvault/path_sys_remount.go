package mockvault

import "strings"

// sys/remount moves a mount, its data and configuration with it, to a new
// path; the leases and tokens issued under the old path are revoked, as
// Vault's remount does. Vault moves asynchronously and answers at once
// with a migration id; the mock has finished by then, so the status it
// reports is always "success".

// mountMigration is one remount, as sys/remount/status shows it.
type mountMigration struct {
	source, target, status string
}

func (s *Server) sysRemountPaths() []*path {
	return []*path{
		{pattern: "remount", fields: fields{"from": tString, "to": tString}, ops: map[op]handlerFunc{opUpdate: s.sysRemount}},
		{pattern: "remount/status/{migration_id:.+}", fields: fields{"migration_id": tString}, ops: map[op]handlerFunc{opRead: s.sysRemountStatus}},
	}
}

// protectedMounts cannot be moved, nor moved into (Vault's protectedMounts).
var protectedMounts = []string{"audit/", "auth/", "sys/", "cubbyhole/", "identity/"}

func (s *Server) sysRemount(req *request, d *fieldData) (*response, error) {
	from, to := d.str("from"), d.str("to")
	switch {
	case from == "" || to == "":
		return nil, badRequest("both 'from' and 'to' path must be specified as a string")
	case strings.HasPrefix(from, " ") || strings.HasSuffix(from, " "):
		return nil, badRequest("'from' path cannot contain trailing whitespace")
	case strings.HasPrefix(to, " ") || strings.HasSuffix(to, " "):
		return nil, badRequest("'to' path cannot contain trailing whitespace")
	}
	src, dst := sanitizeMountPath(from), sanitizeMountPath(to)
	if strings.Contains(dst, "..") {
		return nil, badRequest("invalid destination mount: path cannot contain '..'")
	}
	if strings.HasPrefix(src, "auth/") {
		switch {
		case !strings.HasPrefix(dst, "auth/"):
			return nil, badRequest("cannot remount auth mount to non-auth mount %q", dst)
		case strings.HasPrefix(src, "auth/token"):
			return nil, badRequest("cannot remount %q", src)
		case strings.HasPrefix(dst, "auth/token"):
			return nil, badRequest("cannot remount to destination %q", dst)
		}
	} else {
		for _, p := range protectedMounts {
			if strings.HasPrefix(src, p) {
				return nil, badRequest("cannot remount %q", src)
			}
			if strings.HasPrefix(dst, p) {
				return nil, badRequest("cannot remount to destination %s", dst)
			}
		}
	}
	m := s.mountFor(src)
	if m == nil || (m.path != src && !strings.HasPrefix(src, m.path)) {
		return nil, badRequest("no matching mount at %q", src)
	}
	for p := range s.mounts {
		if strings.HasPrefix(dst, p) || strings.HasPrefix(p, dst) {
			return nil, badRequest("path already in use at %q", p)
		}
	}
	id := newUUID()
	mig := &mountMigration{source: src, target: dst, status: "success"}
	if m.path != src {
		// Vault matches the longest mount for the request, then finds no
		// mount at exactly that path when it moves: the move fails.
		mig.status = "failure"
	} else {
		s.moveMount(m, dst)
	}
	s.stateOf(s.mounts["sys/"]).(*sysState).migrations[id] = mig
	resp := dataResp(map[string]any{"migration_id": id})
	resp.warnings = []string{"Mount move has been queued. Progress will be reported in Vault's server log, tagged with the returned migration_id"}
	return resp, nil
}

// moveMount puts mount m, its state and its router, at path dst, after
// revoking the tokens issued under its old path.
func (s *Server) moveMount(m *mount, dst string) {
	s.revokeUnder(m)
	src := m.path
	st, hasState := s.engines[src]
	delete(s.mounts, src)
	delete(s.engines, src)
	m.path = dst
	m.backend = s.newMountBackend(m) // routers capture their mount's path
	s.mounts[dst] = m
	if hasState {
		s.engines[dst] = st
	}
}

func (s *Server) sysRemountStatus(req *request, d *fieldData) (*response, error) {
	id := d.str("migration_id")
	mig := s.stateOf(s.mounts["sys/"]).(*sysState).migrations[id]
	if mig == nil {
		return nil, nil
	}
	return dataResp(map[string]any{
		"migration_id":   id,
		"migration_info": map[string]any{"source_mount": mig.source, "target_mount": mig.target, "status": mig.status},
	}), nil
}

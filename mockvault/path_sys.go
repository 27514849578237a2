package mockvault

import (
	"net/http"
	"strings"
)

// sysRootPaths are the sys paths that need sudo (Vault's PathsSpecial.Root).
var sysRootPaths = []string{
	"auth/*", "remount", "audit", "audit/*", "raw", "raw/*", "replication/primary/secondary-token",
	"replication/performance/primary/secondary-token", "replication/dr/primary/secondary-token",
	"replication/reindex", "replication/dr/reindex", "replication/performance/reindex",
	"rotate", "config/cors", "config/auditing/*", "config/ui/headers/*", "plugins/catalog/*",
	"revoke-prefix/*", "revoke-force/*", "leases/revoke-prefix/*", "leases/revoke-force/*",
	"leases/lookup/*", "storage/raft/snapshot-auto/config/*", "leases",
	"plugins/runtimes/catalog/*", "reporting/scan", "internal/inspect/*",
	"internal/counters/activity/export", "seal", "step-down",
}

// systemEngine is sys/: the families listed in sysFamilies (engines.go).
func systemEngine() *engine {
	return &engine{
		typ: "system", routes: func(s *Server, _ *mount) *backend {
			var paths []*path
			for _, fam := range s.sysFamilies() {
				paths = append(paths, fam...)
			}
			b := newBackend(paths)
			b.notFound = sysNotImplemented
			return b
		},
		sudo: sysRootPaths,
		state: func(*Server) engineState {
			return &sysState{dangling: map[string]*tokenEntry{}, migrations: map[string]*mountMigration{}}
		},
		dev: []mount{{path: "sys/", typ: "system", description: "system endpoints used for control, policy and debugging", sealWrap: true}},
	}
}

// sysState is what sys/ keeps beyond the token store: leases whose token is
// gone but which Vault keeps listing until they expire (a rewrapped
// token's), by lease id.
type sysState struct {
	dangling map[string]*tokenEntry
	// migrations are the remounts done, by migration id.
	migrations map[string]*mountMigration
}

func (st *sysState) cloneState() engineState {
	out := &sysState{dangling: make(map[string]*tokenEntry, len(st.dangling)), migrations: make(map[string]*mountMigration, len(st.migrations))}
	for k, te := range st.dangling {
		cp := *te
		out.dangling[k] = &cp
	}
	for k, m := range st.migrations {
		cp := *m
		out.migrations[k] = &cp
	}
	return out
}

// danglingLeases are sys/'s leases without a token.
func (s *Server) danglingLeases() map[string]*tokenEntry {
	return s.stateOf(s.mounts["sys/"]).(*sysState).dangling
}

// sysCorePaths are the status endpoints and the mount tables.
func (s *Server) sysCorePaths() []*path {
	return []*path{
		{pattern: "health", unauthenticated: true, ops: rawHTTPOps(s.sysHealth)},
		{pattern: "seal-status", unauthenticated: true, ops: rawHTTPOps(s.sysSealStatus)},
		{pattern: "leader", unauthenticated: true, ops: rawHTTPOps(s.sysLeader)},
		{pattern: "auth", ops: map[op]handlerFunc{opRead: s.sysAuthList}},
		{pattern: "mounts", ops: map[op]handlerFunc{opRead: s.sysMountsList}},
	}
}

// sysUnimplemented are sys endpoint families of Vault 1.21.1 the mock does
// not serve. A request there that no served route matches passes the token
// and ACL checks as any other and then answers 404 naming mockvault, so a
// setup script's failure says why. (Checked only when routing failed, so a
// served path's 405 stays a 405 and a server pays nothing for the list.)
var sysUnimplemented = []string{
	"config/cors", "config/ui", "config/state",
	"config/reload", "config/group-policy-application", "rotate", "rekey",
	"rekey-recovery-key", "generate-recovery-token",
	"in-flight-req", "metrics", "pprof", "plugins/runtimes", "plugins/reload", "raw",
	"replication", "storage", "internal/counters",
	"internal/specs", "internal/ui/feature-flags", "internal/ui/namespaces",
	"internal/ui/resultant-acl", "internal/ui/version", "internal/inspect", "quotas", "loggers",
	"mfa", "managed-keys", "namespaces", "policies/password", "policies/rgp", "policies/egp",
	"locked-users", "experiments", "ha-status", "monitor", "reporting", "activation-flags",
	"control-group", "sync", "license", "decode-token", "revoke-force", "leases/revoke-force",
	"leases/tidy", "leases/count",
}

// sysNotImplemented is sys/'s answer for an unrouted rel under a family of
// sysUnimplemented, nil for any other path (Vault's plain answer).
func sysNotImplemented(rel string) error {
	for _, p := range sysUnimplemented {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return errCode(http.StatusNotFound, "1 error occurred:\n\t* unsupported path (mockvault does not implement sys/%s)\n\n", p)
		}
	}
	return nil
}

// rawHTTPOps serves read with h; Vault's raw HTTP handlers answer any other
// method with a bare 405.
func rawHTTPOps(h handlerFunc) map[op]handlerFunc { return rawOps(map[op]handlerFunc{opRead: h}) }

// clusterID and clusterName are random per server, as a dev Vault's are.
func (s *Server) clusterID() string { return s.cluster.id }

func (s *Server) clusterName() string { return s.cluster.name }

func (s *Server) sysHealth(req *request, d *fieldData) (*response, error) {
	q := req.http.URL.Query()
	status := http.StatusOK
	if s.sealed {
		status = http.StatusServiceUnavailable
		if v := q.Get("sealedcode"); v != "" {
			status = atoiDefault(v, status)
		}
	} else if v := q.Get("activecode"); v != "" {
		status = atoiDefault(v, status)
	}
	body := map[string]any{
		"initialized": true, "sealed": s.sealed, "standby": false, "performance_standby": false,
		"replication_performance_mode": "disabled", "replication_dr_mode": "disabled",
		"server_time_utc": req.now.Unix(), "version": s.version, "enterprise": false,
		"cluster_name": s.clusterName(), "cluster_id": s.clusterID(), "echo_duration_ms": 0,
		"clock_skew_ms": 0, "replication_primary_canary_age_ms": 0,
	}
	if s.sealed {
		delete(body, "cluster_name")
		delete(body, "cluster_id")
	}
	if req.http.Method == http.MethodHead {
		return &response{raw: struct{}{}, status: status}, nil
	}
	return &response{raw: body, status: status}, nil
}

// refuseHead is Vault's answer to HEAD on its GET-only raw handlers
// (sys/health alone takes HEAD).
func refuseHead(req *request) error {
	if req.http != nil && req.http.Method == http.MethodHead {
		return &vaultError{code: http.StatusMethodNotAllowed, msgs: []string{}}
	}
	return nil
}

func (s *Server) sysSealStatus(req *request, d *fieldData) (*response, error) {
	if err := refuseHead(req); err != nil {
		return nil, err
	}
	body := map[string]any{
		"type": "shamir", "initialized": true, "sealed": s.sealed, "t": s.seal.t, "n": s.seal.n,
		"progress": len(s.seal.unsealParts), "nonce": s.seal.unsealNonce, "version": s.version, "build_date": vaultBuildDate, "migration": false,
		"recovery_seal": false, "storage_type": "inmem",
	}
	if !s.sealed {
		body["cluster_name"] = s.clusterName()
		body["cluster_id"] = s.clusterID()
	}
	return &response{raw: body}, nil
}

func (s *Server) sysLeader(req *request, d *fieldData) (*response, error) {
	if err := refuseHead(req); err != nil {
		return nil, err
	}
	return &response{raw: map[string]any{
		"ha_enabled": false, "is_self": false, "active_time": "0001-01-01T00:00:00Z",
		"leader_address": "", "leader_cluster_address": "", "performance_standby": false,
		"performance_standby_last_remote_wal": 0,
	}}, nil
}

// passthroughHeaders are the request headers Vault's core mounts pass to
// their backend (in their config, shown by sys/mounts and tune reads).
func passthroughHeaders(m *mount) []string {
	switch m.typ {
	case "system":
		return []string{"Accept"}
	case "identity":
		return []string{"Authorization"}
	}
	return nil
}

// mountInfo renders a mount table entry as sys/mounts and sys/auth do.
func (s *Server) mountInfo(m *mount) map[string]any {
	cfg := map[string]any{
		"default_lease_ttl": int64(m.defaultLeaseTTL.Seconds()),
		"max_lease_ttl":     int64(m.maxLeaseTTL.Seconds()),
		"force_no_cache":    false,
	}
	if m.auth {
		tt := m.tokenType
		if tt == "" {
			tt = "default-service"
		}
		cfg["token_type"] = tt
	}
	if m.listingVisibility != "" {
		cfg["listing_visibility"] = m.listingVisibility
	}
	if h := passthroughHeaders(m); h != nil {
		cfg["passthrough_request_headers"] = h
	}
	var opts any
	if m.options != nil {
		opts = m.options
	}
	running := s.pluginVersion(m.typ)
	info := map[string]any{
		"accessor": m.accessor, "config": cfg, "description": m.description,
		"external_entropy_access": false, "local": m.local, "options": opts,
		"plugin_version": "", "running_plugin_version": running,
		"running_sha256": "", "seal_wrap": m.sealWrap, "type": m.typ, "uuid": m.uuid,
	}
	switch m.typ {
	case "system", "cubbyhole", "identity", "token", "generic":
	default:
		// Builtin plugins (as opposed to core mounts and the legacy
		// "generic" alias) report a status.
		info["deprecation_status"] = "supported"
	}
	return info
}

func (s *Server) sysAuthList(req *request, d *fieldData) (*response, error) {
	data := map[string]any{}
	for _, m := range s.sortedMounts(true) {
		data[strings.TrimPrefix(m.path, "auth/")] = s.mountInfo(m)
	}
	return dataResp(data), nil
}

func (s *Server) sysMountsList(req *request, d *fieldData) (*response, error) {
	data := map[string]any{}
	for _, m := range s.sortedMounts(false) {
		data[m.path] = s.mountInfo(m)
	}
	return dataResp(data), nil
}

func atoiDefault(s string, def int) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			return def
		}
		n = n*10 + int(c-'0')
	}
	return n
}

package mockvault

// The registry: every mount type the mock knows, in one explicit order, and
// the sys/ endpoint families. Adding an engine is a file family of its own
// (path_<engine>*.go defining an *engine constructor) and one line here.

// engineList is filled once, here and nowhere else. (A function called from
// init, not a variable initialiser: engines refer to handlers that look
// engines up, which Go's initialisation order would call a cycle.)
var (
	engineList   []*engine
	engineByName map[string]*engine
)

func init() {
	engineList = []*engine{
		systemEngine(),     // sys/              path_sys*.go
		cubbyholeEngine(),  // cubbyhole/        path_cubbyhole.go
		identityEngine(),   // identity/         identity.go, path_identity*.go
		tokenEngine(),      // auth/token/       path_token*.go
		kvEngine(),         // kv v1/v2, secret/ path_kv.go
		approleEngine(),    // auth approle      path_approle*.go
		transitEngine(),    // transit           path_transit*.go
		userpassEngine(),   // auth userpass     path_userpass*.go
		kubernetesEngine(), // auth kubernetes   path_kubernetes*.go
		certEngine(),       // auth cert         path_cert*.go
		jwtEngine("jwt"),   // auth jwt          path_jwt*.go
		jwtEngine("oidc"),  // auth oidc (jwt)   path_jwt*.go
		pkiEngine(),        // pki               path_pki*.go
	}
	engineByName = make(map[string]*engine, len(engineList))
	for _, e := range engineList {
		engineByName[e.typ] = e
	}
	// Vault's mountAliases: a "generic" mount is a KV mount that keeps its
	// legacy type name in the mount table.
	engineByName["generic"] = engineByName["kv"]
}

// engineByType returns the engine serving mounts of type typ, or nil when
// the mock does not implement it.
func engineByType(typ string) *engine {
	e := engineByName[typ]
	if e == nil || e.routes == nil {
		return nil
	}
	return e
}

// sysFamilies are the endpoint families of sys/, each in its own file, in
// routing order. (sysUnimplemented in path_sys.go names the families Vault
// has and the mock does not.)
func (s *Server) sysFamilies() [][]*path {
	return [][]*path{
		s.sysCorePaths(),         // path_sys.go: health, seal-status, leader, auth, mounts
		s.sysCapabilitiesPaths(), // path_sys_capabilities.go
		s.sysLeasePaths(),        // path_sys_leases.go
		s.sysMountPaths(),        // path_sys_mounts.go
		s.sysPolicyPaths(),       // path_sys_policy.go
		s.sysWrappingPaths(),     // path_sys_wrapping.go
		s.sysAuditPaths(),        // path_sys_audit.go
		s.sysSealPaths(),         // path_sys_seal.go, path_sys_rekey.go: init, seal, unseal, generate-root, rekey, rotate
		s.sysToolsPaths(),        // path_sys_tools.go
		s.sysRemountPaths(),      // path_sys_remount.go
		s.sysPluginPaths(),       // path_sys_plugins.go
		s.sysInfoPaths(),         // path_sys_info.go: host-info, version-history, activity
	}
}

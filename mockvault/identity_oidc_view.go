package mockvault

// What identity tokens need to know of an entity: its id, name, metadata,
// groups and aliases, read through one function so the token code does
// not depend on how the identity store keeps entities.

// oidcEntityView is an entity as identity token templates and
// identity/oidc/introspect see it (Vault's logical.Entity plus its groups).
type oidcEntityView struct {
	ID, Name string
	Metadata map[string]string
	Disabled bool
	// GroupIDs and GroupNames are the entity's groups, direct and
	// inherited, in the same order.
	GroupIDs, GroupNames []string
	Aliases              []oidcAliasView
}

// oidcAliasView is one alias of an entity.
type oidcAliasView struct {
	MountAccessor, Name string
	Metadata            map[string]string
	// ID and CustomMetadata are what templates call
	// identity.entity.aliases.<accessor>.id and .custom_metadata.
	ID             string
	CustomMetadata map[string]string
}

// oidcEntity returns the entity with id (or the one it was merged into),
// or nil when there is none.
func (s *Server) oidcEntity(id string) *oidcEntityView {
	if id == "" {
		return nil
	}
	st := s.identityStore()
	e := st.entityByIDOrMerged(id)
	if e == nil {
		return nil
	}
	v := &oidcEntityView{ID: e.ID, Name: e.Name, Metadata: e.Metadata, Disabled: e.Disabled}
	direct, inherited := st.entityGroups(e.ID)
	for _, g := range append(direct, inherited...) {
		v.GroupIDs = append(v.GroupIDs, g.ID)
		v.GroupNames = append(v.GroupNames, g.Name)
	}
	for _, a := range e.Aliases {
		v.Aliases = append(v.Aliases, oidcAliasView{MountAccessor: a.MountAccessor, Name: a.Name, Metadata: a.Metadata, ID: a.ID, CustomMetadata: a.CustomMetadata})
	}
	return v
}

// oidcOf is the identity token state inside the identity store's state.
func oidcOf(st engineState) *oidcState { return st.(*identityState).oidc }

// identityMountEnabled is the identity store's part in enabling a mount:
// every mount but a KV secrets engine uses the default identity token key,
// which gets its key material then (Vault's lazyGenerateDefaultKey).
func (s *Server) identityMountEnabled(m *mount) {
	if m.typ == "kv" && !m.auth {
		return
	}
	oidcOf(s.identityStore()).ensureDefaultMaterial(s.now())
}

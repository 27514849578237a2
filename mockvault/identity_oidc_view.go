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

// oidcEntity returns the entity with id, or nil when there is none.
//
// Until the identity store keeps entities, every non-empty id is an entity
// of that id with nothing else known about it.
func (s *Server) oidcEntity(id string) *oidcEntityView {
	if id == "" {
		return nil
	}
	return &oidcEntityView{ID: id}
}

package mockvault

import (
	"maps"
	"net/http"
)

// identity/entity-alias: an entity's alias on an auth mount (mount
// accessor + name, unique), created, read, updated (moved to another
// entity too), deleted and listed (Vault's identity_store_aliases.go).
// The deprecated identity/alias paths serve the same.

var entityAliasFields = fields{"id": tString, "entity_id": tString, "canonical_id": tString,
	"mount_accessor": tString, "name": tString, "custom_metadata": tKVPairs}

func identityEntityAliasPaths() []*path {
	legacy := fields{"id": tString, "entity_id": tString, "canonical_id": tString, "mount_accessor": tString, "name": tString}
	var out []*path
	for _, p := range []struct {
		prefix string
		f      fields
	}{{"entity-alias", entityAliasFields}, {"alias", legacy}} {
		out = append(out,
			idPath(p.prefix, p.f, map[op]identityHandler{opUpdate: (*identityState).aliasWrite}),
			idPath(p.prefix+"/id/"+tName("id"), p.f, map[op]identityHandler{opUpdate: (*identityState).aliasWrite,
				opRead: (*identityState).aliasRead, opDelete: (*identityState).aliasDelete}),
			idPath(p.prefix+"/id/", nil, map[op]identityHandler{opList: (*identityState).aliasList}),
		)
	}
	return out
}

// aliasWrite creates or updates an entity alias (handleAliasCreateUpdate):
// by id, else by mount accessor and name.
func (st *identityState) aliasWrite(req *request, d *fieldData) (*response, error) {
	name, acc, id := d.str("name"), d.str("mount_accessor"), d.str("id")
	custom, customSet := map[string]string{}, d.has("custom_metadata")
	if customSet {
		custom = d.kv("custom_metadata")
	}
	canonical := d.str("canonical_id")
	if canonical == "" {
		canonical = d.str("entity_id")
	}
	if len(custom) != 0 {
		if err := validateCustomMetadata(custom); err != nil {
			_, msgs := statusOf(err)
			return nil, errCode(http.StatusInternalServerError, "%s", msgs[0])
		}
	}
	if id != "" {
		a := st.aliasByID[id]
		if a == nil {
			return nil, badRequest("invalid alias ID provided")
		}
		if !customSet {
			custom = nilIfEmptyMap(a.CustomMetadata) // of Vault's clone
		}
		if acc == "" && name == "" && canonical == "" && !customSet {
			return nil, nil
		}
		if acc == "" {
			acc = a.MountAccessor
		}
		if name == "" {
			name = a.Name
		}
		return st.aliasUpdate(req, canonical, name, acc, a, custom)
	}
	if acc == "" || name == "" {
		return nil, badRequest("'id' or 'mount_accessor' and 'name' must be provided")
	}
	m := req.srv.mountByAccessor(acc)
	if m == nil {
		return nil, badRequest("invalid mount accessor %q", acc)
	}
	if a := st.aliasByFactors[factorsKey(acc, name)]; a != nil {
		return st.aliasUpdate(req, canonical, name, acc, a, custom)
	}
	return st.aliasCreate(req, canonical, name, m, custom)
}

// aliasCreate adds an alias to the entity canonical, or to a new entity.
func (st *identityState) aliasCreate(req *request, canonical, name string, m *mount, custom map[string]string) (*response, error) {
	var e *idEntity
	if canonical != "" {
		cur := st.entities[canonical]
		if cur == nil {
			return nil, badRequest("invalid canonical ID")
		}
		e = cur.edit()
	} else {
		e = st.newEntity(req.now)
	}
	for _, a := range e.Aliases {
		if a.MountAccessor == m.accessor {
			return nil, badRequest("Alias already exists for requested entity and mount accessor")
		}
	}
	a := &idAlias{ID: newUUID(), CanonicalID: e.ID, MountAccessor: m.accessor, Name: name,
		CustomMetadata: custom, Local: m.local, Created: req.now, Updated: req.now}
	e.upsertAlias(a)
	st.putEntity(e)
	return dataResp(map[string]any{"id": a.ID, "canonical_id": e.ID}), nil
}

// aliasUpdate changes an alias's name, mount or custom metadata, or moves
// it to the entity canonical (handleAliasUpdate).
func (st *identityState) aliasUpdate(req *request, canonical, name, acc string, cur *idAlias, custom map[string]string) (*response, error) {
	if name == cur.Name && acc == cur.MountAccessor && (canonical == "" || canonical == cur.CanonicalID) && equalStringMaps(custom, cur.CustomMetadata) {
		return nil, nil
	}
	owner := st.entityOfAlias(cur)
	if owner == nil {
		return nil, badRequest("given alias is not associated with an entity")
	}
	owner = owner.edit()
	a := cur.edit()
	a.Updated = req.now
	if acc != a.MountAccessor && (canonical == "" || canonical == a.CanonicalID) {
		for _, x := range owner.Aliases {
			if x.MountAccessor == acc {
				return nil, badRequest("Alias cannot be updated as the entity already has an alias for the given 'mount_accessor' ")
			}
		}
	}
	if name != a.Name || acc != a.MountAccessor || !equalStringMaps(custom, a.CustomMetadata) {
		if req.srv.mountByAccessor(acc) == nil {
			return nil, badRequest("invalid mount accessor %q", acc)
		}
		if x := st.aliasByFactors[factorsKey(acc, name)]; x != nil && x.ID != a.ID {
			return nil, badRequest("alias with combination of mount accessor and name already exists")
		}
		a.Name, a.MountAccessor, a.CustomMetadata = name, acc, maps.Clone(custom)
	}
	m := req.srv.mountByAccessor(a.MountAccessor)
	if m == nil {
		return nil, internalError("invalid mount accessor %q", a.MountAccessor)
	}
	target := owner
	if canonical != "" && canonical != a.CanonicalID {
		if m.local {
			return nil, badRequest("local aliases can't be moved between entities")
		}
		next := st.entities[canonical]
		if next == nil {
			return nil, badRequest("given 'canonical_id' is not associated with an entity")
		}
		target = next.edit()
		for _, x := range target.Aliases {
			if x.MountAccessor == acc {
				return nil, badRequest("Alias cannot be updated as the given entity already has an alias for this mount ")
			}
		}
		a.CanonicalID = target.ID
		target.Aliases = append(target.Aliases, a)
		owner.deleteAlias(a.ID)
		st.putEntity(owner)
	} else {
		owner.upsertAlias(a)
	}
	st.putEntity(target)
	return dataResp(map[string]any{"id": a.ID, "canonical_id": target.ID}), nil
}

func (st *identityState) aliasRead(req *request, d *fieldData) (*response, error) {
	return aliasResp(req, st.aliasByID[d.str("id")]), nil
}

// aliasResp is an entity or group alias as Vault reads it
// (handleAliasReadCommon), nil (404) for none.
func aliasResp(req *request, a *idAlias) *response {
	if a == nil {
		return nil
	}
	data := map[string]any{
		"id": a.ID, "canonical_id": a.CanonicalID, "mount_accessor": a.MountAccessor,
		"metadata": a.Metadata, "custom_metadata": a.CustomMetadata, "name": a.Name,
		"merged_from_canonical_ids": a.MergedFrom, "namespace_id": "root", "local": a.Local,
		"creation_time": idTime(a.Created), "last_update_time": idTime(a.Updated),
	}
	req.mountInfo(a.MountAccessor, data)
	return dataResp(data)
}

func (st *identityState) aliasDelete(req *request, d *fieldData) (*response, error) {
	a := st.aliasByID[d.str("id")]
	if a == nil {
		return nil, nil
	}
	owner := st.entityOfAlias(a)
	if owner == nil {
		return nil, internalError("alias not associated to an entity")
	}
	owner = owner.edit()
	owner.deleteAlias(a.ID)
	st.putEntity(owner)
	return nil, nil
}

// aliasList lists entity aliases by id, with key_info.
func (st *identityState) aliasList(req *request, d *fieldData) (*response, error) {
	return aliasListResp(req, st.aliasByID), nil
}

// aliasListResp lists aliases in id order with their key_info
// (handleAliasListCommon, for entity and group aliases alike).
func aliasListResp(req *request, byID map[string]*idAlias) *response {
	list := make([]*idAlias, 0, len(byID))
	for _, a := range byID {
		list = append(list, a)
	}
	sortByID(list, func(a *idAlias) string { return a.ID })
	var keys []string
	info := map[string]any{}
	for _, a := range list {
		keys = append(keys, a.ID)
		entry := map[string]any{"name": a.Name, "canonical_id": a.CanonicalID, "mount_accessor": a.MountAccessor,
			"custom_metadata": a.CustomMetadata, "metadata": a.Metadata, "local": a.Local}
		req.mountInfo(a.MountAccessor, entry)
		info[a.ID] = entry
	}
	return listWithInfo(keys, info)
}

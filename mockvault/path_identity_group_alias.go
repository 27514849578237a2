package mockvault

// identity/group-alias: the alias tying an external group to a group name
// an auth mount reports at login (Vault's identity_store_group_aliases.go).
// Without canonical_id a new external group is made for it.

var groupAliasFields = fields{"id": tString, "name": tString, "mount_accessor": tString, "canonical_id": tString}

func identityGroupAliasPaths() []*path {
	return []*path{
		idPath("group-alias", groupAliasFields, map[op]identityHandler{opUpdate: (*identityState).groupAliasRegister}),
		idPath("group-alias/id/"+tName("id"), groupAliasFields, map[op]identityHandler{opUpdate: (*identityState).groupAliasUpdateByID,
			opRead: (*identityState).groupAliasRead, opDelete: (*identityState).groupAliasDelete}),
		idPath("group-alias/id/", nil, map[op]identityHandler{opList: (*identityState).groupAliasList}),
	}
}

func (st *identityState) groupAliasRegister(req *request, d *fieldData) (*response, error) {
	if d.has("id") {
		return st.groupAliasUpdateByID(req, d)
	}
	return st.groupAliasWrite(req, d, nil)
}

func (st *identityState) groupAliasUpdateByID(req *request, d *fieldData) (*response, error) {
	id := d.str("id")
	if id == "" {
		return nil, badRequest("empty group alias ID")
	}
	a := st.gAliasByID[id]
	if a == nil {
		return nil, badRequest("invalid group alias ID")
	}
	return st.groupAliasWrite(req, d, a.edit())
}

// groupAliasWrite is handleGroupAliasUpdateCommon on a (a copy; nil: a
// new alias).
func (st *identityState) groupAliasWrite(req *request, d *fieldData, a *idAlias) (*response, error) {
	if a == nil {
		a = &idAlias{Created: req.now}
	}
	a.Updated = req.now
	name, acc, canonical := d.str("name"), d.str("mount_accessor"), d.str("canonical_id")
	if name == "" {
		return nil, badRequest("missing alias name")
	}
	if acc == "" {
		return nil, badRequest("missing mount_accessor")
	}
	if a.Name == name && a.MountAccessor == acc && (canonical == "" || a.CanonicalID == canonical) {
		return nil, nil
	}
	var next, prev *idGroup
	if canonical != "" {
		g := st.groups[canonical]
		if g == nil {
			return nil, badRequest("invalid group ID given in 'canonical_id'")
		}
		if g.Type != groupExternal {
			return nil, badRequest("alias can't be set on an internal group")
		}
		next = g.edit()
		a.CanonicalID = canonical
	}
	m := req.srv.mountByAccessor(acc)
	if m == nil {
		return nil, badRequest("invalid mount accessor %q", acc)
	}
	if m.local {
		return nil, badRequest("mount accessor %q is a local mount", acc)
	}
	if x := st.gAliasFactors[factorsKey(acc, name)]; x != nil && x.ID != a.ID {
		return nil, badRequest("combination of mount and group alias name is already in use")
	}
	a.Name, a.MountAccessor = name, acc
	if a.ID == "" {
		if next == nil {
			next = &idGroup{Type: groupExternal}
		}
	} else {
		cur := st.groupOfAlias(st.gAliasByID[a.ID])
		if cur == nil {
			return nil, internalError("group alias is not associated with a group")
		}
		if next == nil || next.ID == cur.ID {
			next = cur.edit()
		} else {
			prev = cur.edit()
			prev.Alias = nil
		}
	}
	next.Alias = a
	if err := st.upsertGroup(req, next, prev, nil); err != nil {
		return nil, err
	}
	return dataResp(map[string]any{"id": a.ID, "canonical_id": next.ID}), nil
}

func (st *identityState) groupAliasRead(req *request, d *fieldData) (*response, error) {
	return aliasResp(req, st.gAliasByID[d.str("id")]), nil
}

func (st *identityState) groupAliasDelete(req *request, d *fieldData) (*response, error) {
	a := st.gAliasByID[d.str("id")]
	if a == nil {
		return nil, nil
	}
	g := st.groupOfAlias(a)
	if g == nil {
		return nil, internalError("alias not associated to a group")
	}
	g = g.edit()
	g.Alias = nil
	st.putGroup(g)
	return nil, nil
}

func (st *identityState) groupAliasList(req *request, d *fieldData) (*response, error) {
	return aliasListResp(req, st.gAliasByID), nil
}

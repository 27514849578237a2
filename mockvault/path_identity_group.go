package mockvault

import "strings"

// identity/group: internal groups (policies, member entities, member
// groups: nesting without cycles) and external groups (members come from
// logins through their group alias), by id and by name, LISTs (Vault's
// identity_store_groups.go and sanitizeAndUpsertGroup).

var groupFields = fields{"id": tString, "type": tString, "name": tString, "metadata": tKVPairs,
	"policies": tCommaSlice, "member_group_ids": tCommaSlice, "member_entity_ids": tCommaSlice}

func identityGroupPaths() []*path {
	return []*path{
		idPath("group", groupFields, map[op]identityHandler{opUpdate: (*identityState).groupRegister}),
		idPath("group/id/"+tName("id"), groupFields, map[op]identityHandler{opUpdate: (*identityState).groupUpdateByID,
			opRead: (*identityState).groupReadByID, opDelete: (*identityState).groupDeleteByID}),
		idPath("group/id/", nil, map[op]identityHandler{opList: (*identityState).groupListByID}),
		idPath("group/name/{name:.+}", groupFields, map[op]identityHandler{opUpdate: (*identityState).groupUpdateByName,
			opRead: (*identityState).groupReadByName, opDelete: (*identityState).groupDeleteByName}),
		idPath("group/name/", nil, map[op]identityHandler{opList: (*identityState).groupListByName}),
	}
}

// groupRegister is POST identity/group: an update by id or by name when
// one is given, else a new group.
func (st *identityState) groupRegister(req *request, d *fieldData) (*response, error) {
	if d.has("id") {
		return st.groupUpdateByID(req, d)
	}
	if d.has("name") {
		return st.groupUpdateByName(req, d)
	}
	return st.groupWrite(req, d, nil)
}

func (st *identityState) groupUpdateByID(req *request, d *fieldData) (*response, error) {
	id := d.str("id")
	if id == "" {
		return nil, badRequest("empty group ID")
	}
	g := st.groups[id]
	if g == nil {
		return nil, badRequest("invalid group ID")
	}
	return st.groupWrite(req, d, g.edit())
}

// groupUpdateByName updates the named group, or creates it.
func (st *identityState) groupUpdateByName(req *request, d *fieldData) (*response, error) {
	name := d.str("name")
	if name == "" {
		return nil, badRequest("empty group name")
	}
	var g *idGroup
	if cur := st.groupByName[strings.ToLower(name)]; cur != nil {
		g = cur.edit()
	}
	return st.groupWrite(req, d, g)
}

// groupWrite is handleGroupUpdateCommon on g (a copy; nil: a new group).
func (st *identityState) groupWrite(req *request, d *fieldData, g *idGroup) (*response, error) {
	isNew := g == nil
	if isNew {
		g = &idGroup{}
	}
	if d.has("policies") {
		g.Policies = removeDuplicatesStable(d.strings("policies"))
	}
	if containsFold(g.Policies, rootPolicyName) {
		return nil, badRequest("policies cannot contain root")
	}
	if d.has("type") {
		t := d.str("type")
		if g.Type != "" && t != g.Type {
			return nil, badRequest("group type cannot be changed")
		}
		g.Type = t
	}
	if g.Type == "" {
		g.Type = groupInternal
	}
	if g.Type != groupInternal && g.Type != groupExternal {
		return nil, badRequest("invalid group type %q", g.Type)
	}
	if name := d.str("name"); name != "" {
		if cur := st.groupByName[strings.ToLower(name)]; cur != nil && cur.ID != g.ID {
			return nil, badRequest("group name is already in use")
		}
		g.Name = name
	}
	if d.has("metadata") {
		g.Metadata = d.kv("metadata")
	}
	if d.has("member_entity_ids") {
		if g.Type == groupExternal {
			return nil, badRequest("member entities can't be set manually for external groups")
		}
		g.MemberEntityIDs = d.strings("member_entity_ids")
	}
	var memberGroupIDs []string
	if d.has("member_group_ids") {
		if g.Type == groupExternal {
			return nil, badRequest("member groups can't be set for external groups")
		}
		memberGroupIDs = d.strings("member_group_ids")
	}
	if err := st.upsertGroup(req, g, nil, memberGroupIDs); err != nil {
		return nil, err
	}
	if !isNew {
		return nil, nil
	}
	return dataResp(map[string]any{"id": g.ID, "name": g.Name}), nil
}

// upsertGroup is Vault's sanitizeAndUpsertGroup: ids, names and times,
// members checked, member groups' parents updated (memberGroupIDs nil:
// left as they are) without making a cycle; then g (and prev, a group
// losing its alias to g) are stored. Nothing is stored on an error.
func (st *identityState) upsertGroup(req *request, g, prev *idGroup, memberGroupIDs []string) error {
	if g.ID == "" {
		g.ID = newUUID()
	}
	if g.Name == "" {
		g.Name = st.generateName("group")
	}
	if err := validateIdentityMetadata(g.Metadata); err != nil {
		return internalError("invalid group metadata: %s", err)
	}
	if g.Created.IsZero() {
		g.Created = req.now
	}
	g.Updated = req.now
	if g.MemberEntityIDs != nil {
		g.MemberEntityIDs = removeDuplicates(g.MemberEntityIDs)
		for _, id := range g.MemberEntityIDs {
			if st.entities[id] == nil {
				return internalError("invalid entity ID %q", id)
			}
		}
	}
	if g.Policies != nil {
		g.Policies = removeDuplicates(g.Policies)
	}
	changed := map[string]*idGroup{}
	if memberGroupIDs != nil {
		memberGroupIDs = removeDuplicates(memberGroupIDs)
		for _, cur := range st.memberGroups(g.ID) {
			if contains(memberGroupIDs, cur.ID) {
				continue
			}
			cur = cur.edit()
			cur.ParentGroupIDs = deleteString(cur.ParentGroupIDs, g.ID)
			changed[cur.ID] = cur
		}
		for _, mid := range memberGroupIDs {
			mg := st.groups[mid]
			if mg == nil {
				return internalError("invalid member group ID %q", mid)
			}
			if contains(mg.ParentGroupIDs, g.ID) {
				continue
			}
			if g.ID == mid {
				return internalError("member group ID %q is same as the ID of the group", g.ID)
			}
			if st.groups[g.ID] != nil && st.reaches(mid, g.ID, map[string]bool{}) {
				return badRequest("cyclic relationship detected for member group ID %q", mid)
			}
			mg = mg.edit()
			mg.ParentGroupIDs = append(mg.ParentGroupIDs, g.ID)
			changed[mg.ID] = mg
		}
	}
	if g.Alias != nil {
		g.Alias.CanonicalID = g.ID
		if g.Alias.ID == "" {
			g.Alias.ID = newUUID()
		}
	}
	for _, c := range changed {
		st.putGroup(c)
	}
	if prev != nil {
		st.putGroup(prev)
	}
	st.putGroup(g)
	return nil
}

// reaches reports whether target is from, or a member group of from at
// any depth (Vault's detectCycleDFS).
func (st *identityState) reaches(from, target string, visited map[string]bool) bool {
	if from == target {
		return true
	}
	if visited[from] || st.groups[from] == nil {
		return false
	}
	visited[from] = true
	for _, m := range st.memberGroups(from) {
		if st.reaches(m.ID, target, visited) {
			return true
		}
	}
	return false
}

// removeDuplicatesStable is Vault's strutil.RemoveDuplicatesStable with
// case-insensitive comparison: first spellings kept, in order.
func removeDuplicatesStable(in []string) []string {
	seen := map[string]bool{}
	out := make([]string, 0, len(in))
	for _, s := range in {
		k := strings.ToLower(strings.TrimSpace(s))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, s)
	}
	return out
}

func (st *identityState) groupReadByID(req *request, d *fieldData) (*response, error) {
	return st.groupRead(req, st.groups[d.str("id")]), nil
}

func (st *identityState) groupReadByName(req *request, d *fieldData) (*response, error) {
	return st.groupRead(req, st.groupByName[strings.ToLower(d.str("name"))]), nil
}

// groupRead is a group as Vault answers it (handleGroupReadCommon), nil
// (404) for none.
func (st *identityState) groupRead(req *request, g *idGroup) *response {
	if g == nil {
		return nil
	}
	alias := map[string]any{}
	if a := g.Alias; a != nil {
		alias = map[string]any{"id": a.ID, "canonical_id": a.CanonicalID, "mount_accessor": a.MountAccessor,
			"metadata": a.Metadata, "name": a.Name, "merged_from_canonical_ids": a.MergedFrom,
			"creation_time": idTime(a.Created), "last_update_time": idTime(a.Updated)}
		req.mountInfo(a.MountAccessor, alias)
	}
	var members []string
	for _, m := range st.memberGroups(g.ID) {
		members = append(members, m.ID)
	}
	return dataResp(map[string]any{
		"id": g.ID, "name": g.Name, "policies": g.Policies, "member_entity_ids": g.MemberEntityIDs,
		"parent_group_ids": g.ParentGroupIDs, "metadata": g.Metadata, "creation_time": idTime(g.Created),
		"last_update_time": idTime(g.Updated), "modify_index": g.ModifyIndex, "type": g.Type,
		"namespace_id": "root", "alias": alias, "member_group_ids": members,
	})
}

func (st *identityState) groupDeleteByID(req *request, d *fieldData) (*response, error) {
	if g := st.groups[d.str("id")]; g != nil {
		st.deleteGroup(g)
	}
	return nil, nil
}

func (st *identityState) groupDeleteByName(req *request, d *fieldData) (*response, error) {
	if g := st.groupByName[strings.ToLower(d.str("name"))]; g != nil {
		st.deleteGroup(g)
	}
	return nil, nil
}

func (st *identityState) groupListByID(req *request, d *fieldData) (*response, error) {
	return st.groupList(req, true), nil
}

func (st *identityState) groupListByName(req *request, d *fieldData) (*response, error) {
	return st.groupList(req, false), nil
}

// groupList lists groups (ids or names, in id order) with key_info keyed
// by id, as Vault's handleGroupListCommon (so names get none).
func (st *identityState) groupList(req *request, byID bool) *response {
	var keys []string
	info := map[string]any{}
	for _, g := range st.sortedGroups(func(*idGroup) bool { return true }) {
		if !byID {
			keys = append(keys, g.Name)
			continue
		}
		keys = append(keys, g.ID)
		entry := map[string]any{"name": g.Name, "num_member_entities": len(g.MemberEntityIDs),
			"num_parent_groups": len(g.ParentGroupIDs)}
		if a := g.Alias; a != nil {
			al := map[string]any{"id": a.ID, "name": a.Name, "mount_accessor": a.MountAccessor}
			req.mountInfo(a.MountAccessor, al)
			entry["alias"] = al
		}
		info[g.ID] = entry
	}
	return listWithInfo(keys, info)
}

package mockvault

import (
	"fmt"
	"net/http"
	"strings"
)

// identity/entity: create, read, update and delete by id and by name,
// LIST by id and by name, batch-delete and merge (Vault's
// identity_store_entities.go).

var entityFields = fields{"id": tString, "name": tString, "metadata": tKVPairs, "policies": tCommaSlice, "disabled": tBool}

func identityEntityPaths() []*path {
	rud := map[op]identityHandler{opUpdate: (*identityState).entityWrite}
	return []*path{
		idPath("entity", entityFields, rud),
		idPath("entity/name/{name:.+}", entityFields, map[op]identityHandler{opUpdate: (*identityState).entityWrite,
			opRead: (*identityState).entityReadByName, opDelete: (*identityState).entityDeleteByName}),
		idPath("entity/id/"+tName("id"), entityFields, map[op]identityHandler{opUpdate: (*identityState).entityWrite,
			opRead: (*identityState).entityReadByID, opDelete: (*identityState).entityDeleteByID}),
		idPath("entity/batch-delete", fields{"entity_ids": tCommaSlice}, map[op]identityHandler{opUpdate: (*identityState).entityBatchDelete}),
		idPath("entity/name/", nil, map[op]identityHandler{opList: (*identityState).entityListByName}),
		idPath("entity/id/", nil, map[op]identityHandler{opList: (*identityState).entityListByID}),
		idPath("entity/merge", fields{"from_entity_ids": tCommaSlice, "to_entity_id": tString,
			"conflicting_alias_ids_to_keep": tCommaSlice, "force": tBool},
			map[op]identityHandler{opUpdate: (*identityState).entityMerge}),
	}
}

// entityWrite creates or updates an entity (handleEntityUpdateCommon): by
// id, else by name, else a new one. A new entity is answered with its id,
// name and alias ids; an update with 204.
func (st *identityState) entityWrite(req *request, d *fieldData) (*response, error) {
	var e *idEntity
	if id := d.str("id"); id != "" {
		cur := st.entities[id]
		if cur == nil {
			return nil, badRequest("entity not found from id")
		}
		e = cur.edit()
	}
	name := d.str("name")
	if name != "" {
		if byName := st.entityByName[strings.ToLower(name)]; byName != nil {
			switch {
			case e == nil:
				e = byName.edit()
			case e.ID != byName.ID:
				return nil, badRequest("entity name is already in use")
			}
		}
	}
	isNew := e == nil
	if isNew {
		e = &idEntity{}
	}
	if name != "" {
		e.Name = name
	}
	if d.has("policies") {
		e.Policies = removeDuplicates(d.strings("policies"))
	}
	if containsFold(e.Policies, rootPolicyName) {
		return nil, badRequest("policies cannot contain root")
	}
	if d.has("disabled") {
		e.Disabled = d.boolean("disabled", false)
	}
	if d.has("metadata") {
		e.Metadata = d.kv("metadata")
	}
	if isNew {
		e.ID = newUUID()
		if e.Name == "" {
			e.Name = st.generateName("entity")
		}
	}
	if err := validateIdentityMetadata(e.Metadata); err != nil {
		return nil, internalError("invalid entity metadata: %s", err)
	}
	if isNew {
		e.Created = req.now
	}
	e.Updated = req.now
	st.putEntity(e)
	if !isNew {
		return nil, nil
	}
	var aliasIDs []string
	for _, a := range e.Aliases {
		aliasIDs = append(aliasIDs, a.ID)
	}
	return dataResp(map[string]any{"id": e.ID, "name": e.Name, "aliases": aliasIDs}), nil
}

func (st *identityState) entityReadByID(req *request, d *fieldData) (*response, error) {
	return st.entityRead(req, st.entities[d.str("id")]), nil
}

func (st *identityState) entityReadByName(req *request, d *fieldData) (*response, error) {
	return st.entityRead(req, st.entityByName[strings.ToLower(d.str("name"))]), nil
}

// entityRead is an entity as Vault answers it (handleEntityReadCommon),
// nil (404) for none.
func (st *identityState) entityRead(req *request, e *idEntity) *response {
	if e == nil {
		return nil
	}
	aliases := make([]any, len(e.Aliases))
	for i, a := range e.Aliases {
		m := map[string]any{
			"id": a.ID, "canonical_id": a.CanonicalID, "mount_accessor": a.MountAccessor,
			"metadata": a.Metadata, "name": a.Name, "merged_from_canonical_ids": a.MergedFrom,
			"creation_time": idTime(a.Created), "last_update_time": idTime(a.Updated),
			"local": a.Local, "custom_metadata": a.CustomMetadata,
		}
		req.mountInfo(a.MountAccessor, m)
		aliases[i] = m
	}
	direct, inherited := st.entityGroups(e.ID)
	directIDs, inheritedIDs := make([]string, len(direct)), make([]string, len(inherited))
	for i, g := range direct {
		directIDs[i] = g.ID
	}
	for i, g := range inherited {
		inheritedIDs[i] = g.ID
	}
	return dataResp(map[string]any{
		"id": e.ID, "name": e.Name, "metadata": e.Metadata, "merged_entity_ids": e.MergedEntityIDs,
		"policies": removeDuplicates(e.Policies), "disabled": e.Disabled, "namespace_id": "root",
		"creation_time": idTime(e.Created), "last_update_time": idTime(e.Updated), "aliases": aliases,
		"direct_group_ids": directIDs, "inherited_group_ids": inheritedIDs,
		"group_ids": append(append([]string{}, directIDs...), inheritedIDs...),
	})
}

func (st *identityState) entityDeleteByID(req *request, d *fieldData) (*response, error) {
	if e := st.entities[d.str("id")]; e != nil {
		st.removeEntity(e)
	}
	return nil, nil
}

func (st *identityState) entityDeleteByName(req *request, d *fieldData) (*response, error) {
	if e := st.entityByName[strings.ToLower(d.str("name"))]; e != nil {
		st.removeEntity(e)
	}
	return nil, nil
}

// removeEntity deletes an entity with its aliases, and its memberships
// (handleEntityDeleteCommon). Its tokens are refused from then on.
func (st *identityState) removeEntity(e *idEntity) {
	for _, g := range st.groupsWithMember(e.ID) {
		g = g.edit()
		g.MemberEntityIDs = deleteString(g.MemberEntityIDs, e.ID)
		st.putGroup(g)
	}
	st.deleteEntity(e)
}

func (st *identityState) entityBatchDelete(req *request, d *fieldData) (*response, error) {
	ids := d.strings("entity_ids")
	if len(ids) == 0 {
		return nil, badRequest("missing entity ids to delete")
	}
	for _, id := range ids {
		if e := st.entities[id]; e != nil {
			st.removeEntity(e)
		}
	}
	return nil, nil
}

// sortedEntities are the entities in id order (Vault lists them so).
func (st *identityState) sortedEntities() []*idEntity {
	out := make([]*idEntity, 0, len(st.entities))
	for _, e := range st.entities {
		out = append(out, e)
	}
	sortByID(out, func(e *idEntity) string { return e.ID })
	return out
}

// entityListByID lists entity ids, with their names and aliases as
// key_info.
func (st *identityState) entityListByID(req *request, d *fieldData) (*response, error) {
	var keys []string
	info := map[string]any{}
	for _, e := range st.sortedEntities() {
		keys = append(keys, e.ID)
		entry := map[string]any{"name": e.Name}
		if len(e.Aliases) > 0 {
			list := make([]any, len(e.Aliases))
			for i, a := range e.Aliases {
				m := map[string]any{"id": a.ID, "name": a.Name, "mount_accessor": a.MountAccessor}
				req.mountInfo(a.MountAccessor, m)
				list[i] = m
			}
			entry["aliases"] = list
		}
		info[e.ID] = entry
	}
	return listWithInfo(keys, info), nil
}

// entityListByName lists entity names, in id order. (Vault's key_info is
// keyed by id there, so it matches no key and is left out.)
func (st *identityState) entityListByName(req *request, d *fieldData) (*response, error) {
	var keys []string
	for _, e := range st.sortedEntities() {
		keys = append(keys, e.Name)
	}
	return listResp(keys), nil
}

// listWithInfo is Vault's ListResponseWithInfo.
func listWithInfo(keys []string, info map[string]any) *response {
	resp := listResp(keys)
	if len(keys) > 0 && len(info) > 0 {
		resp.data["key_info"] = info
	}
	return resp
}

// entityMerge merges entities into one (pathEntityMergeID / mergeEntity):
// their aliases move to it, with merged_from_canonical_ids; their group
// memberships too; they are deleted, and their tokens act as the merged
// entity. Aliases on the same mount conflict unless one is named in
// conflicting_alias_ids_to_keep.
func (st *identityState) entityMerge(req *request, d *fieldData) (*response, error) {
	toID := d.str("to_entity_id")
	if toID == "" {
		return nil, badRequest("missing entity id to merge to")
	}
	fromIDs := d.strings("from_entity_ids")
	if len(fromIDs) == 0 {
		return nil, badRequest("missing entity ids to merge from")
	}
	keep := d.strings("conflicting_alias_ids_to_keep")
	cur := st.entities[toID]
	if cur == nil {
		return nil, badRequest("entity id to merge to is invalid")
	}
	if len(fromIDs) > 1 && len(keep) > 1 {
		return nil, badRequest("aliases conflicts cannot be resolved with multiple from entity ids - merge one entity at a time")
	}
	fromIDs = removeDuplicates(fromIDs)
	to := cur.edit()

	// Every from entity is checked before anything changes.
	fromAccessors := map[string]string{}
	var clashes []string
	var clashInfo []any // Vault's aliasClashInformation, for its UI
	var froms []*idEntity
	for _, fid := range fromIDs {
		if fid == to.ID {
			return nil, badRequest("to_entity_id should not be present in from_entity_ids")
		}
		from := st.entities[fid]
		if from == nil {
			return nil, badRequest("entity id to merge from is invalid")
		}
		froms = append(froms, from)
		if len(keep) > 0 {
			continue
		}
		for _, ta := range to.Aliases {
			for _, fa := range from.Aliases {
				if id, ok := fromAccessors[fa.MountAccessor]; ok && id != fid {
					return nil, badRequest("mount accessor %s found in multiple fromEntities, merge should be done with one fromEntity at a time", fa.MountAccessor)
				}
				fromAccessors[fa.MountAccessor] = fid
				if ta.MountAccessor == fa.MountAccessor {
					clashes = append(clashes, fmt.Sprintf("mountAccessor: %s, toEntity ID: %s, fromEntity ID: %s, conflicting toEntity alias ID: %s, conflicting fromEntity alias ID: %s",
						ta.MountAccessor, to.ID, fid, ta.ID, fa.ID))
					clashInfo = append(clashInfo, req.clashEntry(to, ta), req.clashEntry(from, fa))
				}
			}
		}
	}
	if len(clashes) > 0 {
		msgs := append([]string{"toEntity and at least one fromEntity have aliases with the same mount accessor, repeat the merge request specifying exactly one fromEntity, clashes: "}, clashes...)
		// An error with data: Vault's ErrorResponseWithData.
		return &response{status: http.StatusBadRequest, raw: map[string]any{"errors": []string{multiErrText(msgs)}, "data": clashInfo}}, nil
	}

	toAccessors := map[string][]string{}
	for _, a := range to.Aliases {
		if _, ok := toAccessors[a.MountAccessor]; !ok {
			toAccessors[a.MountAccessor] = []string{a.ID}
		}
	}
	var memberOf []*idGroup
	for _, from := range froms {
		for _, fa := range from.Aliases {
			fa = fa.edit()
			for _, taID := range toAccessors[fa.MountAccessor] {
				switch {
				case contains(keep, taID):
					// Vault deletes the from alias from its index, and
					// still moves it below.
				case contains(keep, fa.ID):
					to.deleteAlias(taID)
				default:
					return nil, badRequest("conflicting mount accessors in following alias IDs and neither were present in conflicting_alias_ids_to_keep: %s, %s", fa.ID, taID)
				}
			}
			fa.CanonicalID = to.ID
			fa.MergedFrom = append(fa.MergedFrom, from.ID)
			to.upsertAlias(fa)
		}
		to.MergedEntityIDs = append(to.MergedEntityIDs, from.MergedEntityIDs...)
		to.MergedEntityIDs = append(to.MergedEntityIDs, from.ID)
		for _, g := range st.groupsWithMember(from.ID) {
			g = g.edit()
			g.MemberEntityIDs = deleteString(g.MemberEntityIDs, from.ID)
			st.putGroup(g)
			memberOf = append(memberOf, g)
		}
		st.deleteEntity(from)
	}
	// Non-local aliases first, as Vault stores them.
	var nonLocal, local []*idAlias
	for _, a := range to.Aliases {
		if a.Local {
			local = append(local, a)
		} else {
			nonLocal = append(nonLocal, a)
		}
	}
	to.Aliases = append(nonLocal, local...)
	st.putEntity(to)
	for _, g := range memberOf {
		g = st.groups[g.ID].edit()
		g.MemberEntityIDs = append(g.MemberEntityIDs, to.ID)
		st.putGroup(g)
	}
	return nil, nil
}

// clashEntry describes an alias of a merge clash.
func (req *request) clashEntry(e *idEntity, a *idAlias) map[string]any {
	out := map[string]any{"alias": a.Name, "entity": e.Name, "entity_id": e.ID, "mount": "", "mount_path": ""}
	if m := req.srv.mountByAccessor(a.MountAccessor); m != nil {
		out["mount"], out["mount_path"] = m.typ, m.path
	}
	return out
}

// deleteAlias drops the alias with this id from the entity.
func (e *idEntity) deleteAlias(id string) {
	for i, a := range e.Aliases {
		if a.ID == id {
			e.Aliases = append(e.Aliases[:i:i], e.Aliases[i+1:]...)
			return
		}
	}
}

// upsertAlias replaces the entity's alias with a's id, or appends a.
func (e *idEntity) upsertAlias(a *idAlias) {
	for i, x := range e.Aliases {
		if x.ID == a.ID {
			e.Aliases[i] = a
			return
		}
	}
	e.Aliases = append(e.Aliases, a)
}

// multiErrText is hashicorp/go-multierror's text for several errors.
func multiErrText(msgs []string) string {
	if len(msgs) == 1 {
		return "1 error occurred:\n\t* " + msgs[0] + "\n\n"
	}
	return fmt.Sprintf("%d errors occurred:\n\t* %s\n\n", len(msgs), strings.Join(msgs, "\n\t* "))
}

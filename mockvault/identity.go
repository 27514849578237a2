package mockvault

import (
	"maps"
	"sort"
	"strings"
	"time"
)

// The identity store (Vault 1.21.1's vault/identity_store*.go): entities
// with their aliases (one per auth mount accessor), internal and external
// groups, group aliases. This file holds the state and what the rest of
// the server asks of it: logins (every auth method, through
// issueLoginToken) find or create their entity and alias here; the ACL of
// a token adds its entity's identity policies; token roles' entity_alias
// resolves here too. The HTTP endpoints are in path_identity*.go.
//
// Names (of entities, groups and aliases) are case-insensitive, as Vault's
// memdb indexes them by default. Times are the server's clock.

// identityEngine is identity/: mounted as in Vault, one store per server.
func identityEngine() *engine {
	return &engine{
		typ: "identity", routes: identityRouter,
		state: func(*Server) engineState { return newIdentityState() },
		dev:   []mount{{path: "identity/", typ: "identity", description: "identity store"}},
	}
}

// idEntity is an entity (Vault's identity.Entity).
type idEntity struct {
	ID, Name        string
	Metadata        map[string]string
	Policies        []string
	Disabled        bool
	Aliases         []*idAlias
	MergedEntityIDs []string
	Created         time.Time
	Updated         time.Time
}

// idAlias is an entity alias or a group alias (Vault's identity.Alias).
type idAlias struct {
	ID, CanonicalID string
	MountAccessor   string
	Name            string
	Metadata        map[string]string
	CustomMetadata  map[string]string
	MergedFrom      []string
	Local           bool
	Created         time.Time
	Updated         time.Time
}

// idGroup is a group (Vault's identity.Group).
type idGroup struct {
	ID, Name        string
	Type            string // internal or external
	Policies        []string
	MemberEntityIDs []string
	ParentGroupIDs  []string
	Metadata        map[string]string
	Alias           *idAlias // external groups only
	ModifyIndex     int
	Created         time.Time
	Updated         time.Time
}

const (
	groupInternal = "internal"
	groupExternal = "external"
)

// identityState is the store. entities and groups are the data; the other
// maps are indexes rebuilt from them (reindex), never copied.
type identityState struct {
	entities map[string]*idEntity
	groups   map[string]*idGroup

	entityByName   map[string]*idEntity // lower-cased name
	entityByMerged map[string]*idEntity // merged-away entity id
	aliasByID      map[string]*idAlias
	aliasByFactors map[string]*idAlias // accessor + "\x00" + lower name
	groupByName    map[string]*idGroup
	gAliasByID     map[string]*idAlias
	gAliasFactors  map[string]*idAlias
}

func newIdentityState() *identityState {
	st := &identityState{entities: map[string]*idEntity{}, groups: map[string]*idGroup{}}
	st.reindex()
	return st
}

// reindex rebuilds every index from entities and groups.
func (st *identityState) reindex() {
	st.entityByName = make(map[string]*idEntity, len(st.entities))
	st.entityByMerged = map[string]*idEntity{}
	st.aliasByID = make(map[string]*idAlias, len(st.entities))
	st.aliasByFactors = make(map[string]*idAlias, len(st.entities))
	for _, e := range st.entities {
		st.indexEntity(e)
	}
	st.groupByName = make(map[string]*idGroup, len(st.groups))
	st.gAliasByID = map[string]*idAlias{}
	st.gAliasFactors = map[string]*idAlias{}
	for _, g := range st.groups {
		st.indexGroup(g)
	}
}

func factorsKey(accessor, name string) string { return accessor + "\x00" + strings.ToLower(name) }

func (st *identityState) indexEntity(e *idEntity) {
	st.entityByName[strings.ToLower(e.Name)] = e
	for _, id := range e.MergedEntityIDs {
		st.entityByMerged[id] = e
	}
	for _, a := range e.Aliases {
		st.aliasByID[a.ID] = a
		st.aliasByFactors[factorsKey(a.MountAccessor, a.Name)] = a
	}
}

func (st *identityState) unindexEntity(e *idEntity) {
	if st.entityByName[strings.ToLower(e.Name)] == e {
		delete(st.entityByName, strings.ToLower(e.Name))
	}
	for _, id := range e.MergedEntityIDs {
		if st.entityByMerged[id] == e {
			delete(st.entityByMerged, id)
		}
	}
	for _, a := range e.Aliases {
		delete(st.aliasByID, a.ID)
		if k := factorsKey(a.MountAccessor, a.Name); st.aliasByFactors[k] == a {
			delete(st.aliasByFactors, k)
		}
	}
}

func (st *identityState) indexGroup(g *idGroup) {
	st.groupByName[strings.ToLower(g.Name)] = g
	if a := g.Alias; a != nil {
		st.gAliasByID[a.ID] = a
		st.gAliasFactors[factorsKey(a.MountAccessor, a.Name)] = a
	}
}

func (st *identityState) unindexGroup(g *idGroup) {
	if st.groupByName[strings.ToLower(g.Name)] == g {
		delete(st.groupByName, strings.ToLower(g.Name))
	}
	if a := g.Alias; a != nil {
		delete(st.gAliasByID, a.ID)
		if k := factorsKey(a.MountAccessor, a.Name); st.gAliasFactors[k] == a {
			delete(st.gAliasFactors, k)
		}
	}
}

// putEntity stores e (new or changed: its old index entries go first).
func (st *identityState) putEntity(e *idEntity) {
	if old := st.entities[e.ID]; old != nil {
		st.unindexEntity(old)
	}
	st.entities[e.ID] = e
	st.indexEntity(e)
}

func (st *identityState) deleteEntity(e *idEntity) {
	st.unindexEntity(e)
	delete(st.entities, e.ID)
}

// putGroup stores g (new or changed), bumping its modify_index as Vault's
// UpsertGroupInTxn does.
func (st *identityState) putGroup(g *idGroup) {
	if old := st.groups[g.ID]; old != nil {
		st.unindexGroup(old)
	}
	g.ModifyIndex++
	st.groups[g.ID] = g
	st.indexGroup(g)
}

func (st *identityState) deleteGroup(g *idGroup) {
	st.unindexGroup(g)
	delete(st.groups, g.ID)
}

func (a *idAlias) clone() *idAlias {
	if a == nil {
		return nil
	}
	cp := *a
	cp.Metadata = maps.Clone(a.Metadata)
	cp.CustomMetadata = maps.Clone(a.CustomMetadata)
	cp.MergedFrom = cloneStrings(a.MergedFrom)
	return &cp
}

// clone copies an entity deeply: handlers change copies and store them
// with putEntity, so a failed request leaves the store as it was.
func (e *idEntity) clone() *idEntity {
	cp := *e
	cp.Metadata = maps.Clone(e.Metadata)
	cp.Policies = cloneStrings(e.Policies)
	cp.MergedEntityIDs = cloneStrings(e.MergedEntityIDs)
	cp.Aliases = make([]*idAlias, len(e.Aliases))
	for i, a := range e.Aliases {
		cp.Aliases[i] = a.clone()
	}
	return &cp
}

func (g *idGroup) clone() *idGroup {
	cp := *g
	cp.Policies = cloneStrings(g.Policies)
	cp.MemberEntityIDs = cloneStrings(g.MemberEntityIDs)
	cp.ParentGroupIDs = cloneStrings(g.ParentGroupIDs)
	cp.Metadata = maps.Clone(g.Metadata)
	cp.Alias = g.Alias.clone()
	return &cp
}

// edit copies an alias (entity, group: below) for a change, as Vault's
// protobuf Clone does: empty maps and lists come back nil (so a
// changed entity's aliases read "custom_metadata": null, not {}).
func (a *idAlias) edit() *idAlias {
	cp := a.clone()
	cp.Metadata, cp.CustomMetadata = nilIfEmptyMap(cp.Metadata), nilIfEmptyMap(cp.CustomMetadata)
	cp.MergedFrom = nilIfEmpty(cp.MergedFrom)
	return cp
}

func (e *idEntity) edit() *idEntity {
	cp := e.clone()
	cp.Metadata, cp.Policies, cp.MergedEntityIDs = nilIfEmptyMap(cp.Metadata), nilIfEmpty(cp.Policies), nilIfEmpty(cp.MergedEntityIDs)
	for i, a := range cp.Aliases {
		cp.Aliases[i] = a.edit()
	}
	if len(cp.Aliases) == 0 {
		cp.Aliases = nil
	}
	return cp
}

func (g *idGroup) edit() *idGroup {
	cp := g.clone()
	cp.Policies, cp.MemberEntityIDs, cp.ParentGroupIDs = nilIfEmpty(cp.Policies), nilIfEmpty(cp.MemberEntityIDs), nilIfEmpty(cp.ParentGroupIDs)
	cp.Metadata = nilIfEmptyMap(cp.Metadata)
	if cp.Alias != nil {
		cp.Alias = cp.Alias.edit()
	}
	return cp
}

func nilIfEmpty(l []string) []string {
	if len(l) == 0 {
		return nil
	}
	return l
}

func nilIfEmptyMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func (st *identityState) cloneState() engineState {
	out := &identityState{entities: make(map[string]*idEntity, len(st.entities)), groups: make(map[string]*idGroup, len(st.groups))}
	for id, e := range st.entities {
		out.entities[id] = e.clone()
	}
	for id, g := range st.groups {
		out.groups[id] = g.clone()
	}
	out.reindex()
	return out
}

// entityByIDOrMerged is Vault's fetchEntity: an entity by its id, or the
// entity another was merged into.
func (st *identityState) entityByIDOrMerged(id string) *idEntity {
	if e := st.entities[id]; e != nil {
		return e
	}
	return st.entityByMerged[id]
}

// entityOfAlias is the entity holding alias a.
func (st *identityState) entityOfAlias(a *idAlias) *idEntity {
	if a == nil {
		return nil
	}
	return st.entities[a.CanonicalID]
}

// groupOfAlias is the group holding group alias a.
func (st *identityState) groupOfAlias(a *idAlias) *idGroup {
	if a == nil {
		return nil
	}
	return st.groups[a.CanonicalID]
}

// sortedGroups are the groups for which keep holds, in id order (Vault's
// memdb indexes return them so).
func (st *identityState) sortedGroups(keep func(*idGroup) bool) []*idGroup {
	var out []*idGroup
	for _, g := range st.groups {
		if keep(g) {
			out = append(out, g)
		}
	}
	sortByID(out, func(g *idGroup) string { return g.ID })
	return out
}

// sortByID sorts a list by the ids id gives.
func sortByID[T any](list []T, id func(T) string) {
	sort.Slice(list, func(i, j int) bool { return id(list[i]) < id(list[j]) })
}

// groupsWithMember are the groups listing entity id as a member.
func (st *identityState) groupsWithMember(entityID string) []*idGroup {
	return st.sortedGroups(func(g *idGroup) bool { return contains(g.MemberEntityIDs, entityID) })
}

// memberGroups are the groups naming groupID as a parent.
func (st *identityState) memberGroups(groupID string) []*idGroup {
	return st.sortedGroups(func(g *idGroup) bool { return contains(g.ParentGroupIDs, groupID) })
}

// entityGroups are the groups an entity belongs to directly, and those it
// inherits through their parents (Vault's groupsByEntityID), each in id
// order.
func (st *identityState) entityGroups(entityID string) (direct, inherited []*idGroup) {
	direct = st.groupsWithMember(entityID)
	seen := map[string]bool{}
	for _, g := range direct {
		seen[g.ID] = true
	}
	var walk func(g *idGroup)
	walk = func(g *idGroup) {
		for _, pid := range g.ParentGroupIDs {
			p := st.groups[pid]
			if p == nil || seen[pid] {
				continue
			}
			seen[pid] = true
			inherited = append(inherited, p)
			walk(p)
		}
	}
	for _, g := range direct {
		walk(g)
	}
	sortByID(inherited, func(g *idGroup) string { return g.ID })
	return direct, inherited
}

// newEntity makes an entity with a fresh id and a generated name (Vault's
// sanitizeEntity for a new entity); the caller stores it.
func (st *identityState) newEntity(now time.Time) *idEntity {
	return &idEntity{ID: newUUID(), Name: st.generateName("entity"), Created: now, Updated: now}
}

// generateName is Vault's "entity_<8 hex>" / "group_<8 hex>", unused.
func (st *identityState) generateName(kind string) string {
	for {
		name := kind + "_" + randomHex(4)
		if kind == "entity" && st.entityByName[name] == nil || kind == "group" && st.groupByName[name] == nil {
			return name
		}
	}
}

// identityStore is the server's identity state.
func (s *Server) identityStore() *identityState {
	return s.stateOf(s.mounts["identity/"]).(*identityState)
}

// mountByAccessor is the mount (secrets engine or auth method) with this
// accessor, or nil (Vault's router.MatchingMountByAccessor).
func (s *Server) mountByAccessor(acc string) *mount {
	if acc == "" {
		return nil
	}
	for _, m := range s.mounts {
		if m.accessor == acc {
			return m
		}
	}
	return nil
}

// identityChanged drops the ACLs cached for entities: templated policy
// paths read entity names, metadata, aliases and groups, which changed.
func (s *Server) identityChanged() { s.policies.dropEntityACLs() }

// entityForAlias returns the identity entity of an alias on a mount,
// creating it (and its alias) on first use, as Vault's token store does
// for a role's entity_alias (a disabled entity included).
func (s *Server) entityForAlias(mountPath, alias string) string {
	m := s.mounts[mountPath]
	if m == nil {
		return ""
	}
	return s.fetchOrCreateEntity(m, &loginAlias{Name: alias}).ID
}

// identityLogin is Vault's CreateOrFetchEntity for a login through mount
// m: the entity of alias a on m (made with its alias on first login, the
// alias's metadata updated on later ones), with the mount's external
// groups named by groupAliases made to match. It returns the entity id,
// or Vault's refusal of a disabled entity.
func (s *Server) identityLogin(m *mount, a *loginAlias, groupAliases []string) (string, error) {
	if m == nil || a == nil || a.Name == "" {
		return "", nil
	}
	e := s.fetchOrCreateEntity(m, a)
	if e.Disabled {
		return "", errPermissionDenied
	}
	if s.identityStore().syncExternalGroups(e.ID, m.accessor, groupAliases) {
		s.identityChanged()
	}
	return e.ID, nil
}

// fetchOrCreateEntity finds the entity of alias a on mount m, updating the
// alias's metadata when it changed, or makes both.
func (s *Server) fetchOrCreateEntity(m *mount, a *loginAlias) *idEntity {
	st := s.identityStore()
	now := s.now()
	if al := st.aliasByFactors[factorsKey(m.accessor, a.Name)]; al != nil {
		e := st.entityOfAlias(al)
		if e != nil && equalStringMaps(al.Metadata, a.Metadata) {
			return e
		}
		if e != nil {
			e = e.edit()
			for _, x := range e.Aliases {
				if x.ID == al.ID {
					x.Metadata = maps.Clone(a.Metadata)
					x.Updated = now
				}
			}
			e.Updated = now
			st.putEntity(e)
			s.identityChanged()
			return e
		}
	}
	e := st.newEntity(now)
	e.Aliases = []*idAlias{{ID: newUUID(), CanonicalID: e.ID, MountAccessor: m.accessor, Name: a.Name,
		Metadata: maps.Clone(a.Metadata), Local: m.local, Created: now, Updated: now}}
	st.putEntity(e)
	s.identityChanged()
	return e
}

// syncExternalGroups is Vault's refreshExternalGroupMembershipsByEntityID:
// the entity joins the external groups whose aliases on this mount the
// login named and leaves this mount's others. It reports a change.
func (st *identityState) syncExternalGroups(entityID, accessor string, names []string) bool {
	want := map[string]bool{}
	for _, n := range names {
		if a := st.gAliasFactors[factorsKey(accessor, n)]; a != nil {
			if g := st.groupOfAlias(a); g != nil {
				want[g.ID] = true
			}
		}
	}
	changed := false
	for _, g := range st.sortedGroups(func(g *idGroup) bool { return g.Type == groupExternal }) {
		member := contains(g.MemberEntityIDs, entityID)
		switch {
		case want[g.ID] && !member:
			g = g.edit()
			g.MemberEntityIDs = append(g.MemberEntityIDs, entityID)
		case !want[g.ID] && member && (g.Alias == nil || g.Alias.MountAccessor == accessor):
			g = g.edit()
			g.MemberEntityIDs = deleteString(g.MemberEntityIDs, entityID)
		default:
			continue
		}
		st.putGroup(g)
		changed = true
	}
	return changed
}

// identityPolicies are the policies a token's entity adds to its own
// (Vault's identity_policies): the entity's, then those of every group it
// belongs to, directly, through a parent group or through an external
// group's alias. disabled reports a token Vault refuses: its entity is
// disabled, or gone.
func (s *Server) identityPolicies(entityID string) (policies []string, disabled bool) {
	st := s.identityStore()
	e := st.entityByIDOrMerged(entityID)
	if e == nil {
		return nil, true
	}
	policies = cloneStrings(e.Policies)
	direct, inherited := st.entityGroups(e.ID)
	var groupPolicies []string
	for _, g := range append(direct, inherited...) {
		groupPolicies = append(groupPolicies, g.Policies...)
	}
	if len(groupPolicies) > 0 {
		policies = append(policies, removeDuplicates(groupPolicies)...)
	}
	return policies, e.Disabled
}

// removeDuplicates is Vault's strutil.RemoveDuplicates (case kept):
// trimmed, without empties, deduplicated and sorted, never nil.
func removeDuplicates(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, strings.TrimSpace(s))
	}
	return dedupeSorted(out)
}

// deleteString is Vault's strutil.StrListDelete: the list without the
// first v (nil stays nil).
func deleteString(list []string, v string) []string {
	for i, x := range list {
		if x == v {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// equalStringMaps is Vault's strutil.EqualStringMaps (nil equals empty).
func equalStringMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

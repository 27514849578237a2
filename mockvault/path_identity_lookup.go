package mockvault

import "strings"

// identity/lookup/entity and identity/lookup/group: find one by id, name,
// alias id, or alias name and mount accessor (Vault's identity_lookup.go).
// Nothing found is a 204.

var lookupFields = fields{"name": tString, "id": tString, "alias_id": tString, "alias_name": tString, "alias_mount_accessor": tString}

func identityLookupPaths() []*path {
	return []*path{
		idPath("lookup/entity", lookupFields, map[op]identityHandler{opUpdate: (*identityState).lookupEntity}),
		idPath("lookup/group", lookupFields, map[op]identityHandler{opUpdate: (*identityState).lookupGroup}),
	}
}

// lookupQuery is the one distinct query of a lookup, or Vault's refusal.
type lookupQuery struct{ id, name, aliasID, aliasName, aliasAcc string }

func readLookupQuery(d *fieldData) (lookupQuery, error) {
	var q lookupQuery
	n := 0
	for k, dst := range map[string]*string{"id": &q.id, "name": &q.name, "alias_id": &q.aliasID,
		"alias_name": &q.aliasName, "alias_mount_accessor": &q.aliasAcc} {
		if d.has(k) {
			n++
			*dst = d.str(k)
		}
	}
	switch {
	case n == 0:
		return q, badRequest("query parameter not supplied")
	case n == 2 && q.aliasName != "" && q.aliasAcc != "":
	case n != 1:
		return q, badRequest("query parameter conflict; please supply distinct set of query parameters")
	case q.aliasName != "" || q.aliasAcc != "":
		return q, badRequest("both 'alias_name' and 'alias_mount_accessor' needs to be set")
	}
	return q, nil
}

func (st *identityState) lookupEntity(req *request, d *fieldData) (*response, error) {
	q, err := readLookupQuery(d)
	if err != nil {
		return nil, err
	}
	e := lookupBy(q, func(id string) *idEntity { return st.entities[id] }, st.entityByName,
		st.entityOfAlias, st.aliasByID, st.aliasByFactors)
	return st.entityRead(req, e), nil
}

func (st *identityState) lookupGroup(req *request, d *fieldData) (*response, error) {
	q, err := readLookupQuery(d)
	if err != nil {
		return nil, err
	}
	g := lookupBy(q, func(id string) *idGroup { return st.groups[id] }, st.groupByName,
		st.groupOfAlias, st.gAliasByID, st.gAliasFactors)
	return st.groupRead(req, g), nil
}

// lookupBy answers q from the indexes of entities or groups: by id, by
// (lower-cased) name, or through an alias by id or by mount and name.
func lookupBy[T any](q lookupQuery, byID func(string) T, byName map[string]T, ofAlias func(*idAlias) T,
	aliasByID, aliasByFactors map[string]*idAlias) T {
	var none T
	switch {
	case q.id != "":
		return byID(q.id)
	case q.name != "":
		return byName[strings.ToLower(q.name)]
	case q.aliasID != "":
		return ofAlias(aliasByID[q.aliasID])
	case q.aliasName != "" && q.aliasAcc != "":
		return ofAlias(aliasByFactors[factorsKey(q.aliasAcc, q.aliasName)])
	}
	return none
}

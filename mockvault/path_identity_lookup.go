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
	var e *idEntity
	switch {
	case q.id != "":
		e = st.entities[q.id]
	case q.name != "":
		e = st.entityByName[strings.ToLower(q.name)]
	case q.aliasID != "":
		e = st.entityOfAlias(st.aliasByID[q.aliasID])
	case q.aliasName != "" && q.aliasAcc != "":
		e = st.entityOfAlias(st.aliasByFactors[factorsKey(q.aliasAcc, q.aliasName)])
	}
	return st.entityRead(req, e), nil
}

func (st *identityState) lookupGroup(req *request, d *fieldData) (*response, error) {
	q, err := readLookupQuery(d)
	if err != nil {
		return nil, err
	}
	var g *idGroup
	switch {
	case q.id != "":
		g = st.groups[q.id]
	case q.name != "":
		g = st.groupByName[strings.ToLower(q.name)]
	case q.aliasID != "":
		g = st.groupOfAlias(st.gAliasByID[q.aliasID])
	case q.aliasName != "" && q.aliasAcc != "":
		g = st.groupOfAlias(st.gAliasFactors[factorsKey(q.aliasAcc, q.aliasName)])
	}
	return st.groupRead(req, g), nil
}

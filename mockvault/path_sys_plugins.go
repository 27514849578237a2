package mockvault

import (
	"net/http"
	"sort"
)

// sys/plugins/catalog lists the builtin plugins the mock implements (not
// every plugin Vault 1.21.1 ships: a script checking for one the mock lacks
// learns it here), as Vault's catalog lists its builtins. Registering an
// external plugin is refused: the mock runs none.

// catalogPlugin is one implemented builtin: type "auth" or "secret".
type catalogPlugin struct{ typ, name, version string }

// catalogPlugins are the implemented mountable engines, by type then name.
func (s *Server) catalogPlugins() []catalogPlugin {
	var out []catalogPlugin
	for _, e := range engineList {
		switch e.typ {
		case "system", "cubbyhole", "identity", "token":
			continue // core mounts are no plugins
		}
		if e.routes == nil {
			continue
		}
		typ := "secret"
		if e.auth {
			typ = "auth"
		}
		out = append(out, catalogPlugin{typ: typ, name: e.typ, version: s.pluginVersion(e.typ)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].typ != out[j].typ {
			return out[i].typ < out[j].typ
		}
		return out[i].name < out[j].name
	})
	return out
}

// externalBuiltins are the builtins Vault 1.21.1 ships as plugins with
// releases of their own (the versions its go.mod pins); the others report
// Vault's version. ("oidc" is the JWT plugin too, yet Vault reports its
// own version for it.)
var externalBuiltins = map[string]string{
	"kv":         "v0.25.0+builtin",
	"jwt":        "v0.25.0+builtin",
	"kubernetes": "v0.23.1+builtin",
}

// pluginVersion is the running version of a builtin (a mount of KV's
// legacy name "generic" reports Vault's).
func (s *Server) pluginVersion(typ string) string {
	if v, ok := externalBuiltins[typ]; ok {
		return v
	}
	return "v" + s.version + "+builtin.vault"
}

func (s *Server) sysPluginPaths() []*path {
	entry := fields{"type": tString, "name": tString, "version": tString, "sha256": tString, "command": tString,
		"args": tStringSlice, "env": tStringSlice, "oci_image": tString, "runtime": tString}
	one := map[op]handlerFunc{opRead: s.pluginRead, opUpdate: s.pluginRegister, opDelete: s.pluginRegister}
	return []*path{
		{pattern: "plugins/catalog", ops: map[op]handlerFunc{opRead: s.pluginCatalog}},
		{pattern: "plugins/catalog/", ops: map[op]handlerFunc{opRead: s.pluginCatalog}},
		{pattern: "plugins/catalog/{type:auth|database|secret}/", fields: entry, ops: map[op]handlerFunc{opList: s.pluginList}},
		{pattern: "plugins/catalog/{type:auth|database|secret}/{name:.+}", fields: entry, ops: one},
	}
}

func (s *Server) pluginCatalog(req *request, d *fieldData) (*response, error) {
	data := map[string]any{}
	var detailed []map[string]any
	for _, p := range s.catalogPlugins() {
		names, _ := data[p.typ].([]string)
		data[p.typ] = append(names, p.name)
		detailed = append(detailed, map[string]any{
			"type": p.typ, "name": p.name, "version": p.version, "builtin": true, "deprecation_status": "supported",
		})
	}
	data["detailed"] = detailed
	return dataResp(data), nil
}

func (s *Server) pluginList(req *request, d *fieldData) (*response, error) {
	keys := []string{}
	for _, p := range s.catalogPlugins() {
		if p.typ == d.str("type") {
			keys = append(keys, p.name)
		}
	}
	return dataResp(map[string]any{"keys": keys}), nil
}

func (s *Server) pluginRead(req *request, d *fieldData) (*response, error) {
	for _, p := range s.catalogPlugins() {
		if p.typ == d.str("type") && p.name == d.str("name") {
			return dataResp(map[string]any{
				"name": p.name, "args": nil, "command": "", "sha256": "", "builtin": true,
				"version": p.version, "deprecation_status": "supported",
			}), nil
		}
	}
	return nil, nil
}

func (s *Server) pluginRegister(req *request, d *fieldData) (*response, error) {
	return nil, errCode(http.StatusBadRequest, "mockvault does not run external plugins: the catalog holds only the builtins it implements")
}

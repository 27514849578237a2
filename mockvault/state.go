package mockvault

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// SetPolicy creates or replaces an ACL policy without going over HTTP.
// The rules are HCL or JSON, as sys/policies/acl accepts them.
func (s *Server) SetPolicy(name, rules string) error {
	p, err := parsePolicy(strings.ToLower(name), rules)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policies.byName[p.name] = p
	return nil
}

// HasPolicy reports whether an ACL policy exists.
func (s *Server) HasPolicy(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return name == rootPolicyName || s.policies.get(name) != nil
}

// identityEngine is identity/: mounted as in Vault. It serves the identity
// token endpoints (identity/oidc/..., path_identity_oidc.go); its other
// endpoints are not implemented yet (every request says so). Its state
// holds the entities logins and token roles' entity aliases create, and
// the identity token state.
func identityEngine() *engine {
	return &engine{
		typ:    "identity",
		routes: identityRouter,
		state: func(s *Server) engineState {
			return &identityState{aliases: map[string]string{}, oidc: newOIDCState(s.now())}
		},
		dev: []mount{{path: "identity/", typ: "identity", description: "identity store"}},
	}
}

// identityRouter serves identity/oidc/; any other identity path (OIDC
// providers included) answers that the mock does not implement it.
func identityRouter(s *Server, m *mount) *backend {
	b := newBackend(identityOIDCPaths(s))
	notImpl := unimplementedBackend(m).unimplemented
	noProviders := errCode(http.StatusNotFound, "1 error occurred:\n\t* unsupported path (mockvault does not implement identity OIDC providers)\n\n")
	b.notFound = func(rel string) error {
		for _, p := range []string{"oidc/provider", "oidc/client", "oidc/assignment", "oidc/scope"} {
			if strings.HasPrefix(rel, p) {
				return noProviders
			}
		}
		if strings.HasPrefix(rel, "oidc/") {
			return nil // Vault's own "unsupported path"
		}
		return notImpl
	}
	return b
}

// identityState is the identity store's state.
type identityState struct {
	// aliases maps mount path + alias name to an entity id.
	aliases map[string]string
	// oidc is the identity token state (identity_oidc.go).
	oidc *oidcState
}

func (st *identityState) cloneState() engineState {
	out := &identityState{aliases: make(map[string]string, len(st.aliases)), oidc: st.oidc.clone()}
	for k, v := range st.aliases {
		out.aliases[k] = v
	}
	return out
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
	oidcOf(s.stateOf(s.mounts["identity/"])).ensureDefaultMaterial(s.now())
}

// entityForAlias returns the identity entity of an alias on a mount,
// creating it on first use (Vault's identity store, reduced to ids).
func (s *Server) entityForAlias(mountPath, alias string) string {
	st := s.stateOf(s.mounts["identity/"]).(*identityState)
	key := mountPath + "\x00" + alias
	if id, ok := st.aliases[key]; ok {
		return id
	}
	id := newUUID()
	st.aliases[key] = id
	return id
}

// Read reads a Vault path as the root token would, without HTTP (a role,
// a secret, a mount's config…): the data of the answer, or nil when Vault
// would answer 404.
func (s *Server) Read(path string) (map[string]any, error) {
	return s.directOp(opRead, path, nil)
}

// Write writes a Vault path as the root token would, without HTTP, with
// the same checks as the API. It returns the answer's data, if any.
func (s *Server) Write(path string, data map[string]any) (map[string]any, error) {
	return s.directOp(opUpdate, path, data)
}

func (s *Server) directOp(o op, p string, data map[string]any) (map[string]any, error) {
	if data == nil {
		data = map[string]any{}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	resp, err := s.internalAs(nil, o, strings.TrimPrefix(p, "/"), data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", p, errText(err))
	}
	if resp == nil {
		return nil, nil
	}
	if resp.auth != nil {
		b, _ := json.Marshal(resp.auth)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		return map[string]any{"auth": m}, nil
	}
	return resp.data, nil
}

package mockvault

import (
	"encoding/json"
	"fmt"
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
	s.recordDirect("PUT", "sys/policies/acl/"+p.name, map[string]any{"policy": rules}, nil, nil)
	return nil
}

// HasPolicy reports whether an ACL policy exists.
func (s *Server) HasPolicy(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return name == rootPolicyName || s.policies.get(name) != nil
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
	rel := strings.TrimPrefix(p, "/")
	resp, err := s.internalAs(nil, o, rel, data)
	var out map[string]any
	switch {
	case err != nil:
	case resp != nil && resp.auth != nil:
		b, _ := json.Marshal(resp.auth)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out = map[string]any{"auth": m}
	case resp != nil:
		out = resp.data
	}
	s.recordDirect(directMethods[o], rel, data, out, err)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", p, errText(err))
	}
	return out, nil
}

// directMethods are the HTTP methods a recording shows direct operations
// as.
var directMethods = map[op]string{opRead: "GET", opUpdate: "PUT"}

package mockvault

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
)

// ACL policy endpoints: sys/policies/acl/:name and the older sys/policy.
func (s *Server) sysPolicyPaths() []*path {
	listOps := map[op]handlerFunc{opRead: s.policyList, opList: s.policyList}
	oldFields := fields{"name": tString, "rules": tString, "policy": tString}
	newFields := fields{"name": tString, "policy": tString}
	rw := map[op]handlerFunc{opRead: s.policyRead, opUpdate: s.policyWrite, opDelete: s.policyDelete}
	return []*path{
		{pattern: "policy", ops: listOps},
		{pattern: "policy/", ops: listOps},
		{pattern: "policy/{name:.+}", fields: oldFields, ops: rw},
		{pattern: "policies/acl", ops: map[op]handlerFunc{opList: s.policyList}},
		{pattern: "policies/acl/", ops: map[op]handlerFunc{opList: s.policyList}},
		{pattern: "policies/acl/{name:.+}", fields: newFields, ops: rw},
	}
}

// oldPolicyAPI tells sys/policy (which answers "rules" and "policies")
// from sys/policies/acl.
func oldPolicyAPI(req *request) bool { return strings.HasPrefix(req.rel, "policy") }

func (s *Server) policyList(req *request, d *fieldData) (*response, error) {
	keys := s.policies.list()
	data := map[string]any{"keys": keys}
	if oldPolicyAPI(req) {
		data["policies"] = keys
	}
	return dataResp(data), nil
}

func (s *Server) policyRead(req *request, d *fieldData) (*response, error) {
	p := s.policies.get(d.str("name"))
	if p == nil {
		return nil, nil
	}
	field := "policy"
	if oldPolicyAPI(req) {
		field = "rules"
	}
	return dataResp(map[string]any{"name": p.name, field: p.raw}), nil
}

func (s *Server) policyWrite(req *request, d *fieldData) (*response, error) {
	raw := d.str("name")
	name := strings.ToLower(raw)
	var warnings []string
	if name == "" {
		return nil, badRequest("policy name must be provided in the URL")
	}
	if name != raw {
		warnings = append(warnings, fmt.Sprintf("policy name was converted to %s", name))
	}
	text := d.str("policy")
	if text == "" && oldPolicyAPI(req) {
		text = d.str("rules")
		warnings = append(warnings, "'rules' is deprecated, please use 'policy' instead")
	}
	if text == "" {
		return nil, badRequest("'policy' parameter not supplied or empty")
	}
	text = decodePolicyText(text)
	if strings.Contains(name, "..") {
		// Vault's storage refuses keys with ".." (logical.ErrRelativePath).
		return nil, badRequest("failed looking up conflicting policy: relative paths not supported")
	}
	var p *policy
	var err error
	if pp := preparsedFor(req, text); pp != nil {
		p, err = pp.p, pp.err
	} else {
		p, err = parsePolicy(name, text)
	}
	if err != nil {
		return nil, badRequest("%s", err.Error())
	}
	p.name = name
	if err := s.policies.set(p); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if len(warnings) > 0 {
		return &response{warnings: warnings}, nil
	}
	return nil, nil
}

func (s *Server) policyDelete(req *request, d *fieldData) (*response, error) {
	if err := s.policies.remove(d.str("name")); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	return nil, nil
}

// decodePolicyText is the policy text of a write: Vault accepts it
// base64-encoded too.
func decodePolicyText(text string) string {
	if b, err := base64.StdEncoding.DecodeString(text); err == nil {
		return string(b)
	}
	return text
}

// A policy write is parsed before the request takes the server lock
// (ServeHTTP calls preparsePolicy): a big policy takes a second to parse,
// and every other request would wait that long. policyWrite takes the
// parsed policy when its text is the one parsed.
type preparsedKey struct{}

type preparsedPolicy struct {
	text string
	p    *policy
	err  error
}

// preparsePolicy parses the policy of a request that looks like a policy
// write (anything else is left alone) and attaches it to the request.
// Caller does not hold s.mu.
func (s *Server) preparsePolicy(req *request) {
	if req.http == nil || req.token == "" || req.op != opUpdate {
		return
	}
	oldAPI := strings.HasPrefix(req.path, "sys/policy/")
	if !oldAPI && !strings.HasPrefix(req.path, "sys/policies/acl/") {
		return
	}
	text, _ := req.data["policy"].(string)
	if text == "" && oldAPI {
		text, _ = req.data["rules"].(string)
	}
	if text == "" {
		return
	}
	text = decodePolicyText(text)
	p, err := parsePolicy("", text)
	pp := &preparsedPolicy{text: text, p: p, err: err}
	req.http = req.http.WithContext(context.WithValue(req.http.Context(), preparsedKey{}, pp))
}

// preparsedFor returns the policy preparsePolicy parsed from text, if any.
func preparsedFor(req *request, text string) *preparsedPolicy {
	if req.http == nil {
		return nil
	}
	pp, _ := req.http.Context().Value(preparsedKey{}).(*preparsedPolicy)
	if pp == nil || pp.text != text {
		return nil
	}
	return pp
}

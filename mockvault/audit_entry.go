package mockvault

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"time"
)

// auditEntry is one line of an audit device: Vault's request or response
// record, with its JSON keys (empty values are left out, as Vault's are).
type auditEntry struct {
	Auth     *auditAuth     `json:"auth,omitempty"`
	Error    string         `json:"error,omitempty"`
	Request  *auditRequest  `json:"request,omitempty"`
	Response *auditResponse `json:"response,omitempty"`
	Time     string         `json:"time,omitempty"`
	Type     string         `json:"type,omitempty"`
}

type auditAuth struct {
	Accessor         string             `json:"accessor,omitempty"`
	ClientToken      string             `json:"client_token,omitempty"`
	DisplayName      string             `json:"display_name,omitempty"`
	EntityCreated    bool               `json:"entity_created,omitempty"`
	EntityID         string             `json:"entity_id,omitempty"`
	IdentityPolicies []string           `json:"identity_policies,omitempty"`
	Metadata         map[string]string  `json:"metadata,omitempty"`
	NoDefaultPolicy  bool               `json:"no_default_policy,omitempty"`
	NumUses          int                `json:"num_uses,omitempty"`
	Policies         []string           `json:"policies,omitempty"`
	PolicyResults    *auditPolicyResult `json:"policy_results,omitempty"`
	RemainingUses    int                `json:"remaining_uses,omitempty"`
	TokenPolicies    []string           `json:"token_policies,omitempty"`
	TokenIssueTime   string             `json:"token_issue_time,omitempty"`
	TokenTTL         int64              `json:"token_ttl,omitempty"`
	TokenType        string             `json:"token_type,omitempty"`
}

type auditPolicyResult struct {
	Allowed          bool                `json:"allowed"`
	GrantingPolicies []auditPolicyGrants `json:"granting_policies,omitempty"`
}

type auditPolicyGrants struct {
	Name          string `json:"name,omitempty"`
	NamespaceID   string `json:"namespace_id,omitempty"`
	NamespacePath string `json:"namespace_path,omitempty"`
	Type          string `json:"type"`
}

type auditRequest struct {
	ClientID            string              `json:"client_id,omitempty"`
	ClientToken         string              `json:"client_token,omitempty"`
	ClientTokenAccessor string              `json:"client_token_accessor,omitempty"`
	Data                map[string]any      `json:"data,omitempty"`
	Headers             map[string][]string `json:"headers,omitempty"`
	ID                  string              `json:"id,omitempty"`
	MountAccessor       string              `json:"mount_accessor,omitempty"`
	MountClass          string              `json:"mount_class,omitempty"`
	MountPoint          string              `json:"mount_point,omitempty"`
	MountRunningVersion string              `json:"mount_running_version,omitempty"`
	MountType           string              `json:"mount_type,omitempty"`
	Namespace           *auditNamespace     `json:"namespace,omitempty"`
	Operation           string              `json:"operation,omitempty"`
	Path                string              `json:"path,omitempty"`
	RemoteAddr          string              `json:"remote_address,omitempty"`
	RemotePort          int                 `json:"remote_port,omitempty"`
	RequestURI          string              `json:"request_uri,omitempty"`
	WrapTTL             int                 `json:"wrap_ttl,omitempty"`
}

type auditNamespace struct {
	ID   string `json:"id,omitempty"`
	Path string `json:"path,omitempty"`
}

type auditResponse struct {
	Auth                *auditAuth     `json:"auth,omitempty"`
	Data                map[string]any `json:"data,omitempty"`
	MountAccessor       string         `json:"mount_accessor,omitempty"`
	MountClass          string         `json:"mount_class,omitempty"`
	MountPoint          string         `json:"mount_point,omitempty"`
	MountRunningVersion string         `json:"mount_running_plugin_version,omitempty"`
	MountType           string         `json:"mount_type,omitempty"`
	Secret              *auditSecret   `json:"secret,omitempty"`
	WrapInfo            *auditWrapInfo `json:"wrap_info,omitempty"`
	Warnings            []string       `json:"warnings,omitempty"`
}

type auditSecret struct {
	LeaseID string `json:"lease_id,omitempty"`
}

type auditWrapInfo struct {
	Accessor        string `json:"accessor,omitempty"`
	CreationPath    string `json:"creation_path,omitempty"`
	CreationTime    string `json:"creation_time,omitempty"`
	Token           string `json:"token,omitempty"`
	TTL             int    `json:"ttl,omitempty"`
	WrappedAccessor string `json:"wrapped_accessor,omitempty"`
}

// auditHeaders are the request's HTTP headers by lower-case name, kept
// whole: prepare keeps the audited ones.
func auditHeaders(req *request) map[string][]string {
	if req.http == nil {
		return nil
	}
	out := make(map[string][]string, len(req.http.Header))
	for k, v := range req.http.Header {
		out[strings.ToLower(k)] = v
	}
	return out
}

// auditAuthOf is the auth block Vault's CheckToken builds for the caller
// te: the token as sent, the entry's facts, and the ACL verdict.
func (s *Server) auditAuthOf(req *request, te *tokenEntry, allowed bool) *auditAuth {
	if te == nil {
		return nil
	}
	a := &auditAuth{
		Accessor: te.Accessor, ClientToken: req.token, DisplayName: te.DisplayName, EntityID: te.EntityID,
		Metadata: te.Meta, Policies: cloneStrings(te.Policies), TokenPolicies: cloneStrings(te.Policies),
		TokenTTL: int64(te.TTL.Seconds()), TokenType: te.Type,
		PolicyResults: &auditPolicyResult{Allowed: allowed},
	}
	// Uses left before this request spent one (the mock spends it
	// before the checks; -1 marks the last one).
	switch {
	case te.NumUses > 0:
		a.RemainingUses = te.NumUses + 1
	case te.NumUses == -1:
		a.RemainingUses = 1
	}
	if !te.CreationTime.IsZero() {
		a.TokenIssueTime = te.CreationTime.UTC().Format(time.RFC3339)
	}
	if allowed {
		// Vault's audit copy of the granting policies starts with as many
		// empty entries as there are policies (it appends to a slice made
		// with that length); the log shows them.
		g := s.grantingPolicies(req, te)
		a.PolicyResults.GrantingPolicies = append(make([]auditPolicyGrants, len(g)), g...)
	}
	return a
}

// grantingPolicies are the token's policies that allow the request on
// their own (Vault's ACLResults.GrantingPolicies).
func (s *Server) grantingPolicies(req *request, te *tokenEntry) []auditPolicyGrants {
	var out []auditPolicyGrants
	for _, p := range te.Policies {
		if p == rootPolicyName || s.aclFor([]string{p}).allow(req.path, req.op, req.data, req.wrapTTL).allowed {
			out = append(out, auditPolicyGrants{Name: p, NamespaceID: "root", Type: "acl"})
		}
	}
	return out
}

// auditRequestOf is the request record of req (its data unhashed).
func (s *Server) auditRequestOf(req *request) *auditRequest {
	r := &auditRequest{
		ID: req.id(), Operation: string(req.op), Path: req.path,
		Namespace: &auditNamespace{ID: "root"}, Data: req.data, Headers: auditHeaders(req),
		ClientToken: req.token, WrapTTL: int(req.wrapTTL.Seconds()),
	}
	if len(r.Data) == 0 {
		r.Data = nil
	}
	if req.http != nil {
		if host, port, err := net.SplitHostPort(req.http.RemoteAddr); err == nil {
			r.RemoteAddr = host
			r.RemotePort, _ = strconv.Atoi(port)
		}
		// Vault keeps the URI when it is not the bare path (a query string).
		if u := req.http.RequestURI; u != "" && u != req.http.URL.Path {
			r.RequestURI = u
		}
	}
	if m := req.mount; m != nil && m.typ != "none" {
		r.MountPoint, r.MountType, r.MountAccessor = m.path, m.typ, m.accessor
		r.MountRunningVersion, r.MountClass = s.pluginVersion(m.typ), "secret"
		if m.auth {
			r.MountClass = "auth"
		}
	}
	if te := req.te; te != nil {
		r.ClientTokenAccessor = te.Accessor
		// The request carries the token's stored id (a signed token's
		// inner one); the auth block keeps the token as sent.
		if inner, ok := sscInner(sscKey(s.batchKey), req.token); ok {
			r.ClientToken = inner
		}
		r.ClientID = clientIDOf(te)
	}
	return r
}

// auditResponseOf is the response record of resp (or of err, as Vault's
// error response).
func (s *Server) auditResponseOf(req *request, resp *response, err error) *auditResponse {
	r := &auditResponse{}
	if err != nil {
		_, msgs := statusOf(err)
		if len(msgs) > 0 {
			r.Data = map[string]any{"error": msgs[0]}
		}
		return r
	}
	if resp == nil {
		return nil
	}
	if resp.raw != nil {
		var b []byte
		if rm, ok := resp.raw.(json.RawMessage); ok {
			b = rm
		} else {
			b, _ = json.Marshal(resp.raw)
		}
		var m map[string]any
		if json.Unmarshal(b, &m) != nil || len(m) == 0 {
			return r
		}
		if _, ok := m["request_id"]; !ok {
			r.Data = m
			return r
		}
		// A whole answer (an unwrapped response): Vault logs what it holds.
		var env struct {
			Data     map[string]any `json:"data"`
			Warnings []string       `json:"warnings"`
			LeaseID  string         `json:"lease_id"`
			Auth     *authInfo      `json:"auth"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber() // as Vault decodes it: numbers are hashed too
		_ = dec.Decode(&env)
		resp = &response{data: env.Data, warnings: env.Warnings, leaseID: env.LeaseID, auth: env.Auth}
	}
	r.Data = resp.data
	r.Warnings = resp.warnings
	if resp.leaseID != "" {
		r.Secret = &auditSecret{LeaseID: resp.leaseID}
	}
	if a := resp.auth; a != nil {
		ra := &auditAuth{
			Accessor: a.Accessor, ClientToken: a.ClientToken, EntityID: a.EntityID, Metadata: a.Metadata,
			Policies: a.Policies, TokenPolicies: a.TokenPolicies, IdentityPolicies: a.IdentityPolicies,
			TokenTTL: int64(a.LeaseDuration), TokenType: a.TokenType, NumUses: a.NumUses,
		}
		ra.EntityCreated = resp.entityCreated
		if te := s.tokens.getByAccessor(a.Accessor); te != nil {
			ra.DisplayName = te.DisplayName
			ra.NoDefaultPolicy = te.NoDefault
		}
		r.Auth = ra
	}
	if w := resp.wrapInfo; w != nil {
		r.WrapInfo = &auditWrapInfo{
			Accessor: w.Accessor, CreationPath: w.CreationPath, CreationTime: w.CreationTime,
			Token: w.Token, TTL: w.TTL, WrappedAccessor: w.WrappedAccessor,
		}
	}
	return r
}

// prepare is the device's copy of e: audited headers only, and, unless
// log_raw, secrets HMACed where Vault's formatter hashes them.
func (d *auditDevice) prepare(e *auditEntry, headers map[string]bool) *auditEntry {
	out := *e
	var h func(string) string
	if !d.raw {
		h = d.hash
	}
	out.Auth = d.prepareAuth(e.Auth, h)
	if e.Request != nil {
		r := *e.Request
		r.Headers = map[string][]string{}
		for name, hm := range headers {
			if v, ok := e.Request.Headers[name]; ok {
				vals := append([]string(nil), v...)
				if hm {
					for i := range vals {
						vals[i] = d.hash(vals[i])
					}
				}
				r.Headers[name] = vals
			}
		}
		if h != nil {
			r.ClientToken = hashNonEmpty(r.ClientToken, h)
			if d.hmacAccessor {
				r.ClientTokenAccessor = hashNonEmpty(r.ClientTokenAccessor, h)
			}
		}
		if r.Data != nil {
			r.Data = hashValue(r.Data, h).(map[string]any)
		}
		out.Request = &r
	}
	if e.Response != nil {
		r := *e.Response
		r.Auth = d.prepareAuth(e.Response.Auth, h)
		if r.Data != nil {
			data := r.Data
			if d.elide && e.Request != nil && e.Request.Operation == string(opList) {
				data = elideList(data)
			}
			r.Data = hashValue(data, h).(map[string]any)
		}
		if w := e.Response.WrapInfo; w != nil && h != nil {
			cp := *w
			cp.Token = h(cp.Token)
			if d.hmacAccessor {
				cp.Accessor = h(cp.Accessor)
				cp.WrappedAccessor = hashNonEmpty(cp.WrappedAccessor, h)
			}
			r.WrapInfo = &cp
		}
		out.Response = &r
	}
	return &out
}

func (d *auditDevice) prepareAuth(a *auditAuth, h func(string) string) *auditAuth {
	if a == nil || h == nil {
		return a
	}
	cp := *a
	cp.ClientToken = hashNonEmpty(cp.ClientToken, h)
	if d.hmacAccessor {
		cp.Accessor = hashNonEmpty(cp.Accessor, h)
	}
	return &cp
}

func hashNonEmpty(v string, h func(string) string) string {
	if v == "" {
		return v
	}
	return h(v)
}

// elideList replaces a list answer's keys and key_info by their counts
// (elide_list_responses).
func elideList(data map[string]any) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = v
		switch k {
		case "keys":
			if l, ok := v.([]string); ok {
				out[k] = len(l)
			}
		case "key_info":
			if m, ok := v.(map[string]any); ok {
				out[k] = len(m)
			}
		}
	}
	return out
}

// jsonToJSONx is Vault's JSONx rendering of an entry (jefferai/jsonx's
// EncodeJSONBytes): the object's members in key order, no XML header,
// names escaped, string values written as they are.
func jsonToJSONx(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var o bytes.Buffer
	jsonxMembers(&o, v)
	return o.Bytes(), nil
}

func jsonxMembers(o *bytes.Buffer, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		jsonxValue(o, k, m[k])
	}
}

func jsonxValue(o *bytes.Buffer, name string, v any) {
	attr := ""
	if name != "" {
		var esc bytes.Buffer
		_ = xml.EscapeText(&esc, []byte(name))
		attr = " name=\"" + esc.String() + "\""
	}
	switch x := v.(type) {
	case nil:
		fmt.Fprintf(o, "<json:null%s />", attr)
	case bool:
		fmt.Fprintf(o, "<json:boolean%s>%t</json:boolean>", attr, x)
	case json.Number:
		fmt.Fprintf(o, "<json:number%s>%s</json:number>", attr, x)
	case string:
		fmt.Fprintf(o, "<json:string%s>%s</json:string>", attr, x)
	case []any:
		fmt.Fprintf(o, "<json:array%s>", attr)
		for _, e := range x {
			jsonxValue(o, "", e)
		}
		o.WriteString("</json:array>")
	case map[string]any:
		fmt.Fprintf(o, "<json:object%s>", attr)
		jsonxMembers(o, x)
		o.WriteString("</json:object>")
	}
}

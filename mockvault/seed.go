package mockvault

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl"
	"github.com/hashicorp/hcl/hcl/ast"
)

// Seed is a starting state: what `mockvault server -dev -seed FILE` and
// Server.Seed create. In HCL (JSON works too):
//
//	policy "app" {
//	  rules = <<EOT
//	path "secret/data/app/*" { capabilities = ["read"] }
//	EOT
//	}
//	auth "approle" { type = "approle" }
//	approle_role "ci" {
//	  mount      = "approle"
//	  role_id    = "ci-role-id"
//	  secret_ids = ["ci-secret-id"]
//	  config     = { token_policies = "build", token_ttl = "15m", token_type = "batch" }
//	}
//	token_role "ops" { config = { allowed_policies = "ops" } }
//	token "app-token" { policies = ["app"], ttl = "1h" }
//	kv "secret/app/config" { data = { user = "app", password = "s3cret" } }
//	write "sys/mounts/kv1" { data = { type = "kv" } }
//
// Blocks are applied in that order of kinds, through the same code as the
// HTTP API, so every value is checked as Vault checks it.
type Seed struct {
	Policies     []SeedPolicy
	Auths        []SeedAuth
	TokenRoles   []SeedTokenRole
	AppRoleRoles []SeedAppRole
	Tokens       []SeedToken
	KV           []SeedKV
	Writes       []SeedWrite
}

// SeedPolicy is an ACL policy.
type SeedPolicy struct {
	Name  string
	Rules string
	line  int
}

// SeedAuth enables an auth method at Path (e.g. "approle").
type SeedAuth struct {
	Path   string
	Type   string
	Config map[string]any // default_lease_ttl, max_lease_ttl, token_type…
	line   int
}

// SeedTokenRole is an auth/token/roles entry.
type SeedTokenRole struct {
	Name   string
	Config map[string]any
	line   int
}

// SeedAppRole is an AppRole role with optional fixed role and secret IDs.
type SeedAppRole struct {
	Name      string
	Mount     string // default "approle"
	RoleID    string
	SecretIDs []string
	Config    map[string]any
	line      int
}

// SeedToken is a token with a fixed id, created by the root token (or by
// Parent, the id of an earlier seeded token).
type SeedToken struct {
	ID       string
	Parent   string
	Policies []string
	TTL      string
	Type     string
	Orphan   bool
	Period   string
	NumUses  int
	Config   map[string]any // any other auth/token/create field
	line     int
}

// SeedKV is a secret written at a KV path ("secret/app/config"); the
// mount's version decides the API used.
type SeedKV struct {
	Path string
	Data map[string]any
	line int
}

// SeedWrite is any write to the API, for what the other blocks lack.
type SeedWrite struct {
	Path string
	Data map[string]any
	line int
}

// ParseSeed reads a seed in HCL or JSON. Errors name the line.
func ParseSeed(src []byte) (*Seed, error) {
	root, err := parseHCL(src)
	if err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	list, ok := root.Node.(*ast.ObjectList)
	if !ok {
		return nil, fmt.Errorf("seed: not an object")
	}
	sd := &Seed{}
	for _, item := range list.Items {
		line := item.Pos().Line
		kind := item.Keys[0].Token.Value().(string)
		if len(item.Keys) < 2 {
			return nil, fmt.Errorf("seed: line %d: %q needs a name: %s \"NAME\" { ... }", line, kind, kind)
		}
		name := item.Keys[1].Token.Value().(string)
		var raw map[string]any
		if err := hcl.DecodeObject(&raw, item.Val); err != nil {
			return nil, fmt.Errorf("seed: line %d: %s %q: %w", line, kind, name, err)
		}
		get := func(k string) (any, bool) { v, ok := raw[k]; delete(raw, k); return v, ok }
		str := func(k string) string { v, _ := get(k); s, _ := v.(string); return s }
		m := func(k string) map[string]any {
			v, _ := get(k)
			return flattenHCLMap(v)
		}
		strs := func(k string) []string {
			v, _ := get(k)
			var out []string
			switch t := v.(type) {
			case []any:
				for _, x := range t {
					out = append(out, fmt.Sprint(x))
				}
			case string:
				out = append(out, t)
			}
			return out
		}
		switch kind {
		case "policy":
			sd.Policies = append(sd.Policies, SeedPolicy{Name: name, Rules: str("rules"), line: line})
		case "auth":
			sd.Auths = append(sd.Auths, SeedAuth{Path: name, Type: str("type"), Config: m("config"), line: line})
		case "token_role":
			sd.TokenRoles = append(sd.TokenRoles, SeedTokenRole{Name: name, Config: m("config"), line: line})
		case "approle_role":
			sd.AppRoleRoles = append(sd.AppRoleRoles, SeedAppRole{Name: name, Mount: str("mount"), RoleID: str("role_id"), SecretIDs: strs("secret_ids"), Config: m("config"), line: line})
		case "token":
			t := SeedToken{ID: name, Parent: str("parent"), Policies: strs("policies"), TTL: str("ttl"), Type: str("type"), Period: str("period"), Config: m("config"), line: line}
			if v, ok := get("orphan"); ok {
				t.Orphan, _ = v.(bool)
			}
			if v, ok := get("num_uses"); ok {
				n, _ := v.(int)
				t.NumUses = n
			}
			sd.Tokens = append(sd.Tokens, t)
		case "kv":
			sd.KV = append(sd.KV, SeedKV{Path: name, Data: m("data"), line: line})
		case "write":
			sd.Writes = append(sd.Writes, SeedWrite{Path: name, Data: m("data"), line: line})
		default:
			return nil, fmt.Errorf("seed: line %d: unknown block %q (want policy, auth, token_role, approle_role, token, kv or write)", line, kind)
		}
		if len(raw) > 0 {
			var keys []string
			for k := range raw {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			return nil, fmt.Errorf("seed: line %d: %s %q: unknown field(s) %s", line, kind, name, strings.Join(keys, ", "))
		}
	}
	return sd, nil
}

// LoadSeedFile reads and parses a seed file.
func LoadSeedFile(path string) (*Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sd, err := ParseSeed(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sd, nil
}

// flattenHCLMap turns HCL's list-of-maps object decoding into one map.
func flattenHCLMap(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case []map[string]any:
		out := map[string]any{}
		for _, m := range t {
			for k, x := range m {
				out[k] = x
			}
		}
		return out
	case []any:
		out := map[string]any{}
		for _, x := range t {
			for k, y := range flattenHCLMap(x) {
				out[k] = y
			}
		}
		return out
	}
	return nil
}

// Seed applies sd as the root user would, all or nothing: on error the
// server is left as it was and the error names the seed line.
func (s *Server) Seed(sd *Seed) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := s.snapshotLocked()
	if err := s.applySeed(sd); err != nil {
		s.mu.Unlock()
		s.Restore(before)
		s.mu.Lock()
		return err
	}
	s.recordEvent("seed")
	return nil
}

func (s *Server) applySeed(sd *Seed) error {
	for _, p := range sd.Policies {
		pol, err := parsePolicy(strings.ToLower(p.Name), p.Rules)
		if err != nil {
			return fmt.Errorf("seed: line %d: policy %q: %v", p.line, p.Name, err)
		}
		s.policies.byName[pol.name] = pol
	}
	for _, a := range sd.Auths {
		if a.Type == "" {
			return fmt.Errorf("seed: line %d: auth %q needs a type: auth %q { type = \"approle\" }", a.line, a.Path, a.Path)
		}
		data := map[string]any{"type": a.Type}
		if len(a.Config) > 0 {
			data["config"] = a.Config
		}
		if err := s.seedWrite(a.line, "sys/auth/"+strings.Trim(a.Path, "/"), data); err != nil {
			return err
		}
	}
	for _, r := range sd.TokenRoles {
		if err := s.seedWrite(r.line, "auth/token/roles/"+r.Name, r.Config); err != nil {
			return err
		}
	}
	for _, r := range sd.AppRoleRoles {
		mnt := strings.Trim(r.Mount, "/")
		if mnt == "" {
			mnt = "approle"
		}
		base := "auth/" + mnt + "/role/" + r.Name
		if err := s.seedAppRoleMount(r, mnt); err != nil {
			return err
		}
		if err := s.seedWrite(r.line, base, r.Config); err != nil {
			return err
		}
		if r.RoleID != "" {
			if err := s.seedWrite(r.line, base+"/role-id", map[string]any{"role_id": r.RoleID}); err != nil {
				return err
			}
		}
		for _, sid := range r.SecretIDs {
			if err := s.seedWrite(r.line, base+"/custom-secret-id", map[string]any{"secret_id": sid}); err != nil {
				return err
			}
		}
	}
	for _, t := range sd.Tokens {
		data := map[string]any{}
		for k, v := range t.Config {
			data[k] = v
		}
		data["id"] = t.ID
		if len(t.Policies) > 0 {
			data["policies"] = t.Policies
		}
		for k, v := range map[string]string{"ttl": t.TTL, "type": t.Type, "period": t.Period} {
			if v != "" {
				data[k] = v
			}
		}
		if t.NumUses != 0 {
			data["num_uses"] = t.NumUses
		}
		p := "auth/token/create"
		if t.Orphan {
			p = "auth/token/create-orphan"
		}
		var parent *tokenEntry
		if t.Parent != "" {
			parent = s.tokens.get(t.Parent)
			if parent == nil {
				return fmt.Errorf("seed: line %d: token %q: parent %q is not a seeded token", t.line, t.ID, t.Parent)
			}
		}
		resp, err := s.internalAs(nil, opUpdate, p, data)
		if err != nil {
			return fmt.Errorf("seed: line %d: token %q: %s", t.line, t.ID, errText(err))
		}
		if err := ignoredFieldsErr(resp, fmt.Sprintf("seed: line %d: token %q", t.line, t.ID)); err != nil {
			return err
		}
		if te := s.tokens.get(t.ID); parent != nil && te != nil {
			// Created by root (to keep its fixed id), then hung under its
			// parent so it dies with it.
			s.tokens.remove(te)
			te.Parent = parent.ID
			s.tokens.insert(te)
		}
	}
	for _, kv := range sd.KV {
		if m := s.mountFor(strings.Trim(kv.Path, "/")); m == nil || m.auth {
			first, _, _ := strings.Cut(strings.Trim(kv.Path, "/"), "/")
			return fmt.Errorf("seed: line %d: kv %q: no secrets engine is mounted at %q: put the secret under \"secret/\" "+
				"(KV version 2, as in dev mode) or mount one first: write \"sys/mounts/%s\" { data = { type = \"kv\", options = { version = \"2\" } } }",
				kv.line, kv.Path, first+"/", first)
		}
		p, data := s.kvWritePath(kv.Path, kv.Data)
		if err := s.seedWrite(kv.line, p, data); err != nil {
			return err
		}
	}
	for _, w := range sd.Writes {
		if err := s.seedWrite(w.line, w.Path, w.Data); err != nil {
			return err
		}
	}
	return nil
}

// kvWritePath maps "secret/app" to the API path of its mount's KV version.
func (s *Server) kvWritePath(p string, data map[string]any) (string, map[string]any) {
	p = strings.Trim(p, "/")
	m := s.mountFor(p)
	if m != nil && m.options["version"] == "2" {
		rel := strings.TrimPrefix(p, m.path)
		return m.path + "data/" + rel, map[string]any{"data": data}
	}
	return p, data
}

// seedAppRoleMount checks that an approle_role block has its AppRole
// mount, and says how to add it when it has not.
func (s *Server) seedAppRoleMount(r SeedAppRole, mnt string) error {
	m := s.mountFor("auth/" + mnt + "/")
	hint := fmt.Sprintf("auth %q { type = \"approle\" }", mnt)
	switch {
	case m == nil || !m.auth || m.path != "auth/"+mnt+"/":
		return fmt.Errorf("seed: line %d: approle_role %q: no AppRole auth method is enabled at auth/%s/: add the block %s to the seed", r.line, r.Name, mnt, hint)
	case m.typ != "approle":
		return fmt.Errorf("seed: line %d: approle_role %q: auth/%s/ is a %q auth method, not AppRole: make its block %s, or set mount in approle_role %q",
			r.line, r.Name, mnt, m.typ, hint, r.Name)
	}
	return nil
}

// seedWrite writes data at p as root. A parameter the endpoint reports as
// ignored (a typo) is an error: Vault would only warn.
func (s *Server) seedWrite(line int, p string, data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	resp, err := s.internalAs(nil, opUpdate, p, data)
	if err != nil {
		return fmt.Errorf("seed: line %d: %s: %s", line, p, errText(err))
	}
	return ignoredFieldsErr(resp, fmt.Sprintf("seed: line %d: %s", line, p))
}

// ignoredFieldsErr turns Vault's "Endpoint ignored these unrecognized
// parameters" warning into an error (endpoints answering 204 give none).
func ignoredFieldsErr(resp *response, where string) error {
	if resp == nil {
		return nil
	}
	for _, w := range resp.warnings {
		if ig, ok := strings.CutPrefix(w, "Endpoint ignored these unrecognized parameters: "); ok {
			return fmt.Errorf("%s: unknown field(s) %s: check the spelling against the endpoint's parameters in Vault's API documentation", where, ig)
		}
	}
	return nil
}

// internalAs runs a logical request from Go: as root, or as caller when
// given. Caller holds s.mu.
func (s *Server) internalAs(caller *tokenEntry, o op, p string, data map[string]any) (*response, error) {
	hr := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: "/v1/" + p}, Header: http.Header{}, RemoteAddr: "127.0.0.1:0"}
	req := &request{srv: s, op: o, path: p, data: data, internal: caller == nil, http: hr, remoteAddr: "127.0.0.1"}
	if caller != nil {
		req.token = caller.ID
	}
	return s.handle(req)
}

func errText(err error) string {
	_, msgs := statusOf(err)
	out := strings.Join(msgs, "; ")
	out = strings.TrimPrefix(out, "1 error occurred:\n\t* ")
	return strings.TrimSpace(out)
}

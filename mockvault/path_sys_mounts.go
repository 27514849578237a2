package mockvault

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/mitchellh/mapstructure"
)

// Mount management: sys/auth/:path and sys/mounts/:path (enable, read,
// disable), their /tune endpoints, and sys/internal/ui/mounts, which the
// vault kv CLI asks before every command.
func (s *Server) sysMountPaths() []*path {
	tune := fields{
		"path": tString, "default_lease_ttl": tString, "max_lease_ttl": tString, "description": tString,
		"audit_non_hmac_request_keys": tCommaSlice, "audit_non_hmac_response_keys": tCommaSlice,
		"options": tKVPairs, "listing_visibility": tString, "passthrough_request_headers": tCommaSlice,
		"allowed_response_headers": tCommaSlice, "token_type": tString, "user_lockout_config": tMap,
		"plugin_version": tString, "identity_token_key": tString, "allowed_managed_keys": tCommaSlice,
		"delegated_auth_accessors": tCommaSlice, "trim_request_trailing_slashes": tBool,
	}
	enable := fields{
		"path": tString, "type": tString, "description": tString, "config": tMap, "local": tBool,
		"seal_wrap": tBool, "external_entropy_access": tBool, "plugin_name": tString,
		"options": tKVPairs, "plugin_version": tString,
	}
	return []*path{
		{pattern: "auth/{path:.+}/tune", fields: tune, ops: map[op]handlerFunc{opRead: s.authTuneRead, opUpdate: s.authTuneWrite}},
		{pattern: "auth/{path:.+}", fields: enable, ops: map[op]handlerFunc{opRead: s.authRead, opUpdate: s.authEnable, opDelete: s.authDisable}},
		{pattern: "mounts/{path:.+}/tune", fields: tune, ops: map[op]handlerFunc{opRead: s.mountTuneRead, opUpdate: s.mountTuneWrite}},
		{pattern: "mounts/{path:.+}", fields: enable, ops: map[op]handlerFunc{opRead: s.mountRead, opUpdate: s.mountEnable, opDelete: s.mountDisable}},
		{pattern: "internal/ui/mounts", unauthenticated: true, ops: map[op]handlerFunc{opRead: s.uiMounts}},
		{pattern: "internal/ui/mounts/{path:.+}", fields: fields{"path": tString}, unauthenticated: true, ops: map[op]handlerFunc{opRead: s.uiMount}},
	}
}

// builtinAuthTypes and builtinSecretTypes are the plugins Vault 1.21
// ships. The mock serves some of them; the others mount with no endpoints.
var builtinAuthTypes = []string{
	"alicloud", "approle", "aws", "azure", "cert", "cf", "gcp", "github", "jwt", "kerberos",
	"kubernetes", "ldap", "oci", "oidc", "okta", "pcf", "radius", "userpass",
}

var builtinSecretTypes = []string{
	"alicloud", "aws", "azure", "consul", "database", "gcp", "gcpkms", "kubernetes", "kv", "ldap",
	"mongodbatlas", "nomad", "openldap", "pki", "rabbitmq", "ssh", "terraform", "totp", "transit",
}

// sanitizeMountPath is Vault's sanitizePath: a trailing slash, no leading.
func sanitizeMountPath(p string) string {
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	for strings.HasPrefix(p, "/") {
		if strings.HasPrefix(p, "/\\") {
			p = p[2:]
		} else {
			p = p[1:]
		}
	}
	return p
}

// apiMountConfig is the "config" object of an enable request.
type apiMountConfig struct {
	DefaultLeaseTTL            string   `mapstructure:"default_lease_ttl"`
	MaxLeaseTTL                string   `mapstructure:"max_lease_ttl"`
	ForceNoCache               bool     `mapstructure:"force_no_cache"`
	AuditNonHMACRequestKeys    []string `mapstructure:"audit_non_hmac_request_keys"`
	AuditNonHMACResponseKeys   []string `mapstructure:"audit_non_hmac_response_keys"`
	ListingVisibility          string   `mapstructure:"listing_visibility"`
	PassthroughRequestHeaders  []string `mapstructure:"passthrough_request_headers"`
	AllowedResponseHeaders     []string `mapstructure:"allowed_response_headers"`
	TokenType                  string   `mapstructure:"token_type"`
	AllowedManagedKeys         []string `mapstructure:"allowed_managed_keys"`
	PluginVersion              string   `mapstructure:"plugin_version"`
	UserLockoutConfig          any      `mapstructure:"user_lockout_config"`
	DelegatedAuthAccessors     []string `mapstructure:"delegated_auth_accessors"`
	IdentityTokenKey           string   `mapstructure:"identity_token_key"`
	TrimRequestTrailingSlashes bool     `mapstructure:"trim_request_trailing_slashes"`
	PluginName                 string   `mapstructure:"plugin_name"`
}

// parseEnableConfig reads config the way both enable handlers do; what
// names the table ("auth" or "mount") appears in one error text.
func parseEnableConfig(d *fieldData, what string) (*apiMountConfig, time.Duration, time.Duration, error) {
	cfg := &apiMountConfig{}
	raw, _ := d.getOk("config")
	cm, _ := raw.(map[string]any)
	for _, k := range []string{"audit_non_hmac_request_keys", "audit_non_hmac_response_keys", "passthrough_request_headers", "allowed_response_headers", "allowed_managed_keys"} {
		if s, ok := cm[k].(string); ok {
			v, err := parseutil.ParseCommaStringSlice(s)
			if err != nil {
				return nil, 0, 0, badRequest("unable to parse given auth config information")
			}
			cm[k] = v
		}
	}
	if len(cm) > 0 {
		for k, v := range cm {
			if n, ok := v.(interface{ String() string }); ok {
				cm[k] = n.String()
			}
		}
		if err := mapstructure.Decode(cm, cfg); err != nil {
			return nil, 0, 0, badRequest("unable to convert given %s config information", what)
		}
	}
	var def, max time.Duration
	switch cfg.DefaultLeaseTTL {
	case "", "system":
	default:
		v, err := parseutil.ParseDurationSecond(cfg.DefaultLeaseTTL)
		if err != nil {
			return nil, 0, 0, badRequest("unable to parse default TTL of %s: %s", cfg.DefaultLeaseTTL, err)
		}
		def = v
	}
	switch cfg.MaxLeaseTTL {
	case "", "system":
	default:
		v, err := parseutil.ParseDurationSecond(cfg.MaxLeaseTTL)
		if err != nil {
			return nil, 0, 0, badRequest("unable to parse max TTL of %s: %s", cfg.MaxLeaseTTL, err)
		}
		max = v
	}
	if max != 0 && def > max {
		return nil, 0, 0, badRequest("given default lease TTL greater than given max lease TTL")
	}
	if def > systemMaxTTL && max == 0 {
		return nil, 0, 0, badRequest("given default lease TTL greater than system max lease TTL of %d", int(systemMaxTTL.Seconds()))
	}
	return cfg, def, max, nil
}

func validListingVisibility(v string) bool { return v == "" || v == "hidden" || v == "unauth" }

// authEnable is POST sys/auth/:path.
func (s *Server) authEnable(req *request, d *fieldData) (*response, error) {
	p := sanitizeMountPath(d.str("path"))
	typ := d.str("type")
	cfg, def, max, err := parseEnableConfig(d, "auth")
	if err != nil {
		return nil, err
	}
	tokenType := "default-service"
	switch cfg.TokenType {
	case "", "default-service":
	case "default-batch", "service", "batch":
		tokenType = cfg.TokenType
	default:
		return nil, badRequest("invalid value for 'token_type'")
	}
	if typ, err = pluginType(typ, cfg, d); err != nil {
		return nil, err
	}
	opts := d.kv("options")
	if opts != nil && opts["version"] != "" {
		return nil, badRequest("auth method %q does not allow setting a version", typ)
	}
	if !validListingVisibility(cfg.ListingVisibility) {
		return nil, badRequest("invalid listing_visibility %s", cfg.ListingVisibility)
	}
	if p == "/" {
		return nil, badRequest("backend path must be specified")
	}
	for _, m := range s.sortedMounts(true) {
		rel := strings.TrimPrefix(m.path, "auth/")
		if strings.HasPrefix(rel, p) || strings.HasPrefix(p, rel) {
			return nil, badRequest("path is already in use at %s", rel)
		}
	}
	if typ == "token" {
		return nil, badRequest("token credential backend cannot be instantiated")
	}
	if e := engineByName[typ]; (e == nil || !e.auth) && !contains(builtinAuthTypes, typ) {
		// A secrets engine (kv, transit, system...) is no auth method.
		return nil, badRequest("plugin not found in the catalog: %s", typ)
	}
	m := &mount{path: "auth/" + p, typ: typ, auth: true, description: d.str("description"),
		local: d.boolean("local", false), sealWrap: d.boolean("seal_wrap", false), options: opts,
		defaultLeaseTTL: def, maxLeaseTTL: max, tokenType: tokenType,
		listingVisibility: cfg.ListingVisibility}
	return s.enableMount(m), nil
}

// pluginType resolves type "plugin" to its plugin_name, as Vault does.
func pluginType(typ string, cfg *apiMountConfig, d *fieldData) (string, error) {
	switch typ {
	case "":
		return "", badRequest("backend type must be specified as a string")
	case "plugin":
		switch {
		case cfg.PluginName != "":
			return cfg.PluginName, nil
		case d.str("plugin_name") != "":
			return d.str("plugin_name"), nil
		}
		return "", badRequest("plugin_name must be provided for plugin backend")
	}
	return typ, nil
}

// mountEnable is POST sys/mounts/:path.
func (s *Server) mountEnable(req *request, d *fieldData) (*response, error) {
	p := sanitizeMountPath(d.str("path"))
	typ := d.str("type")
	cfg, def, max, err := parseEnableConfig(d, "mount")
	if err != nil {
		return nil, err
	}
	if typ, err = pluginType(typ, cfg, d); err != nil {
		return nil, err
	}
	opts := d.kv("options")
	switch typ {
	case "kv", "generic":
	case "kv-v1", "kv-v2":
		if opts == nil {
			opts = map[string]string{}
		}
		opts["version"] = typ[len(typ)-1:]
		typ = "kv"
	default:
		if opts != nil && opts["version"] != "" {
			return nil, badRequest("secrets engine %q does not allow setting a version", typ)
		}
	}
	if !validListingVisibility(cfg.ListingVisibility) {
		return nil, badRequest("invalid listing_visibility %s", cfg.ListingVisibility)
	}
	for _, prot := range []string{"audit/", "auth/", "sys/", "cubbyhole/", "identity/"} {
		if strings.HasPrefix(p, prot) {
			return nil, badRequest("cannot mount %q", p)
		}
	}
	switch typ {
	case "cubbyhole", "system", "token", "identity":
		return nil, badRequest("mount type of %q is not mountable", typ)
	}
	for _, m := range s.sortedMounts(false) {
		if strings.HasPrefix(m.path, p) || strings.HasPrefix(p, m.path) {
			return nil, badRequest("path is already in use at %s", m.path)
		}
	}
	if e := engineByName[typ]; (e == nil || e.auth) && !contains(builtinSecretTypes, typ) {
		// An auth method (approle) is no secrets engine.
		return nil, badRequest("plugin not found in the catalog: %s", typ)
	}
	m := &mount{path: p, typ: typ, description: d.str("description"), local: d.boolean("local", false),
		sealWrap: d.boolean("seal_wrap", false), options: opts, defaultLeaseTTL: def, maxLeaseTTL: max,
		listingVisibility: cfg.ListingVisibility}
	return s.enableMount(m), nil
}

// authRead is GET sys/auth/:path: the exact auth mount.
func (s *Server) authRead(req *request, d *fieldData) (*response, error) {
	p := sanitizeMountPath(d.str("path"))
	if m := s.mounts["auth/"+p]; m != nil && m.auth {
		return dataResp(s.mountInfo(m)), nil
	}
	return nil, badRequest("No auth engine at %s", p)
}

// mountRead is GET sys/mounts/:path: the mount serving the path.
func (s *Server) mountRead(req *request, d *fieldData) (*response, error) {
	p := sanitizeMountPath(d.str("path"))
	m := s.mountFor(p)
	if m == nil {
		return nil, badRequest("No secret engine mount at %s", p)
	}
	return dataResp(s.mountInfo(m)), nil
}

// removeMount drops a mount, revoking the tokens it issued and the leases
// under it, and tells the engines.
func (s *Server) removeMount(m *mount) {
	s.revokeUnder(m)
	if e := engineByType(m.typ); e != nil && e.unmount != nil {
		e.unmount(s, m)
	}
	delete(s.mounts, m.path)
	// Engine state dies with its mount, whatever the engine.
	delete(s.engines, m.path)
}

// revokeUnder revokes the tokens mount m issued and those created under
// its path (Vault's RevokePrefix of the mount path).
func (s *Server) revokeUnder(m *mount) {
	for _, te := range s.tokens.all() {
		if s.tokens.get(te.ID) != te {
			continue
		}
		if (m.auth && te.authMount == m.path) || strings.HasPrefix(te.Path, m.path) {
			s.revokeTree(te)
		}
	}
}

// isTunePath tells a DELETE of sys/{auth,mounts}/:path/tune, which Vault's
// router gives to the tune path (an unsupported operation there), from a
// disable: no mount is named ".../tune".
func isTunePath(d *fieldData) bool { return strings.HasSuffix(d.str("path"), "/tune") }

func (s *Server) authDisable(req *request, d *fieldData) (*response, error) {
	if isTunePath(d) {
		return nil, errUnsupportedOp
	}
	p := sanitizeMountPath(d.str("path"))
	m := s.mounts["auth/"+p]
	if m == nil || !m.auth {
		return nil, nil
	}
	if p == "token/" {
		return nil, badRequest("token credential backend cannot be disabled")
	}
	s.removeMount(m)
	return nil, nil
}

func (s *Server) mountDisable(req *request, d *fieldData) (*response, error) {
	if isTunePath(d) {
		return nil, errUnsupportedOp
	}
	p := sanitizeMountPath(d.str("path"))
	m := s.mounts[p]
	if m == nil {
		return nil, nil
	}
	for _, prot := range []string{"audit/", "auth/", "sys/", "cubbyhole/", "identity/"} {
		if strings.HasPrefix(p, prot) {
			return nil, badRequest("cannot unmount %q", p)
		}
	}
	s.removeMount(m)
	return nil, nil
}

func (s *Server) authTuneRead(req *request, d *fieldData) (*response, error) {
	if d.str("path") == "" {
		return nil, badRequest("path must be specified as a string")
	}
	return s.tuneRead("auth/" + d.str("path"))
}

func (s *Server) mountTuneRead(req *request, d *fieldData) (*response, error) {
	if d.str("path") == "" {
		return nil, badRequest("path must be specified as a string")
	}
	return s.tuneRead(d.str("path"))
}

// tuneRead answers the tunable settings of the mount serving p.
func (s *Server) tuneRead(p string) (*response, error) {
	p = sanitizeMountPath(p)
	m := s.mountFor(p)
	if m == nil {
		return nil, badRequest("cannot fetch sysview for path %q", p)
	}
	def, max := effectiveTTLs(m)
	data := map[string]any{
		"description": m.description, "default_lease_ttl": int(def.Seconds()),
		"max_lease_ttl": int(max.Seconds()), "force_no_cache": false,
	}
	if m.auth {
		data["token_type"] = tokenTypeOf(m)
	}
	if lv := m.listingVisibility; lv != "" {
		data["listing_visibility"] = lv
	}
	if len(m.options) > 0 {
		data["options"] = m.options
	}
	if h := passthroughHeaders(m); h != nil {
		data["passthrough_request_headers"] = h
	}
	return dataResp(data), nil
}

// effectiveTTLs are the mount's TTLs with the system's filling zeros (no
// clamping: that is what tune and sys/internal/ui/mounts show).
func effectiveTTLs(m *mount) (time.Duration, time.Duration) {
	def, max := m.defaultLeaseTTL, m.maxLeaseTTL
	if def == 0 {
		def = systemMaxTTL
	}
	if max == 0 {
		max = systemMaxTTL
	}
	return def, max
}

func tokenTypeOf(m *mount) string {
	if m.tokenType == "" {
		return "default-service"
	}
	return m.tokenType
}

func (s *Server) authTuneWrite(req *request, d *fieldData) (*response, error) {
	if d.str("path") == "" {
		return nil, badRequest("missing path")
	}
	return s.tuneWrite(req, "auth/"+d.str("path"), d)
}

func (s *Server) mountTuneWrite(req *request, d *fieldData) (*response, error) {
	if d.str("path") == "" {
		return nil, badRequest("missing path")
	}
	return s.tuneWrite(req, d.str("path"), d)
}

// tuneWrite applies the settings in Vault's order; as in Vault, settings
// applied before a failing one stay applied.
func (s *Server) tuneWrite(req *request, p string, d *fieldData) (*response, error) {
	p = sanitizeMountPath(p)
	for _, u := range []string{"cubbyhole/", "sys/", "audit/"} {
		if strings.HasPrefix(p, u) {
			return nil, badRequest("cannot tune %q", p)
		}
	}
	m := s.mountFor(p)
	if m == nil {
		return nil, badRequest("tune of path %q failed: no mount entry found", p)
	}
	newDef, newMax := m.defaultLeaseTTL, m.maxLeaseTTL
	for _, f := range []struct {
		name string
		dst  *time.Duration
	}{{"default_lease_ttl", &newDef}, {"max_lease_ttl", &newMax}} {
		switch v := d.str(f.name); v {
		case "":
		case "system":
			*f.dst = 0
		default:
			dur, err := parseutil.ParseDurationSecond(v)
			if err != nil {
				return nil, badRequest("%s", err.Error())
			}
			*f.dst = dur
		}
	}
	if newDef != m.defaultLeaseTTL || newMax != m.maxLeaseTTL {
		if newDef != 0 && newMax != 0 && newMax < newDef {
			return nil, badRequest("backend max lease TTL of %d would be less than backend default lease TTL of %d", int(newMax.Seconds()), int(newDef.Seconds()))
		}
		m.defaultLeaseTTL, m.maxLeaseTTL = newDef, newMax
	}
	if ul, ok := d.getOk("user_lockout_config"); ok && len(ul.(map[string]any)) > 0 {
		switch strings.ToLower(m.typ) {
		case "ldap", "approle", "userpass":
		default:
			return nil, badRequest("tuning of user lockout configuration for auth type %q not allowed", m.typ)
		}
	}
	if _, ok := d.getOk("description"); ok {
		m.description = d.str("description")
	}
	if lv, ok := d.getOk("listing_visibility"); ok {
		if !validListingVisibility(lv.(string)) {
			return nil, badRequest("invalid listing_visibility %s", lv)
		}
		m.listingVisibility = lv.(string)
	}
	if tt, ok := d.getOk("token_type"); ok {
		if !strings.HasPrefix(p, "auth/") {
			return nil, badRequest("'token_type' can only be modified on auth mounts")
		}
		if m.typ == "token" || m.typ == "ns_token" {
			return nil, badRequest("'token_type' cannot be set for 'token' or 'ns_token' auth mounts")
		}
		switch v := tt.(string); v {
		case "", "default-service":
			m.tokenType = "default-service"
		case "default-batch", "service", "batch":
			m.tokenType = v
		default:
			return nil, badRequest("invalid value for 'token_type'")
		}
	}
	var resp *response
	opts := d.kv("options")
	if len(opts) > 0 {
		if v, ok := opts["version"]; ok {
			cur, err := parseutil.ParseInt(m.options["version"])
			if err != nil {
				return nil, multiErr(500, "unable to parse mount entry: %s", err)
			}
			want, err := parseutil.ParseInt(v)
			if err != nil {
				return nil, badRequest("unable to parse options: %s", err)
			}
			if want != 1 && want != 2 {
				return nil, badRequest("invalid version provided: %d", want)
			}
			if cur > want {
				return nil, badRequest("cannot downgrade mount from version %d", cur)
			}
			if cur < want {
				resp = &response{warnings: []string{fmt.Sprintf("Upgrading mount from version %d to version %d. This mount will be unavailable for a brief period and will resume service shortly.", cur, want)}}
			}
		}
		// Copy on write: copies of this mount entry (snapshots) may share
		// the old map, so it is replaced, never written to.
		merged := map[string]string{}
		for k, v := range m.options {
			merged[k] = v
		}
		for k, v := range opts {
			if v == "" && k != "version" {
				delete(merged, k)
			} else {
				merged[k] = v
			}
		}
		m.options = merged
	}
	return resp, nil
}

// uiMountInfo is a mount as sys/internal/ui/mounts shows it to a token:
// the full entry with the effective TTLs.
func (s *Server) uiMountInfo(m *mount) map[string]any {
	info := s.mountInfo(m)
	if cfg, ok := info["config"].(map[string]any); ok {
		def, max := effectiveTTLs(m)
		cfg["default_lease_ttl"] = int64(def.Seconds())
		cfg["max_lease_ttl"] = int64(max.Seconds())
		if lv := m.listingVisibility; lv != "" {
			cfg["listing_visibility"] = lv
		}
	}
	return info
}

// uiCaller resolves the optional token of a sys/internal/ui request.
func (s *Server) uiCaller(req *request) (*tokenEntry, error) {
	if req.token == "" {
		return nil, errPermissionDenied
	}
	if req.te != nil {
		return req.te, nil
	}
	te, err := s.lookupToken(req.token)
	if err != nil {
		return nil, errInvalidToken
	}
	return te, nil
}

// uiMounts is sys/internal/ui/mounts: the mounts the caller can reach
// (with no token, the ones tuned to listing_visibility=unauth).
func (s *Server) uiMounts(req *request, d *fieldData) (*response, error) {
	secret, auth := map[string]any{}, map[string]any{}
	var a *acl
	if req.token != "" {
		te, err := s.uiCaller(req)
		if err != nil {
			return nil, err
		}
		a = s.aclForToken(te)
	}
	var all []*mount
	for _, m := range s.mounts {
		all = append(all, m)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].path < all[j].path })
	for _, m := range all {
		visible := m.listingVisibility == "unauth" || (a != nil && a.hasMountAccess(m.path))
		if !visible {
			continue
		}
		key, table := m.path, secret
		if m.auth {
			key, table = strings.TrimPrefix(m.path, "auth/"), auth
		}
		if a != nil {
			table[key] = s.uiMountInfo(m)
		} else {
			var opts any
			if m.options != nil {
				opts = m.options
			}
			table[key] = map[string]any{"type": m.typ, "description": m.description, "options": opts}
		}
	}
	// Unauthenticated endpoints answer without a mount_type.
	return &response{data: map[string]any{"secret": secret, "auth": auth}, noMountType: true}, nil
}

// uiMount is sys/internal/ui/mounts/:path: the mount serving a path, if
// the caller has any access below it.
func (s *Server) uiMount(req *request, d *fieldData) (*response, error) {
	p := d.str("path")
	if p == "" {
		return nil, badRequest("path not set")
	}
	p = sanitizeMountPath(p)
	te, err := s.uiCaller(req)
	if err != nil {
		return nil, err
	}
	denied := errCode(http.StatusForbidden, "preflight capability check returned 403, please ensure client's policies grant access to path %q", p)
	m := s.mountFor(p)
	if m == nil || m.path == "auth/" {
		return nil, denied
	}
	if !s.aclForToken(te).hasMountAccess(m.path) {
		return nil, denied
	}
	info := s.uiMountInfo(m)
	info["path"] = strings.TrimPrefix(m.path, "auth/")
	if !m.auth {
		info["path"] = m.path
	}
	return &response{data: info, noMountType: true}, nil
}

// enableMount gives a new mount its options map, its engine's backend and
// state, and adds it. A type Vault has and the mock does not implement is
// mounted too (setup scripts that mount many engines keep working), with a
// warning in the answer and the server log; every request under it says
// the mock is why it fails.
func (s *Server) enableMount(m *mount) *response {
	if m.options == nil {
		m.options = map[string]string{}
	}
	s.attachMount(m)
	s.identityMountEnabled(m)
	if e := engineByName[m.typ]; e != nil {
		if e.state != nil {
			s.engines[m.path] = e.state(s) // made now: AppRole's tidy ticks from it
		}
		return nil
	}
	msg := notImplementedMsg(m) + "; requests under " + m.path + " answer 404"
	s.logger().Warn(msg, "path", m.path, "type", m.typ)
	return &response{warnings: []string{msg}}
}

// attachMount adds m with its engine's backend (the dev server's own mounts
// come here directly: their options stay null, and their state is made on
// first use, so a server that never touches a mount never pays for it).
func (s *Server) attachMount(m *mount) {
	m.backend = s.newMountBackend(m)
	s.addMount(m)
}

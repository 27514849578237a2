package mockvault

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/mitchellh/mapstructure"
)

// JWT/OIDC auth method (vault-plugin-auth-jwt v0.25.0, as Vault 1.21.1
// ships it), mounted as type "jwt" or "oidc": the two are the same plugin.
//
// Each mount has its own state (*jwtBackend): the config, the roles and the
// pending OIDC authorization requests. Key material fetched from a JWKS or
// discovery URL is a cache, as in Vault: refetched when no cached key
// verifies a token, so an issuer's key rotation is followed.

// jwtBackend is the state of one JWT/OIDC mount.
type jwtBackend struct {
	config *jwtConfig
	// roles by lower-cased name.
	roles map[string]*jwtRole
	// oidcReqs are the authorization requests auth_url started, by state.
	oidcReqs map[string]*oidcRequest
	// keys caches remote keys by JWKS URL; discovered caches discovery
	// documents by issuer URL. Neither survives a config write.
	keys       map[string][]jwkKey
	discovered map[string]*oidcDiscovery
}

// jwtConfig is the mount's config endpoint, as Vault stores it.
type jwtConfig struct {
	OIDCDiscoveryURL     string
	OIDCDiscoveryCAPEM   string
	OIDCClientID         string
	OIDCClientSecret     string
	OIDCResponseMode     string
	OIDCResponseTypes    []string
	JWKSURL              string
	JWKSCAPEM            string
	JWKSPairs            []any
	JWTValidationPubKeys []string
	JWTSupportedAlgs     []string
	BoundIssuer          string
	DefaultRole          string
	ProviderConfig       map[string]any
	NamespaceInState     bool
	UnsupportedCritExts  []string

	parsedKeys []crypto.PublicKey
}

// oidcFlow reports whether the config allows the authorization-code flow
// (discovery plus client credentials).
func (c *jwtConfig) oidcFlow() bool {
	return c.OIDCDiscoveryURL != "" && c.OIDCClientID != "" && c.OIDCClientSecret != ""
}

func (b *jwtBackend) cloneState() engineState {
	out := newJWTBackend()
	if b.config != nil {
		c := *b.config
		c.OIDCResponseTypes = cloneStrings(c.OIDCResponseTypes)
		c.JWTValidationPubKeys = cloneStrings(c.JWTValidationPubKeys)
		c.JWTSupportedAlgs = cloneStrings(c.JWTSupportedAlgs)
		c.UnsupportedCritExts = cloneStrings(c.UnsupportedCritExts)
		c.ProviderConfig = deepCopyJSON(c.ProviderConfig)
		if c.JWKSPairs != nil {
			c.JWKSPairs = deepCopyJSON(map[string]any{"p": c.JWKSPairs})["p"].([]any)
		}
		out.config = &c
	}
	for k, r := range b.roles {
		out.roles[k] = r.clone()
	}
	for k, r := range b.oidcReqs {
		cp := *r
		out.oidcReqs[k] = &cp
	}
	return out
}

func newJWTBackend() *jwtBackend {
	return &jwtBackend{
		roles: map[string]*jwtRole{}, oidcReqs: map[string]*oidcRequest{},
		keys: map[string][]jwkKey{}, discovered: map[string]*oidcDiscovery{},
	}
}

// jwtEngine is the JWT/OIDC auth method under mount type typ ("jwt" or
// "oidc").
func jwtEngine(typ string) *engine {
	return &engine{
		typ: typ, auth: true, routes: jwtRouter, renew: jwtRenewParams,
		state: func(*Server) engineState { return newJWTBackend() },
	}
}

type jwtHandler func(b *jwtBackend, req *request, d *fieldData) (*response, error)

// jwtConfigFields is the schema of config.
var jwtConfigFields = fields{
	"oidc_discovery_url": tString, "oidc_discovery_ca_pem": tString, "oidc_client_id": tString,
	"oidc_client_secret": tString, "oidc_response_mode": tString, "oidc_response_types": tCommaSlice,
	"jwks_url": tString, "jwks_ca_pem": tString, "jwks_pairs": tSlice, "default_role": tLowerString,
	"jwt_validation_pubkeys": tCommaSlice, "jwt_supported_algs": tCommaSlice, "bound_issuer": tString,
	"provider_config": tMap, "namespace_in_state": tBool, "unsupported_critical_cert_extensions": tCommaSlice,
}

func jwtRouter(*Server, *mount) *backend {
	h := func(fn jwtHandler) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			return fn(req.state.(*jwtBackend), req, d)
		}
	}
	role := "role/" + `{name:\w(?:(?:[\w-.]+)?\w)?}`
	return newBackend([]*path{
		{pattern: "login", unauthenticated: true, fields: fields{"role": tLowerString, "jwt": tString, "distributed_claim_access_token": tString},
			ops: map[op]handlerFunc{opUpdate: h((*jwtBackend).login)}},
		{pattern: "role/", ops: map[op]handlerFunc{opList: h((*jwtBackend).roleList)}},
		{pattern: role, fields: jwtRoleFields, defaults: map[string]any{"bound_claims_type": "string"},
			exists: func(req *request, d *fieldData) (bool, error) {
				return req.state.(*jwtBackend).roles[strings.ToLower(d.str("name"))] != nil, nil
			},
			ops: map[op]handlerFunc{opRead: h((*jwtBackend).roleRead), opCreate: h((*jwtBackend).roleWrite),
				opUpdate: h((*jwtBackend).roleWrite), opDelete: h((*jwtBackend).roleDelete)}},
		{pattern: "config", fields: jwtConfigFields,
			ops: map[op]handlerFunc{opRead: h((*jwtBackend).configRead), opUpdate: h((*jwtBackend).configWrite)}},
		{pattern: "oidc/callback", unauthenticated: true, fields: fields{"state": tString, "code": tString, "id_token": tString, "client_nonce": tString},
			ops: map[op]handlerFunc{opRead: h((*jwtBackend).oidcCallback), opUpdate: h((*jwtBackend).oidcCallbackPost)}},
		{pattern: "oidc/auth_url", unauthenticated: true, fields: fields{"role": tLowerString, "redirect_uri": tString, "client_nonce": tString},
			ops: map[op]handlerFunc{opUpdate: h((*jwtBackend).oidcAuthURL)}},
	})
}

// configRead is GET config: 404 until written; the client secret and the
// parsed keys are never returned.
func (b *jwtBackend) configRead(_ *request, _ *fieldData) (*response, error) {
	c := b.config
	if c == nil {
		return nil, nil
	}
	// Vault stores unset lists as empty ones (the framework's zero values).
	list := nonNil
	pairs := c.JWKSPairs
	if pairs == nil {
		pairs = []any{}
	}
	return &response{data: map[string]any{
		"oidc_discovery_url": c.OIDCDiscoveryURL, "oidc_discovery_ca_pem": c.OIDCDiscoveryCAPEM,
		"oidc_client_id": c.OIDCClientID, "oidc_response_mode": c.OIDCResponseMode,
		"oidc_response_types": list(c.OIDCResponseTypes), "default_role": c.DefaultRole,
		"jwt_validation_pubkeys": list(c.JWTValidationPubKeys), "jwt_supported_algs": list(c.JWTSupportedAlgs),
		"jwks_url": c.JWKSURL, "jwks_pairs": pairs, "jwks_ca_pem": c.JWKSCAPEM, "bound_issuer": c.BoundIssuer,
		"provider_config": map[string]any{}, "namespace_in_state": c.NamespaceInState,
		"unsupported_critical_cert_extensions": list(c.UnsupportedCritExts),
	}}, nil
}

// configWrite is POST config, with Vault's checks in Vault's order. A
// remote key source is fetched now, as Vault does, so a bad URL fails the
// write.
func (b *jwtBackend) configWrite(req *request, d *fieldData) (*response, error) {
	c := &jwtConfig{
		OIDCDiscoveryURL: d.str("oidc_discovery_url"), OIDCDiscoveryCAPEM: d.str("oidc_discovery_ca_pem"),
		OIDCClientID: d.str("oidc_client_id"), OIDCClientSecret: d.str("oidc_client_secret"),
		OIDCResponseMode: d.str("oidc_response_mode"), OIDCResponseTypes: d.strings("oidc_response_types"),
		JWKSURL: d.str("jwks_url"), JWKSCAPEM: d.str("jwks_ca_pem"), DefaultRole: d.str("default_role"),
		JWTValidationPubKeys: d.strings("jwt_validation_pubkeys"), JWTSupportedAlgs: d.strings("jwt_supported_algs"),
		BoundIssuer: d.str("bound_issuer"), UnsupportedCritExts: d.strings("unsupported_critical_cert_extensions"),
	}
	if v, ok := d.get("jwks_pairs"); ok {
		c.JWKSPairs, _ = v.([]any)
	}
	if v, ok := d.get("provider_config"); ok {
		c.ProviderConfig, _ = v.(map[string]any)
	}
	switch {
	case d.has("namespace_in_state"):
		c.NamespaceInState = d.boolean("namespace_in_state", true)
	case b.config == nil:
		c.NamespaceInState = true // new configs default to true
	default:
		c.NamespaceInState = b.config.NamespaceInState
	}

	methods := 0
	for _, set := range []bool{c.OIDCDiscoveryURL != "", len(c.JWTValidationPubKeys) != 0, c.JWKSURL != "", len(c.JWKSPairs) > 0} {
		if set {
			methods++
		}
	}
	// A fresh cache: the write is checked against the sources as they are.
	b.keys, b.discovered = map[string][]jwkKey{}, map[string]*oidcDiscovery{}
	switch {
	case methods != 1:
		return nil, badRequest("exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set")
	case (c.OIDCClientID != "") != (c.OIDCClientSecret != ""):
		return nil, badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC")
	case c.OIDCDiscoveryURL != "":
		if _, err := b.discover(req, c.OIDCDiscoveryURL, c.OIDCDiscoveryCAPEM); err != nil {
			return nil, badRequest("error checking oidc discovery URL")
		}
	case c.OIDCClientID != "":
		return nil, badRequest("'oidc_discovery_url' must be set for OIDC")
	case c.JWKSCAPEM != "" && len(c.JWKSPairs) > 0:
		return nil, badRequest("CA PEMs must be provided as part of the 'jwks_pairs' when using multiple JWKS URLs")
	case len(c.JWKSPairs) > 0 && c.BoundIssuer != "":
		return nil, badRequest("Bound issuer is not supported for use with 'jwks_pairs'")
	case c.JWKSURL != "":
		if err := b.checkJWKSURL(req, c.JWKSURL, c.JWKSCAPEM); err != nil {
			return nil, err
		}
	case len(c.JWKSPairs) > 0:
		pairs, err := jwksPairs(c.JWKSPairs)
		if err != nil {
			return nil, badRequest("invalid jwks_pairs: %s", err)
		}
		for _, p := range pairs {
			if err := b.checkJWKSURL(req, p.URL, p.CAPEM); err != nil {
				return nil, err
			}
		}
	case len(c.JWTValidationPubKeys) != 0:
		for _, v := range c.JWTValidationPubKeys {
			k, err := parsePublicKeyPEM([]byte(v))
			if err != nil {
				return nil, badRequest("error parsing public key: %s", err)
			}
			c.parsedKeys = append(c.parsedKeys, k)
		}
	}
	for _, a := range c.JWTSupportedAlgs {
		if !contains(jwtAlgs, a) {
			return nil, badRequest("invalid jwt_supported_algs: unsupported signing algorithm %q", a)
		}
	}
	for _, t := range c.OIDCResponseTypes {
		if t != "code" && t != "id_token" {
			return nil, badRequest("invalid response_types %v. 'code' and 'id_token' are allowed", c.OIDCResponseTypes)
		}
	}
	switch c.OIDCResponseMode {
	case "", "query":
		if contains(c.OIDCResponseTypes, "id_token") {
			return nil, badRequest("query response_mode may not be used with an id_token response_type")
		}
	case "form_post":
	default:
		return nil, badRequest("invalid response_mode: %q", c.OIDCResponseMode)
	}
	if len(c.ProviderConfig) > 0 {
		return nil, badRequest("invalid provider_config: %s", notImplementedMsg(&mount{typ: "jwt", auth: true})+": provider_config")
	}
	b.config = c
	return nil, nil
}

// jwtHTTPClient is the client for an issuer's documents: the system roots
// or the configured CA PEM, and a bound on how long a test can hang.
func jwtHTTPClient(caPEM string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caPEM != "" {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM([]byte(caPEM)) {
			return nil, errors.New("could not parse CA PEM value successfully")
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}, nil
}

// jwtFetch GETs url, as go-oidc does: a non-200 answer is an error with
// its status and body. Bodies are capped, so a hostile issuer cannot
// exhaust memory. The server lock is released meanwhile (an issuer may be
// slow, or be this very server), and a request whose mount changed
// meanwhile fails.
func jwtFetch(req *request, url, caPEM string) (body []byte, err error) {
	client, err := jwtHTTPClient(caPEM)
	if err != nil {
		return nil, err
	}
	var resp *http.Response
	req.srv.withoutLock(func() {
		resp, err = client.Get(url)
		if err != nil {
			return
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			err = fmt.Errorf("unable to read response body: %v", err)
		}
	})
	if merr := req.srv.stillMounted(req); merr != nil {
		return nil, merr
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", resp.Status, body)
	}
	return body, nil
}

// remoteKeys returns the keys of a JWKS URL, fetching them when refresh is
// set or none are cached.
func (b *jwtBackend) remoteKeys(req *request, url, caPEM string, refresh bool) ([]jwkKey, error) {
	if k, ok := b.keys[url]; ok && !refresh {
		return k, nil
	}
	body, err := jwtFetch(req, url, caPEM)
	if err != nil {
		return nil, fmt.Errorf("fetching keys oidc: get keys failed %w", err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("fetching keys oidc: failed to decode keys: %v %s", err, body)
	}
	b.keys[url] = keys
	return keys, nil
}

// checkJWKSURL is Vault's validateJWKSURL: the CA must parse and the keys
// must be fetchable.
func (b *jwtBackend) checkJWKSURL(req *request, url, caPEM string) error {
	if _, err := jwtHTTPClient(caPEM); err != nil {
		return badRequest("error checking jwks_ca_pem")
	}
	if _, err := b.remoteKeys(req, url, caPEM, true); err != nil {
		return badRequest("error checking jwks URL %s", url)
	}
	return nil
}

// jwksPair is one entry of jwks_pairs.
type jwksPair struct {
	URL   string `mapstructure:"jwks_url"`
	CAPEM string `mapstructure:"jwks_ca_pem"`
}

// jwksPairs reads jwks_pairs as Vault's NewJWKSPairsConfig does.
func jwksPairs(raw []any) ([]jwksPair, error) {
	out := make([]jwksPair, 0, len(raw))
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			return nil, errors.New("jwks_pairs must be provided as a list of json objects with the fields jwks_url and jwks_ca_pem")
		}
		var p jwksPair
		if err := mapstructure.Decode(m, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

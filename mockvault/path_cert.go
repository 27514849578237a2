package mockvault

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TLS certificate auth method (builtin/credential/cert in Vault 1.21.1).
//
// Each mount keeps its trusted certificates, CRLs and config (a
// *certBackend). Login reads the client certificate of the request's TLS
// connection (path_cert_login.go): the server's TLS listener must ask for
// one (tls.RequestClientCert), as Vault's does.
type certBackend struct {
	config certConfig
	certs  map[string]*certEntry // by lower-cased name
	crls   map[string]*certCRL   // by lower-cased name
}

// certConfig is the mount's config; never written, it reads as zeros.
type certConfig struct {
	DisableBinding              bool
	EnableIdentityAliasMetadata bool
	OcspCacheSize               int
	RoleCacheSize               int
	EnableMetadataOnFailures    bool
}

// certEntry is a trusted certificate and its constraints (CertEntry).
type certEntry struct {
	tokenParams
	legacy                     legacyTokenParams
	Name                       string
	Certificate                string
	DisplayName                string
	AllowedNames               []string
	AllowedCommonNames         []string
	AllowedDNSSANs             []string
	AllowedEmailSANs           []string
	AllowedURISANs             []string
	AllowedOrganizationalUnits []string
	AllowedOrganizations       []string
	RequiredExtensions         []string
	AllowedMetadataExtensions  []string
	OcspCaCertificates         string
	OcspEnabled                bool
	OcspServersOverride        []string
	OcspFailOpen               bool
	OcspQueryAllServers        bool
	OcspThisUpdateMaxAge       time.Duration
	OcspMaxRetries             int
}

// certCRL is a CRL's revoked serials (decimal strings) and, for one
// fetched from a distribution point, its URL and next update.
type certCRL struct {
	Serials    map[string]bool
	URL        string
	ValidUntil time.Time
}

func (b *certBackend) cloneState() engineState {
	out := &certBackend{config: b.config, certs: make(map[string]*certEntry, len(b.certs)), crls: make(map[string]*certCRL, len(b.crls))}
	for k, c := range b.certs {
		cp := *c
		cp.tokenParams = c.tokenParams.clone()
		cp.legacy = c.legacy.clone()
		for _, s := range []*[]string{&cp.AllowedNames, &cp.AllowedCommonNames, &cp.AllowedDNSSANs, &cp.AllowedEmailSANs,
			&cp.AllowedURISANs, &cp.AllowedOrganizationalUnits, &cp.AllowedOrganizations, &cp.RequiredExtensions,
			&cp.AllowedMetadataExtensions, &cp.OcspServersOverride} {
			*s = cloneStrings(*s)
		}
		out.certs[k] = &cp
	}
	for k, c := range b.crls {
		cp := &certCRL{Serials: make(map[string]bool, len(c.Serials)), URL: c.URL, ValidUntil: c.ValidUntil}
		for s := range c.Serials {
			cp.Serials[s] = true
		}
		out.crls[k] = cp
	}
	return out
}

type certHandler func(b *certBackend, req *request, d *fieldData) (*response, error)

// certEngine is the TLS certificate auth method.
func certEngine() *engine {
	return &engine{
		typ: "cert", auth: true, routes: certRouter, renew: certRenewParams,
		state: func(*Server) engineState {
			return &certBackend{certs: map[string]*certEntry{}, crls: map[string]*certCRL{}}
		},
	}
}

var certEntryFields = func() fields {
	f := tokenFieldsWith(fields{
		"name": tString, "certificate": tString, "ocsp_enabled": tBool, "ocsp_ca_certificates": tString,
		"ocsp_servers_override": tCommaSlice, "ocsp_fail_open": tBool, "ocsp_query_all_servers": tBool,
		"ocsp_this_update_max_age": tDuration, "ocsp_max_retries": tInt, "allowed_names": tCommaSlice,
		"allowed_common_names": tCommaSlice, "allowed_dns_sans": tCommaSlice, "allowed_email_sans": tCommaSlice,
		"allowed_uri_sans": tCommaSlice, "allowed_organizational_units": tCommaSlice, "allowed_organizations": tCommaSlice,
		"required_extensions": tCommaSlice, "allowed_metadata_extensions": tCommaSlice, "display_name": tString,
		"lease": tInt,
	})
	delete(f, "num_uses") // the cert method has no num_uses twin
	return f
}()

func certRouter(s *Server, _ *mount) *backend {
	h := func(fn certHandler) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			return fn(req.state.(*certBackend), req, d)
		}
	}
	return newBackend([]*path{
		{pattern: "config", fields: fields{"disable_binding": tBool, "enable_identity_alias_metadata": tBool,
			"ocsp_cache_size": tInt, "role_cache_size": tInt, "enable_metadata_on_failures": tBool},
			ops: map[op]handlerFunc{opRead: h((*certBackend).configRead), opUpdate: h((*certBackend).configWrite)}},
		{pattern: "login", unauthenticated: true, fields: fields{"name": tString},
			ops: loginOps(h((*certBackend).login))},
		{pattern: "certs/", ops: map[op]handlerFunc{opList: h((*certBackend).certList)}},
		{pattern: "certs/" + nameRe, fields: certEntryFields,
			ops: map[op]handlerFunc{opRead: h((*certBackend).certRead), opUpdate: h((*certBackend).certWrite), opDelete: h((*certBackend).certDelete)}},
		{pattern: "crls/", ops: map[op]handlerFunc{opList: h((*certBackend).crlList)}},
		{pattern: "crls/" + nameRe, fields: fields{"name": tString, "crl": tString, "url": tString},
			ops: map[op]handlerFunc{opRead: h((*certBackend).crlRead), opUpdate: h((*certBackend).crlWrite), opDelete: h((*certBackend).crlDelete)}},
	})
}

// Vault's limits on the config's cache sizes.
const (
	certMaxOcspCacheSize = 100000
	certMaxRoleCacheSize = 100000
)

func (b *certBackend) configWrite(req *request, d *fieldData) (*response, error) {
	c := b.config
	setSent(d, map[string]*bool{"disable_binding": &c.DisableBinding,
		"enable_identity_alias_metadata": &c.EnableIdentityAliasMetadata, "enable_metadata_on_failures": &c.EnableMetadataOnFailures})
	if d.has("ocsp_cache_size") {
		n := d.integer("ocsp_cache_size")
		if n < 2 || n > certMaxOcspCacheSize {
			return nil, badRequest("invalid ocsp cache size, must be >= 2 and <= %d", certMaxOcspCacheSize)
		}
		c.OcspCacheSize = n
	}
	if d.has("role_cache_size") {
		n := d.integer("role_cache_size")
		if (n < 0 && n != -1) || n > certMaxRoleCacheSize {
			return nil, badRequest("invalid role cache size, must be <= %d or -1 to disable role caching", certMaxRoleCacheSize)
		}
		c.RoleCacheSize = n
	}
	b.config = c
	return nil, nil
}

func (b *certBackend) configRead(req *request, d *fieldData) (*response, error) {
	c := b.config
	return dataResp(map[string]any{
		"disable_binding": c.DisableBinding, "enable_identity_alias_metadata": c.EnableIdentityAliasMetadata,
		"ocsp_cache_size": c.OcspCacheSize, "role_cache_size": c.RoleCacheSize,
		"enable_metadata_on_failures": c.EnableMetadataOnFailures,
	}), nil
}

func (b *certBackend) certList(req *request, d *fieldData) (*response, error) {
	return listResp(sortedKeys(b.certs)), nil
}

// setSent sets each target whose field the request sent (updates merge).
func setSent[T string | bool | []string](d *fieldData, targets map[string]*T) {
	for k, p := range targets {
		if v, ok := d.get(k); ok && d.has(k) {
			*p = v.(T)
		}
	}
}

func (b *certBackend) certDelete(req *request, d *fieldData) (*response, error) {
	delete(b.certs, strings.ToLower(d.str("name")))
	return nil, nil
}

func (b *certBackend) certRead(req *request, d *fieldData) (*response, error) {
	c := b.certs[strings.ToLower(d.str("name"))]
	if c == nil {
		return nil, nil
	}
	data := map[string]any{
		"certificate": c.Certificate, "display_name": c.DisplayName, "allowed_names": c.AllowedNames,
		"allowed_common_names": c.AllowedCommonNames, "allowed_dns_sans": c.AllowedDNSSANs,
		"allowed_email_sans": c.AllowedEmailSANs, "allowed_uri_sans": c.AllowedURISANs,
		"allowed_organizational_units": c.AllowedOrganizationalUnits, "allowed_organizations": c.AllowedOrganizations,
		"required_extensions": c.RequiredExtensions, "allowed_metadata_extensions": c.AllowedMetadataExtensions,
		"ocsp_ca_certificates": c.OcspCaCertificates, "ocsp_enabled": c.OcspEnabled,
		"ocsp_servers_override": c.OcspServersOverride, "ocsp_fail_open": c.OcspFailOpen,
		"ocsp_query_all_servers": c.OcspQueryAllServers, "ocsp_this_update_max_age": int64(c.OcspThisUpdateMaxAge / time.Second),
		"ocsp_max_retries": c.OcspMaxRetries,
	}
	c.tokenParams.populate(data)
	num := c.legacy.NumUses
	c.legacy.NumUses = 0 // never read back by the cert method
	c.legacy.populate(data)
	c.legacy.NumUses = num
	return dataResp(data), nil
}

// certWrite is pathCertWrite: create or update (no existence check), the
// fields sent merged into the entry, then its checks in Vault's order.
func (b *certBackend) certWrite(req *request, d *fieldData) (*response, error) {
	name := strings.ToLower(d.str("name"))
	c := &certEntry{Name: name, OcspMaxRetries: 4}
	if old := b.certs[name]; old != nil {
		cp := *old
		cp.tokenParams = old.tokenParams.clone()
		cp.legacy = old.legacy.clone()
		c = &cp
	}
	strs := map[string]*string{"certificate": &c.Certificate, "ocsp_ca_certificates": &c.OcspCaCertificates, "display_name": &c.DisplayName}
	bools := map[string]*bool{"ocsp_enabled": &c.OcspEnabled, "ocsp_fail_open": &c.OcspFailOpen, "ocsp_query_all_servers": &c.OcspQueryAllServers}
	lists := map[string]*[]string{
		"ocsp_servers_override": &c.OcspServersOverride, "allowed_names": &c.AllowedNames,
		"allowed_common_names": &c.AllowedCommonNames, "allowed_dns_sans": &c.AllowedDNSSANs,
		"allowed_email_sans": &c.AllowedEmailSANs, "allowed_uri_sans": &c.AllowedURISANs,
		"allowed_organizational_units": &c.AllowedOrganizationalUnits, "allowed_organizations": &c.AllowedOrganizations,
		"required_extensions": &c.RequiredExtensions, "allowed_metadata_extensions": &c.AllowedMetadataExtensions,
	}
	setSent(d, strs)
	setSent(d, bools)
	setSent(d, lists)
	if d.has("ocsp_this_update_max_age") {
		c.OcspThisUpdateMaxAge = d.duration("ocsp_this_update_max_age")
	}
	if d.has("ocsp_max_retries") {
		c.OcspMaxRetries = d.integer("ocsp_max_retries")
		if c.OcspMaxRetries < 0 {
			return nil, internalError("ocsp_max_retries can not be a negative number")
		}
	}
	if err := c.tokenParams.parse(d); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if err := c.legacy.parse(d, &c.tokenParams); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if !d.has("token_ttl") && !d.has("ttl") && d.has("lease") {
		c.legacy.TTL = time.Duration(d.integer("lease")) * time.Second
		c.TokenTTL = c.legacy.TTL
	}
	var warnings []string
	if def := leaseDefault(req.mount); c.TokenTTL > def {
		warnings = append(warnings, fmt.Sprintf("Given ttl of %d seconds is greater than current mount/system default of %d seconds", c.TokenTTL/time.Second, def/time.Second))
	}
	maxTTL := maxLeaseTTL(req)
	if c.TokenMaxTTL > maxTTL {
		warnings = append(warnings, fmt.Sprintf("Given max_ttl of %d seconds is greater than current mount/system default of %d seconds", c.TokenMaxTTL/time.Second, maxTTL/time.Second))
	}
	if c.TokenMaxTTL != 0 && c.TokenTTL > c.TokenMaxTTL {
		return nil, badRequest("ttl should be shorter than max_ttl")
	}
	if c.TokenPeriod > maxTTL {
		warnings = append(warnings, fmt.Sprintf("Given period of %d seconds is greater than the backend's maximum TTL of %d seconds", c.TokenPeriod/time.Second, maxTTL/time.Second))
	}
	if c.DisplayName == "" {
		c.DisplayName = name
	}
	parsed := parseCertsPEM([]byte(c.Certificate))
	if len(parsed) == 0 {
		return nil, badRequest("failed to parse certificate")
	}
	if !parsed[0].IsCA && parsed[0].ExtKeyUsage != nil {
		if !clientAuthUsage(parsed[0]) {
			return nil, badRequest("nonCA certificates should have TLS client authentication set as an extended key usage")
		}
	}
	b.certs[name] = c
	if len(warnings) > 0 {
		return &response{warnings: warnings}, nil
	}
	return nil, nil
}

// clientAuthUsage says whether the certificate's extended key usages let
// it authenticate a TLS client (clientAuth or any).
func clientAuthUsage(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny {
			return true
		}
	}
	return false
}

// parseCertsPEM is the method's parsePEM: every CERTIFICATE (or TRUSTED
// CERTIFICATE) block without headers that parses.
func parseCertsPEM(raw []byte) []*x509.Certificate {
	var certs []*x509.Certificate
	for len(raw) > 0 {
		var block *pem.Block
		block, raw = pem.Decode(raw)
		if block == nil {
			break
		}
		if (block.Type != "CERTIFICATE" && block.Type != "TRUSTED CERTIFICATE") || len(block.Headers) != 0 {
			continue
		}
		if c, err := x509.ParseCertificate(block.Bytes); err == nil {
			certs = append(certs, c)
		}
	}
	return certs
}

func (b *certBackend) crlList(req *request, d *fieldData) (*response, error) {
	return listResp(sortedKeys(b.crls)), nil
}

func (b *certBackend) crlRead(req *request, d *fieldData) (*response, error) {
	name := strings.ToLower(d.str("name"))
	crl := b.crls[name]
	if crl == nil {
		return nil, badRequest("no such CRL %s", name)
	}
	serials := map[string]any{}
	for s := range crl.Serials {
		serials[s] = map[string]any{}
	}
	var cdp any
	if crl.URL != "" {
		cdp = map[string]any{"url": crl.URL, "valid_until": crl.ValidUntil}
	}
	return dataResp(map[string]any{"cdp": cdp, "serials": serials}), nil
}

func (b *certBackend) crlDelete(req *request, d *fieldData) (*response, error) {
	name := strings.ToLower(d.str("name"))
	if b.crls[name] == nil {
		return nil, badRequest("no such CRL %s", name)
	}
	delete(b.crls, name)
	return nil, nil
}

func (b *certBackend) crlWrite(req *request, d *fieldData) (*response, error) {
	name := strings.ToLower(d.str("name"))
	switch {
	case d.has("crl"):
		//lint:ignore SA1019 Vault parses CRLs with x509.ParseCRL (PEM or DER).
		list, err := x509.ParseCRL([]byte(d.str("crl"))) //nolint:staticcheck
		if err != nil {
			return nil, badRequest("failed to parse CRL: %v", err)
		}
		b.crls[name] = crlOf(list)
		return nil, nil
	case d.has("url"):
		u := d.str("url")
		if u == "" {
			return nil, badRequest("empty CRL url")
		}
		if _, err := url.Parse(u); err != nil {
			return nil, badRequest("invalid CRL url: %v", err)
		}
		var list *pkix.CertificateList
		var err error
		req.srv.withoutLock(func() { list, err = fetchCRL(req, u) })
		if err != nil {
			return nil, internalError("%s", err.Error())
		}
		if err := req.srv.stillMounted(req); err != nil {
			return nil, err
		}
		crl := crlOf(list)
		crl.URL, crl.ValidUntil = u, list.TBSCertList.NextUpdate
		b.crls[name] = crl
		return nil, nil
	}
	return nil, badRequest("one of 'crl' or 'url' must be provided")
}

// crlOf keeps a CRL's revoked serials.
func crlOf(list *pkix.CertificateList) *certCRL {
	crl := &certCRL{Serials: map[string]bool{}}
	for _, rc := range list.TBSCertList.RevokedCertificates {
		crl.Serials[rc.SerialNumber.String()] = true
	}
	return crl
}

// fetchCRL GETs a CRL distribution point as Vault's fetchCRL does (once:
// the mock does not refresh it when it expires).
func fetchCRL(req *request, u string) (*pkix.CertificateList, error) {
	ctx, cancel := context.WithTimeout(context.Background(), kubeReviewTimeout)
	defer cancel()
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("unexpected response code %d fetching CRL from %s", resp.StatusCode, u)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	return x509.ParseCRL(body) //nolint:staticcheck // Vault's parser: PEM or DER
}

// revoked says whether any CRL of the mount lists serial.
func (b *certBackend) revoked(serial *big.Int) bool {
	s := serial.String()
	for _, crl := range b.crls {
		if crl.Serials[s] {
			return true
		}
	}
	return false
}

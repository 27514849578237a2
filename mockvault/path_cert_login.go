package mockvault

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// certAuthFailMsg is Vault's answer to a certificate no entry accepts.
const certAuthFailMsg = "failed to match all constraints for this login certificate"

// certTrusted is a trusted entry with its parsed certificates.
type certTrusted struct {
	entry *certEntry
	certs []*x509.Certificate
}

// login is pathLogin: the client certificate of the TLS connection,
// checked against the trusted entries (all, or the one named).
func (b *certBackend) login(req *request, d *fieldData) (*response, error) {
	var cs *tls.ConnectionState
	if req.http != nil {
		cs = req.http.TLS
	}
	matched, err := b.verify(req, cs, d.str("name"))
	if err != nil {
		return nil, b.failureMetadata(cs, err)
	}
	e := matched.entry
	if len(e.TokenBoundCIDRs) > 0 {
		if ok, _ := ipInCIDRs(req.remoteAddr, e.TokenBoundCIDRs); !ok {
			return nil, errPermissionDenied
		}
	}
	client := cs.PeerCertificates[0]
	meta := map[string]string{
		"cert_name":        e.Name,
		"common_name":      client.Subject.CommonName,
		"serial_number":    client.SerialNumber.String(),
		"subject_key_id":   hexColons(client.SubjectKeyId),
		"authority_key_id": hexColons(client.AuthorityKeyId),
	}
	for k, v := range extensionMetadata(client, e.AllowedMetadataExtensions) {
		meta[k] = v
	}
	alias := &loginAlias{Name: client.Subject.CommonName}
	if b.config.EnableIdentityAliasMetadata {
		alias.Metadata = meta
	}
	resp, err := req.srv.issueLoginToken(req, e.tokenParams.loginAuth(&loginAuth{
		Metadata: meta, DisplayName: e.DisplayName, Alias: alias,
	}))
	return finishLogin(resp, d), err
}

// failureMetadata is certAuthLoginFailureResponse: with
// enable_metadata_on_failures, a refused (400) login carries the client
// certificate's facts, each cut to 100 characters.
func (b *certBackend) failureMetadata(cs *tls.ConnectionState, err error) error {
	var ve *vaultError
	if !b.config.EnableMetadataOnFailures || !errors.As(err, &ve) || ve.code != http.StatusBadRequest {
		return err
	}
	if cs == nil || len(cs.PeerCertificates) == 0 || cs.PeerCertificates[0].IsCA {
		return badRequest("no client certificate found\n%s", ve.msgs[0])
	}
	c := cs.PeerCertificates[0]
	trim := func(s string) string {
		if len(s) > 100 {
			return s[:97] + "..."
		}
		return s
	}
	return withData(err, map[string]any{
		"common_name": trim(c.Subject.CommonName), "serial_number": trim(c.SerialNumber.String()),
		"subject_key_id": trim(hexColons(c.SubjectKeyId)), "authority_key_id": trim(hexColons(c.AuthorityKeyId)),
	})
}

// verify is verifyCredentials: a trusted leaf (non-CA entry) with the
// client's serial, else a chain to a trusted CA; then the entry's
// constraints and the CRLs. Chains are verified on the server clock.
func (b *certBackend) verify(req *request, cs *tls.ConnectionState, name string) (*certTrusted, error) {
	if cs == nil {
		return nil, badRequest("tls connection required")
	}
	if len(cs.PeerCertificates) == 0 {
		return nil, badRequest("client certificate must be supplied")
	}
	client := cs.PeerCertificates[0]
	names := sortedKeys(b.certs)
	if name != "" {
		names = []string{strings.ToLower(name)}
	}
	var roots []*x509.Certificate
	var cas, leaves []*certTrusted
	for _, n := range names {
		e := b.certs[n]
		if e == nil {
			continue
		}
		parsed := parseCertsPEMMemo(e.Certificate)
		if len(parsed) == 0 {
			continue
		}
		parsed = append(parsed[:len(parsed):len(parsed)], parseCertsPEMMemo(e.OcspCaCertificates)...)
		t := &certTrusted{entry: e, certs: parsed}
		if !parsed[0].IsCA {
			leaves = append(leaves, t)
			continue
		}
		roots = append(roots, parsed...)
		cas = append(cas, t)
	}
	chains, err := verifyChains(client, roots, cs.PeerCertificates[1:], []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, req.now)
	if err != nil {
		var ua x509.UnknownAuthorityError
		if !errors.As(err, &ua) {
			return nil, errCode(http.StatusInternalServerError, "failed to verify client's certificate: %s", err.Error())
		}
		chains = nil
	}
	for _, t := range leaves {
		if t.certs[0].SerialNumber.Cmp(client.SerialNumber) != 0 {
			continue
		}
		if b.matches(client, t.certs, t.entry) {
			if !t.certs[0].Equal(client) {
				return nil, badRequest("certificate mismatch of a trusted leaf certificate")
			}
			return t, nil
		}
	}
	for _, t := range cas {
		for _, tc := range t.certs {
			for _, chain := range chains {
				for _, cc := range chain {
					if tc.Equal(cc) && b.matches(client, chain, t.entry) {
						return t, nil
					}
				}
			}
		}
	}
	return nil, badRequest(certAuthFailMsg)
}

// matches is matchesConstraints (OCSP is not consulted by the mock).
func (b *certBackend) matches(c *x509.Certificate, chain []*x509.Certificate, e *certEntry) bool {
	for _, cc := range chain {
		if b.revoked(cc.SerialNumber) {
			return false
		}
	}
	uris := make([]string, len(c.URIs))
	for i, u := range c.URIs {
		uris[i] = u.String()
	}
	names := append(append([]string{c.Subject.CommonName}, c.DNSNames...), c.EmailAddresses...)
	return anyGlob(e.AllowedNames, names) &&
		anyGlob(e.AllowedCommonNames, []string{c.Subject.CommonName}) &&
		anyGlob(e.AllowedDNSSANs, c.DNSNames) &&
		anyGlob(e.AllowedEmailSANs, c.EmailAddresses) &&
		anyGlob(e.AllowedURISANs, uris) &&
		anyGlob(e.AllowedOrganizationalUnits, c.Subject.OrganizationalUnit) &&
		anyGlob(e.AllowedOrganizations, c.Subject.Organization) &&
		requiredExtensions(c, e.RequiredExtensions)
}

// anyGlob: no patterns allow anything; else one value matches one glob.
func anyGlob(globs, values []string) bool {
	if len(globs) == 0 {
		return true
	}
	for _, v := range values {
		if containsGlob(globs, v) {
			return true
		}
	}
	return false
}

// requiredExtensions checks "oid:value" (value an ASN.1 string) and
// "hex:oid:value" (the DER in hex) requirements, values globbed.
func requiredExtensions(c *x509.Certificate, required []string) bool {
	if len(required) == 0 {
		return true
	}
	if len(c.Extensions) == 0 {
		return false
	}
	str, hx := map[string]string{}, map[string]string{}
	for _, ext := range c.Extensions {
		var v string
		if _, err := asn1.Unmarshal(ext.Value, &v); err != nil {
			v = ""
		}
		str[ext.Id.String()] = v
		hx[ext.Id.String()] = hex.EncodeToString(ext.Value)
	}
	for _, r := range required {
		oid, want, ok := strings.Cut(r, ":")
		if !ok {
			return false
		}
		vals := str
		if oid == "hex" {
			if oid, want, ok = strings.Cut(want, ":"); !ok {
				return false
			}
			vals, want = hx, strings.ToLower(want)
		}
		got, ok := vals[oid]
		if !ok || !starGlob(want, got) {
			return false
		}
	}
	return true
}

// extensionMetadata is certificateExtensionsMetadata: the allowed
// extensions' string values, keyed by the OID with dashes.
func extensionMetadata(c *x509.Certificate, allowed []string) map[string]string {
	out := map[string]string{}
	for _, ext := range c.Extensions {
		if id := ext.Id.String(); contains(allowed, id) {
			var v string
			_, _ = asn1.Unmarshal(ext.Value, &v)
			out[strings.ReplaceAll(id, ".", "-")] = v
		}
	}
	return out
}

// hexColons is certutil.GetHexFormatted(b, ":").
func hexColons(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

// certRenewParams is the method's AuthRenew: unless disable_binding, the
// renewal's connection must present a certificate that logs in to the same
// entry with the login's key ids; then the entry's current TTLs, and a
// refusal once its policies changed.
func certRenewParams(s *Server, req *request, m *mount, te *tokenEntry) (ttl, maxTTL, period time.Duration, err error) {
	b := s.stateOf(m).(*certBackend)
	name := te.Meta["cert_name"]
	if !b.config.DisableBinding {
		var cs *tls.ConnectionState
		if req.http != nil {
			cs = req.http.TLS
		}
		if _, err := b.verify(req, cs, name); err != nil {
			return 0, 0, 0, b.failureMetadata(cs, err)
		}
		c := cs.PeerCertificates[0]
		if hexColons(c.SubjectKeyId) != te.Meta["subject_key_id"] && hexColons(c.AuthorityKeyId) != te.Meta["authority_key_id"] {
			return 0, 0, 0, multiErr(http.StatusInternalServerError, "failed to renew entry: client identity during renewal not matching client identity used during login")
		}
	}
	e := b.certs[strings.ToLower(name)]
	if e == nil {
		return 0, 0, 0, errRenewNoResponse // Vault's AuthRenew answers nothing
	}
	if !equivalentPolicies(e.TokenPolicies, te.Policies) {
		return 0, 0, 0, multiErr(http.StatusInternalServerError, "failed to renew entry: policies have changed, not renewing")
	}
	return e.TokenTTL, e.TokenMaxTTL, e.TokenPeriod, nil
}

package mockvault

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"net"
	"net/url"
	"strings"
	"time"
)

// CA paths: root/generate, intermediate/generate, root/sign-intermediate,
// intermediate/set-signed, config/ca (import), root/sign-self-issued and
// root DELETE.

const pkiNoAIAWarning = "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information."

var pkiCAFields = fields{
	"exported": tString, "common_name": tString, "alt_names": tString, "ip_sans": tCommaSlice, "uri_sans": tCommaSlice,
	"other_sans": tCommaSlice, "ttl": tDuration, "format": tString, "private_key_format": tString, "key_type": tString,
	"key_bits": tInt, "signature_bits": tInt, "use_pss": tBool, "max_path_length": tInt, "exclude_cn_from_sans": tBool,
	"permitted_dns_domains": tCommaSlice, "excluded_dns_domains": tCommaSlice, "ou": tCommaSlice, "organization": tCommaSlice,
	"country": tCommaSlice, "locality": tCommaSlice, "province": tCommaSlice, "street_address": tCommaSlice,
	"postal_code": tCommaSlice, "serial_number": tString, "not_after": tString, "not_before_duration": tDuration,
	"issuer_name": tString, "key_name": tString, "key_ref": tString, "managed_key_name": tString, "managed_key_id": tString,
	"key_usage": tCommaSlice, "add_basic_constraints": tBool, "csr": tString, "issuer_ref": tString,
	"use_csr_values": tBool, "enforce_leaf_not_after_behavior": tBool, "skid": tString,
	"permitted_ip_ranges": tCommaSlice, "excluded_ip_ranges": tCommaSlice, "permitted_email_addresses": tCommaSlice,
	"excluded_email_addresses": tCommaSlice, "permitted_uri_domains": tCommaSlice, "excluded_uri_domains": tCommaSlice,
}

var pkiCADefaults = map[string]any{"format": "pem", "private_key_format": "der", "key_type": "rsa",
	"max_path_length": -1, "not_before_duration": 30, "issuer_ref": "default", "key_ref": "default"}

// pkiSubjectFrom is the subject of a CA request.
func pkiSubjectFrom(d *fieldData) pkix.Name {
	return pkix.Name{CommonName: d.str("common_name"), SerialNumber: d.str("serial_number"),
		OrganizationalUnit: d.strings("ou"), Organization: d.strings("organization"), Country: d.strings("country"),
		Locality: d.strings("locality"), Province: d.strings("province"), StreetAddress: d.strings("street_address"),
		PostalCode: d.strings("postal_code")}
}

// pkiCAKeyFor makes (internal, exported) or finds (existing) the key of a
// new CA, with the name checks of getKeyName.
func (p *pkiState) pkiCAKeyFor(d *fieldData, exported string) (crypto.Signer, int, error) {
	if exported == "existing" {
		k, msg := p.resolveKey(d.str("key_ref"))
		if k == nil {
			return nil, 0, badRequest("%s", msg)
		}
		return k.signer, 0, nil
	}
	keyType := d.str("key_type")
	bits, sigBits, err := pkiKeyBits(keyType, d.integer("key_bits"), d.integer("signature_bits"))
	if err == nil && keyType == "any" {
		err = errString("unknown key type any")
	}
	if err != nil {
		return nil, 0, badRequest("%s", err.Error())
	}
	k, err := pkiGenerateKey(keyType, bits)
	if err != nil {
		return nil, 0, internalError("%s", err)
	}
	return k, sigBits, nil
}

type errString string

func (e errString) Error() string { return string(e) }

// pkiNames checks issuer_name and key_name of a new CA (getIssuerName,
// getKeyName).
func (p *pkiState) pkiNames(d *fieldData) (string, string, error) {
	issuerName, keyName := "", ""
	if d.has("issuer_name") {
		issuerName = strings.TrimSpace(d.str("issuer_name"))
		switch {
		case issuerName == "":
			return "", "", badRequest("expected non-empty issuer name")
		case strings.ToLower(issuerName) == "default":
			return "", "", badRequest("reserved keyword 'default' can not be used as issuer name")
		case !nameStringRe.MatchString(issuerName):
			return "", "", badRequest("issuer name contained invalid characters")
		}
		if iss, _ := p.resolveIssuer(issuerName); iss != nil {
			return "", "", badRequest("issuer name already in use")
		}
	}
	if d.has("key_name") {
		keyName = strings.TrimSpace(d.str("key_name"))
		switch {
		case strings.ToLower(keyName) == "default":
			return "", "", badRequest("reserved keyword 'default' can not be used as key name")
		case !nameStringRe.MatchString(keyName):
			return "", "", badRequest("key name contained invalid characters")
		}
		if k, _ := p.resolveKey(keyName); k != nil {
			return "", "", badRequest("key name already in use")
		}
	}
	return issuerName, keyName, nil
}

func pkiExportedParam(d *fieldData) (string, error) {
	switch e := d.str("exported"); e {
	case "internal", "exported", "existing":
		return e, nil
	case "kms":
		return "", badRequest("mockvault does not implement managed keys (kms)")
	}
	return "", badRequest(`the "exported" path parameter must be "internal", "existing", exported" or "kms"`)
}

// pkiCAIPsURIs are the ip_sans and uri_sans of a CA request.
func pkiCAIPsURIs(d *fieldData) ([]net.IP, []*url.URL, error) {
	var ips []net.IP
	for _, v := range d.strings("ip_sans") {
		ip := net.ParseIP(v)
		if ip == nil {
			return nil, nil, badRequest("the value %q is not a valid IP address", v)
		}
		ips = append(ips, ip)
	}
	var uris []*url.URL
	for _, v := range d.strings("uri_sans") {
		u, err := url.Parse(v)
		if err != nil {
			return nil, nil, badRequest("the provided URI Subject Alternative Name %q is not a valid URI", v)
		}
		uris = append(uris, u)
	}
	return ips, uris, nil
}

// pkiCANames is the SANs of a CA request (no role: anything goes).
func pkiCANames(d *fieldData) (dns, emails []string) {
	add := func(v string) {
		if strings.Contains(v, "@") {
			emails = append(emails, v)
		} else if pkiHostnameRe.MatchString(v) {
			dns = append(dns, v)
		}
	}
	if cn := d.str("common_name"); cn != "" && !d.boolean("exclude_cn_from_sans", false) {
		add(cn)
	}
	if alt, ok := d.getOk("alt_names"); ok {
		for _, v := range pkiDedupSorted(alt.(string)) {
			add(v)
		}
	}
	return pkiDedupSortedList(dns), pkiDedupSortedList(emails)
}

// pkiCARequest is what root/generate and intermediate/generate read
// first, in Vault's order: the exported mode, the format, the names, then
// the key (made, or found for "existing").
type pkiCARequest struct {
	exported, format, issuerName, keyName string
	key                                   crypto.Signer
	sigBits                               int
}

func (p *pkiState) caRequest(d *fieldData) (*pkiCARequest, error) {
	exported, err := pkiExportedParam(d)
	if err != nil {
		return nil, err
	}
	format := pkiFormat(d)
	if format == "" {
		return nil, badRequest(`the "format" path parameter must be "pem", "der", or "pem_bundle"`)
	}
	issuerName, keyName, err := p.pkiNames(d)
	if err != nil {
		return nil, err
	}
	key, sigBits, err := p.pkiCAKeyFor(d, exported)
	if err != nil {
		return nil, err
	}
	return &pkiCARequest{exported, format, issuerName, keyName, key, sigBits}, nil
}

func (p *pkiState) generateRoot(req *request, d *fieldData) (*response, error) {
	cr, err := p.caRequest(d)
	if err != nil {
		return nil, err
	}
	exported, format, issuerName, keyName, key, sigBits := cr.exported, cr.format, cr.issuerName, cr.keyName, cr.key, cr.sigBits
	// root/rotate names the new root "next" unless that name is taken.
	if strings.HasPrefix(req.rel, "root/rotate/") && issuerName == "" {
		if iss, _ := p.resolveIssuer("next"); iss == nil {
			issuerName = "next"
		}
	}
	notAfter, warnings, err := pkiNotAfter(req, d, 0, 0, "", nil, d.duration("not_before_duration"))
	if err != nil {
		return nil, err
	}
	tmpl, err := pkiCATemplate(req, d, key.Public(), notAfter)
	if err != nil {
		return nil, err
	}
	p.applyURLs(tmpl, nil)
	tmpl.AuthorityKeyId = tmpl.SubjectKeyId
	tmpl.SignatureAlgorithm = pkiSigAlg(key.Public(), sigBits, d.boolean("use_pss", false))
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, internalError("unable to create certificate: %s", err)
	}
	cert, _ := x509.ParseCertificate(der)
	k, _ := p.addKey(&pkiKey{name: keyName, signer: key})
	iss, _ := p.addIssuer(cert, issuerName)
	iss.revSigAlg = cert.SignatureAlgorithm
	p.certs[pkiSerialOf(cert)] = &pkiCert{cert: cert}
	data := pkiCAData(format, exported == "exported", cert, key, d.str("private_key_format") == "pkcs8")
	data["issuing_ca"] = data["certificate"]
	if format == "pem_bundle" {
		data["issuing_ca"] = pkiCertPEM(cert)
	}
	data["issuer_id"], data["issuer_name"], data["key_id"], data["key_name"] = iss.id, iss.name, k.id, k.name
	if len(tmpl.IssuingCertificateURL) == 0 && len(tmpl.CRLDistributionPoints) == 0 && len(tmpl.OCSPServer) == 0 {
		warnings = append(warnings, pkiNoAIAWarning)
	}
	if cert.MaxPathLen == 0 && cert.MaxPathLenZero {
		warnings = append(warnings, "Max path length of the generated certificate is zero. This certificate cannot be used to issue intermediate CA certificates.")
	}
	resp := dataResp(data)
	resp.warnings = warnings
	return resp, nil
}

// pkiCATemplate is the template of a CA certificate from a request.
func pkiCATemplate(req *request, d *fieldData, pub crypto.PublicKey, notAfter time.Time) (*x509.Certificate, error) {
	dns, emails := pkiCANames(d)
	ips, uris, err := pkiCAIPsURIs(d)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: pkiNewSerial(), Subject: pkiSubjectFrom(d), NotBefore: req.now.Add(-d.duration("not_before_duration")),
		NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, SubjectKeyId: pkiSubjectKeyID(pub),
		DNSNames: dns, EmailAddresses: emails, IPAddresses: ips, URIs: uris, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		PermittedDNSDomains: d.strings("permitted_dns_domains"), ExcludedDNSDomains: d.strings("excluded_dns_domains"),
		PermittedDNSDomainsCritical: true,
	}
	if pkiKeyUsages(d.strings("key_usage"))&x509.KeyUsageDigitalSignature != 0 {
		tmpl.KeyUsage |= x509.KeyUsageDigitalSignature
	}
	switch n := d.integer("max_path_length"); {
	case n == 0:
		tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
	default:
		tmpl.MaxPathLen = n
	}
	return tmpl, nil
}

// pkiCAData is the certificate and (exported) key of a CA answer.
func pkiCAData(format string, exported bool, cert *x509.Certificate, key crypto.Signer, pkcs8 bool) map[string]any {
	data := map[string]any{"expiration": cert.NotAfter.Unix(), "serial_number": pkiSerialOf(cert)}
	keyDER, keyType := pkiMarshalKey(key, pkcs8)
	switch format {
	case "der":
		data["certificate"] = pkiB64(cert.Raw)
		if exported {
			data["private_key"] = pkiB64(keyDER)
		}
	case "pem_bundle":
		data["certificate"] = pkiCertPEM(cert)
		if exported {
			data["private_key"] = pkiPEM(keyType, keyDER)
			data["certificate"] = pkiPEM(keyType, keyDER) + "\n" + pkiCertPEM(cert)
		}
	default:
		data["certificate"] = pkiCertPEM(cert)
		if exported {
			data["private_key"] = pkiPEM(keyType, keyDER)
		}
	}
	if exported {
		data["private_key_type"] = pkiKeyTypeOf(key.Public())
	}
	return data
}

// generateIntermediate makes a key and a CSR for a CA to sign.
func (p *pkiState) generateIntermediate(req *request, d *fieldData) (*response, error) {
	cr, err := p.caRequest(d)
	if err != nil {
		return nil, err
	}
	exported, format, keyName, key, sigBits := cr.exported, cr.format, cr.keyName, cr.key, cr.sigBits
	dns, emails := pkiCANames(d)
	ips, uris, err := pkiCAIPsURIs(d)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.CertificateRequest{Subject: pkiSubjectFrom(d), DNSNames: dns, EmailAddresses: emails, IPAddresses: ips, URIs: uris,
		SignatureAlgorithm: pkiSigAlg(key.Public(), sigBits, d.boolean("use_pss", false))}
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		return nil, internalError("unable to create CSR: %s", err)
	}
	k, _ := p.addKey(&pkiKey{name: keyName, signer: key})
	data := map[string]any{"key_id": k.id}
	keyDER, keyType := pkiMarshalKey(key, d.str("private_key_format") == "pkcs8")
	if format == "der" {
		data["csr"] = pkiB64(csrDER)
	} else {
		data["csr"] = pkiPEM("CERTIFICATE REQUEST", csrDER)
	}
	if exported == "exported" {
		data["private_key_type"] = pkiKeyTypeOf(key.Public())
		if format == "der" {
			data["private_key"] = pkiB64(keyDER)
		} else {
			data["private_key"] = pkiPEM(keyType, keyDER)
		}
	}
	resp := dataResp(data)
	if len(p.urls.issuingCertificates) == 0 && len(p.urls.crlDistributionPoints) == 0 && len(p.urls.ocspServers) == 0 {
		resp.warnings = []string{pkiNoAIAWarning + " Since this certificate is an intermediate, it might be useful to regenerate this certificate after fixing this problem for the root mount."}
	}
	return resp, nil
}

// signIntermediate signs a CA CSR with an issuer (root/sign-intermediate,
// issuer/:ref/sign-intermediate).
func (p *pkiState) signIntermediate(req *request, d *fieldData) (*response, error) {
	ref, err := pkiIssuerRef(d)
	if err != nil {
		return nil, err
	}
	format := pkiFormat(d)
	if format == "" {
		return nil, badRequest(`The "format" path parameter must be "pem", "der" or "pem_bundle"`)
	}
	signer, err := p.signerFor(ref)
	if err != nil {
		return nil, err
	}
	csr, err := pkiParseCSR(d.str("csr"))
	if err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, badRequest("request signature invalid: %v", err)
	}
	var warnings []string
	// Vault truncates an intermediate to its issuer's expiry unless told
	// to enforce the issuer's leaf_not_after_behavior.
	sig := *signer
	if !d.boolean("enforce_leaf_not_after_behavior", false) {
		is := *signer.iss
		is.leafNotAfterBehavior = "truncate"
		sig.iss = &is
	}
	notAfter, w, err := pkiNotAfter(req, d, 0, 0, "", &sig, d.duration("not_before_duration"))
	if err != nil {
		return nil, err
	}
	warnings = append(warnings, w...)
	if notAfter.Equal(signer.iss.cert.NotAfter) {
		warnings = append(warnings, "the signed intermediary CA certificate's notAfter was truncated to the issuer's notAfter")
	}
	subject := pkiSubjectFrom(d)
	if subject.CommonName == "" {
		subject.CommonName = csr.Subject.CommonName
	}
	if d.boolean("use_csr_values", false) {
		subject = csr.Subject
	}
	dns, emails := pkiCANames(d)
	if d.str("common_name") == "" && d.str("alt_names") == "" {
		dns, emails = csr.DNSNames, csr.EmailAddresses
		if cn := subject.CommonName; cn != "" && !d.boolean("exclude_cn_from_sans", false) && !hasString(dns, cn) && pkiHostnameRe.MatchString(cn) {
			dns = append([]string{cn}, dns...)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: pkiNewSerial(), Subject: subject, NotBefore: req.now.Add(-d.duration("not_before_duration")), NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, SubjectKeyId: pkiSubjectKeyID(csr.PublicKey), DNSNames: dns, EmailAddresses: emails,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, PermittedDNSDomains: d.strings("permitted_dns_domains"),
		ExcludedDNSDomains: d.strings("excluded_dns_domains"), PermittedDNSDomainsCritical: true,
	}
	switch n := d.integer("max_path_length"); {
	case n == 0:
		tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
	case n > 0:
		tmpl.MaxPathLen = n
	default:
		switch pc := signer.iss.cert; {
		case pc.MaxPathLen < 0 || (pc.MaxPathLen == 0 && !pc.MaxPathLenZero):
			tmpl.MaxPathLen = -1
		case pc.MaxPathLen == 0:
			tmpl.MaxPathLen, tmpl.MaxPathLenZero = 0, true
		default:
			tmpl.MaxPathLen = pc.MaxPathLen - 1
			tmpl.MaxPathLenZero = tmpl.MaxPathLen == 0
		}
	}
	p.applyURLs(tmpl, signer.iss)
	cert, err := signer.sign(tmpl, csr.PublicKey, d.integer("signature_bits"), d.boolean("use_pss", false))
	if err != nil {
		return nil, internalError("error signing/generating certificate: %s", err)
	}
	p.certs[pkiSerialOf(cert)] = &pkiCert{cert: cert}
	data := pkiIssueData(format, cert, nil, signer, false, false)
	delete(data, "authority_key_id")
	// Vault's intermediate chain starts with the new certificate itself.
	switch chain := data["ca_chain"].([]string); format {
	case "der":
		data["ca_chain"] = append([]string{pkiB64(cert.Raw)}, chain...)
	default:
		data["ca_chain"] = append([]string{pkiCertPEM(cert)}, chain...)
	}
	if format == "pem_bundle" {
		data["certificate"] = pkiCertPEM(cert)
	}
	resp := dataResp(data)
	if len(tmpl.IssuingCertificateURL) == 0 && len(tmpl.CRLDistributionPoints) == 0 && len(tmpl.OCSPServer) == 0 {
		warnings = append(warnings, pkiNoAIAWarning)
	}
	resp.warnings = warnings
	return resp, nil
}

// importBundle is intermediate/set-signed, config/ca and issuers/import/*
// (Vault's pathImportIssuers): CA certificates become issuers, keys keys.
func (p *pkiState) importBundle(req *request, d *fieldData) (*response, error) {
	bundle, cert := d.str("pem_bundle"), d.str("certificate")
	keysAllowed := !strings.HasSuffix(req.rel, "import/cert")
	switch {
	case bundle == "" && cert == "":
		return nil, badRequest("'pem_bundle' and 'certificate' parameters were empty")
	case bundle != "" && cert != "":
		return nil, badRequest("'pem_bundle' and 'certificate' parameters were both provided")
	case cert != "":
		keysAllowed, bundle = false, cert
	}
	if len(bundle) < 75 {
		return nil, badRequest("provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file")
	}
	var certBlocks, keyBlocks []*pem.Block
	rest := []byte(bundle)
	for len(strings.TrimSpace(string(rest))) > 0 {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, badRequest("provided PEM block contained no data")
		}
		switch b.Type {
		case "CERTIFICATE", "X509 CERTIFICATE":
			certBlocks = append(certBlocks, b)
		case "CRL", "X509 CRL", "EC PARAMS", "EC PARAMETERS":
		default:
			keyBlocks = append(keyBlocks, b)
		}
	}
	if len(keyBlocks) > 0 && !keysAllowed {
		return nil, badRequest("private keys found in the PEM bundle but not allowed by the path; use /issuers/import/bundle")
	}
	var createdKeys, createdIssuers, existingKeys, existingIssuers []string
	mapping := map[string]any{}
	for i, b := range keyBlocks {
		k, err := pkiParseKey(b)
		if err != nil {
			return nil, badRequest("Error parsing key %v: %v", i, err)
		}
		key, existed := p.addKey(&pkiKey{signer: k})
		if existed {
			existingKeys = append(existingKeys, key.id)
		} else {
			createdKeys = append(createdKeys, key.id)
		}
	}
	for i, b := range certBlocks {
		c, err := x509.ParseCertificate(b.Bytes)
		if err == nil && !c.IsCA {
			err = errString("Refusing to import non-CA certificate")
		}
		if err != nil {
			return nil, badRequest("Error parsing issuer %v: %v\n%v", i, err, string(pem.EncodeToMemory(b)))
		}
		iss, existed := p.addIssuer(c, "")
		if !existed {
			if c.KeyUsage&x509.KeyUsageCRLSign == 0 {
				iss.usage = []string{"issuing-certificates", "ocsp-signing", "read-only"}
			}
			createdIssuers = append(createdIssuers, iss.id)
		} else {
			existingIssuers = append(existingIssuers, iss.id)
		}
		mapping[iss.id] = iss.keyID
	}
	p.rebuildChains()
	resp := dataResp(map[string]any{"imported_keys": createdKeys, "imported_issuers": createdIssuers,
		"existing_keys": existingKeys, "existing_issuers": existingIssuers, "mapping": mapping})
	if iss := p.issuers[p.defaultIssuer]; iss != nil && mapping[iss.id] == "" && len(createdIssuers)+len(existingIssuers) > 0 {
		if _, seen := mapping[iss.id]; seen {
			resp.warnings = append(resp.warnings, "The default issuer has no key associated with it. Some operations like issuing certificates and signing CRLs will be unavailable with the requested default issuer until a key is imported or the default issuer is changed.")
		}
	}
	u := p.urls
	if len(u.issuingCertificates) == 0 && len(u.crlDistributionPoints) == 0 && len(u.deltaCRLDistributionPoints) == 0 && len(u.ocspServers) == 0 {
		resp.warnings = append(resp.warnings, "This mount hasn't configured any authority information access (AIA) fields; this may make it harder for systems to find missing certificates in the chain or to validate revocation status of certificates. Consider updating /config/urls or the newly generated issuer with this information.")
	}
	return resp, nil
}

// signSelfIssued re-signs a self-issued CA certificate with an issuer.
func (p *pkiState) signSelfIssued(req *request, d *fieldData) (*response, error) {
	ref, err := pkiIssuerRef(d)
	if err != nil {
		return nil, err
	}
	certs, err := pkiParseCertsPEM(d.str("certificate"))
	if err != nil {
		return nil, badRequest("error parsing certificate: %s", err)
	}
	if len(certs) != 1 {
		return nil, badRequest("%d certificates found in PEM file, expected 1", len(certs))
	}
	c := certs[0]
	if !c.IsCA {
		return nil, badRequest("given certificate is not a CA certificate")
	}
	if string(c.RawIssuer) != string(c.RawSubject) {
		return nil, badRequest("given certificate is not self-issued")
	}
	signer, err := p.signerFor(ref)
	if err != nil {
		return nil, err
	}
	tmpl := *c
	tmpl.SerialNumber = pkiNewSerial()
	p.applyURLs(&tmpl, signer.iss)
	out, err := signer.sign(&tmpl, c.PublicKey, 256, false)
	if err != nil {
		return nil, internalError("error signing self-issued certificate: %s", err)
	}
	return dataResp(map[string]any{"certificate": pkiCertPEM(out), "issuing_ca": pkiCertPEM(signer.iss.cert)}), nil
}

// deleteRoot removes every issuer and key of the mount.
func (p *pkiState) deleteRoot(req *request, d *fieldData) (*response, error) {
	p.issuers, p.keys = map[string]*pkiIssuer{}, map[string]*pkiKey{}
	p.defaultIssuer, p.defaultKey = "", ""
	resp := &response{}
	resp.warnings = []string{"DELETE /root deletes all keys and issuers; prefer the new DELETE /key/:key_ref and DELETE /issuer/:issuer_ref for finer granularity, unless removal of all keys and issuers is desired."}
	return resp, nil
}

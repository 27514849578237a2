package mockvault

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	glob "github.com/ryanuber/go-glob"
	"golang.org/x/net/idna"
)

// Issuing and signing leaf certificates: issue/:role, sign/:role,
// sign-verbatim[/:role], with Vault's name checks, TTL capping and answer.

var (
	pkiLabelRe    = `([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])`
	pkiHostnameRe = regexp.MustCompile(`^(\*\.)?(` + pkiLabelRe + `\.)*` + pkiLabelRe + `\.?$`)
	pkiLeftWildRe = regexp.MustCompile(`^(\*|\*` + pkiLabelRe + `|` + pkiLabelRe + `\*|` + pkiLabelRe + `\*` + pkiLabelRe + `)$`)
	pkiOIDRe      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)+$`)
)

var pkiIssueFields = fields{
	"role": tString, "common_name": tString, "alt_names": tString, "serial_number": tString, "ttl": tDuration,
	"not_after": tString, "remove_roots_from_chain": tBool, "user_ids": tCommaSlice, "cert_metadata": tString,
	"exclude_cn_from_sans": tBool, "format": tString, "private_key_format": tString, "ip_sans": tCommaSlice,
	"uri_sans": tCommaSlice, "other_sans": tCommaSlice, "issuer_ref": tString, "csr": tString,
	// sign-verbatim's own
	"key_usage": tCommaSlice, "ext_key_usage": tCommaSlice, "ext_key_usage_oids": tCommaSlice,
	"signature_bits": tInt, "use_pss": tBool,
}

var pkiIssueDefaults = map[string]any{"format": "pem", "private_key_format": "der", "issuer_ref": "default"}

var pkiSignVerbatimDefaults = map[string]any{"format": "pem", "private_key_format": "der", "issuer_ref": "default",
	"key_usage": []string{"DigitalSignature", "KeyAgreement", "KeyEncipherment"}, "ext_key_usage": []string{}, "ext_key_usage_oids": []string{}}

// pkiFormat is getFormat: "" for an unknown format.
func pkiFormat(d *fieldData) string {
	switch f := d.str("format"); f {
	case "pem", "der", "pem_bundle":
		return f
	}
	return ""
}

func (p *pkiState) roleFor(d *fieldData) (*pkiRole, error) {
	r := p.roles[d.str("role")]
	if r == nil {
		return nil, badRequest("unknown role: %s", d.str("role"))
	}
	return r, nil
}

func (p *pkiState) issue(req *request, d *fieldData) (*response, error) {
	r, err := p.roleFor(d)
	if err != nil {
		return nil, err
	}
	if r.keyType == "any" {
		return nil, badRequest(`role key type "any" not allowed for issuing certificates, only signing`)
	}
	return p.issueSign(req, d, r, false, false)
}

func (p *pkiState) sign(req *request, d *fieldData) (*response, error) {
	r, err := p.roleFor(d)
	if err != nil {
		return nil, err
	}
	return p.issueSign(req, d, r, true, false)
}

// signVerbatim signs a CSR as it is: a permissive role with the request's
// usages, bounded by the named role's TTLs when one is given.
func (p *pkiState) signVerbatim(req *request, d *fieldData) (*response, error) {
	r := &pkiRole{allowLocalhost: true, allowAnyName: true, allowIPSANs: true, allowWildcard: true, keyType: "any",
		useCSRCommonName: true, useCSRSANs: true, allowedOtherSANs: []string{"*"}, allowedSerialNumbers: []string{"*"},
		allowedURISANs: []string{"*"}, cnValidations: []string{"disabled"}, generateLease: false, issuerRef: "default",
		keyUsage: d.strings("key_usage"), extKeyUsage: d.strings("ext_key_usage"), extKeyUsageOIDs: d.strings("ext_key_usage_oids"),
		signatureBits: d.integer("signature_bits"), usePSS: d.boolean("use_pss", false), notBefore: 30 * time.Second}
	if name := d.str("role"); name != "" {
		named := p.roles[name]
		if named == nil {
			return nil, badRequest("unknown role: %s", name)
		}
		r.noStore, r.issuerRef, r.ttl, r.maxTTL, r.generateLease = named.noStore, named.issuerRef, named.ttl, named.maxTTL, named.generateLease
		if named.notBefore > 0 {
			r.notBefore = named.notBefore
		}
	}
	return p.issueSign(req, d, r, true, true)
}

// pkiLeaf is what a new certificate will say, before it is signed.
type pkiLeaf struct {
	subject   pkix.Name
	dns       []string
	emails    []string
	ips       []net.IP
	uris      []*url.URL
	otherSANs map[string][]string
	notBefore time.Time
	notAfter  time.Time
	warnings  []string
}

// issueSign is pathIssueSignCert.
func (p *pkiState) issueSign(req *request, d *fieldData, r *pkiRole, useCSR, verbatim bool) (*response, error) {
	ref := r.issuerRef
	if ref == "" {
		ref = "default"
	}
	// issuer/:ref/issue|sign|sign-verbatim name the issuer in the path.
	if v, ok := d.vars["issuer_ref"]; ok {
		if ref = v; ref == "" {
			return nil, badRequest("missing issuer reference")
		}
	}
	format := pkiFormat(d)
	if format == "" {
		return nil, badRequest(`the "format" path parameter must be "pem", "der", or "pem_bundle"`)
	}
	signer, err := p.signerFor(ref)
	if err != nil {
		return nil, err
	}
	var csr *x509.CertificateRequest
	if useCSR {
		if csr, err = pkiParseCSR(d.str("csr")); err != nil {
			return nil, badRequest("%s", err.Error())
		}
		if err := pkiCheckCSRKey(r, csr); err != nil {
			return nil, badRequest("%s", err.Error())
		}
	}
	leaf, err := pkiLeafFrom(req, d, r, csr, signer, verbatim)
	if err != nil {
		return nil, err
	}
	var key crypto.Signer
	var pub crypto.PublicKey
	if csr != nil {
		pub = csr.PublicKey
	} else {
		if key, err = pkiGenerateKey(r.keyType, r.keyBits); err != nil {
			return nil, internalError("%s", err)
		}
		pub = key.Public()
	}
	tmpl := &x509.Certificate{
		SerialNumber: pkiNewSerial(), Subject: leaf.subject, NotBefore: leaf.notBefore, NotAfter: leaf.notAfter,
		DNSNames: leaf.dns, EmailAddresses: leaf.emails, IPAddresses: leaf.ips, URIs: leaf.uris,
		SubjectKeyId: pkiSubjectKeyID(pub), KeyUsage: pkiKeyUsages(r.keyUsage), ExtKeyUsage: pkiRoleExtUsages(r),
	}
	if r.basicConstraintsValidForNonCA {
		tmpl.BasicConstraintsValid = true
	}
	p.applyURLs(tmpl, signer.iss)
	if err := pkiAddOtherSANs(tmpl, leaf.otherSANs); err != nil {
		return nil, internalError("error marshaling other SANs: %s", err)
	}
	cert, err := signer.sign(tmpl, pub, r.signatureBits, r.usePSS)
	if err != nil {
		return nil, internalError("error signing/generating certificate: %s", err)
	}
	if !r.noStore {
		p.certs[pkiSerialOf(cert)] = &pkiCert{cert: cert}
	}
	resp := dataResp(pkiIssueData(format, cert, key, signer, d.boolean("remove_roots_from_chain", false), d.str("private_key_format") == "pkcs8"))
	if r.generateLease {
		// Vault's answer names a lease for the certificate; the mock's
		// lease store (sys/leases) does not track it.
		resp.leaseID = req.mount.path + req.rel + "/" + randomBase62(24)
		resp.leaseDuration = int(cert.NotAfter.Sub(req.now).Seconds())
	}
	// Vault adds the TTL warnings twice: with the answer, and again after
	// the CSR warnings.
	resp.warnings = append([]string(nil), leaf.warnings...)
	if useCSR {
		if r.useCSRCommonName && d.str("common_name") != "" {
			resp.warnings = append(resp.warnings, `the common_name field was provided but the role is set with "use_csr_common_name" set to true`)
		}
		if r.useCSRSANs && d.str("alt_names") != "" {
			resp.warnings = append(resp.warnings, `the alt_names field was provided but the role is set with "use_csr_sans" set to true`)
		}
	}
	resp.warnings = append(resp.warnings, leaf.warnings...)
	return resp, nil
}

// pkiRoleExtUsages are the role's flags and ext_key_usage as x509 values,
// in Vault's order.
func pkiRoleExtUsages(r *pkiRole) []x509.ExtKeyUsage {
	set := map[x509.ExtKeyUsage]bool{}
	for _, u := range pkiExtKeyUsages(r.extKeyUsage) {
		set[u] = true
	}
	set[x509.ExtKeyUsageServerAuth] = set[x509.ExtKeyUsageServerAuth] || r.serverFlag
	set[x509.ExtKeyUsageClientAuth] = set[x509.ExtKeyUsageClientAuth] || r.clientFlag
	set[x509.ExtKeyUsageCodeSigning] = set[x509.ExtKeyUsageCodeSigning] || r.codeSigningFlag
	set[x509.ExtKeyUsageEmailProtection] = set[x509.ExtKeyUsageEmailProtection] || r.emailProtectionFlag
	var out []x509.ExtKeyUsage
	for _, u := range []x509.ExtKeyUsage{x509.ExtKeyUsageAny, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth,
		x509.ExtKeyUsageCodeSigning, x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageIPSECEndSystem,
		x509.ExtKeyUsageIPSECTunnel, x509.ExtKeyUsageIPSECUser, x509.ExtKeyUsageTimeStamping, x509.ExtKeyUsageOCSPSigning,
		x509.ExtKeyUsageMicrosoftServerGatedCrypto, x509.ExtKeyUsageNetscapeServerGatedCrypto} {
		if set[u] {
			out = append(out, u)
		}
	}
	return out
}

// pkiCheckCSRKey is signCert's check of the CSR's key against the role,
// in Vault's order and texts.
func pkiCheckCSRKey(r *pkiRole, csr *x509.CertificateRequest) error {
	if csr.PublicKey == nil {
		return fmt.Errorf("Refusing to sign CSR with empty PublicKey. This usually means the SubjectPublicKeyInfo field has an OID not recognized by Go, such as 1.2.840.113549.1.1.10 for rsaPSS.")
	}
	if err := csr.CheckSignature(); err != nil {
		return fmt.Errorf("request signature invalid: %v", err)
	}
	typ, bits := pkiKeyTypeOf(csr.PublicKey), pkiKeyBitsOf(csr.PublicKey)
	minBits := r.keyBits
	switch {
	case r.keyType == "any" && typ == "rsa" && bits < 2048:
		return fmt.Errorf("RSA keys < 2048 bits are unsafe and not supported")
	case r.keyType == "any" && typ == "rsa":
		minBits = 2048
	case r.keyType == "any" && typ == "ec":
		minBits = 224
	case r.keyType != "any" && typ != r.keyType:
		return fmt.Errorf("role requires keys of type %s", r.keyType)
	}
	if (typ == "rsa" || typ == "ec") && bits < minBits {
		return fmt.Errorf("role requires a minimum of a %d-bit key, but CSR's key is %d bits", minBits, bits)
	}
	if typ == "rsa" && bits < 2048 {
		return fmt.Errorf("Vault requires a minimum of a 2048-bit key, but CSR's key is %d bits", bits)
	}
	return nil
}

// pkiLeafFrom is GenerateCreationBundle: names checked against the role,
// the subject built, validity computed.
func pkiLeafFrom(req *request, d *fieldData, r *pkiRole, csr *x509.CertificateRequest, signer *pkiSigner, verbatim bool) (*pkiLeaf, error) {
	leaf := &pkiLeaf{}
	var cn string
	if csr != nil && r.useCSRCommonName {
		cn = csr.Subject.CommonName
	}
	if cn == "" {
		cn = d.str("common_name")
		if cn == "" && r.requireCN {
			return nil, badRequest(`the common_name field is required, or must be provided in a CSR with "use_csr_common_name" set to true, unless "require_cn" is set to false`)
		}
	}
	serialName := d.str("serial_number")
	if serialName == "" && csr != nil && r.serialNumberSource != "json" {
		serialName = csr.Subject.SerialNumber
	}
	dns, emails := []string{}, []string{}
	if csr != nil && r.useCSRSANs {
		dns = append(dns, csr.DNSNames...)
		emails = append(emails, csr.EmailAddresses...)
	}
	idn := idna.New(idna.StrictDomainName(true), idna.VerifyDNSLength(true))
	addName := func(v string) error {
		if strings.Contains(v, "@") {
			emails = append(emails, v)
			return nil
		}
		conv, err := idn.ToASCII(v)
		if err != nil {
			return badRequest("%s", err.Error())
		}
		if pkiHostnameRe.MatchString(conv) {
			dns = append(dns, conv)
		}
		return nil
	}
	if cn != "" && !d.boolean("exclude_cn_from_sans", false) {
		if err := addName(cn); err != nil {
			return nil, err
		}
	}
	if csr == nil || !r.useCSRSANs {
		if alt, ok := d.getOk("alt_names"); ok {
			for _, v := range pkiDedupSorted(alt.(string)) {
				if err := addName(v); err != nil {
					return nil, err
				}
			}
		}
	}
	if cn != "" && !verbatim {
		if bad := r.validateCN(cn); bad != "" {
			return nil, badRequest("common name %s not allowed by this role", bad)
		}
	}
	if serialName != "" && !verbatim && !pkiSerialAllowed(r, serialName) {
		return nil, badRequest("serial_number %s not allowed by this role", serialName)
	}
	if !verbatim {
		if bad := r.validateNames(dns); bad != "" {
			return nil, badRequest("subject alternate name %s not allowed by this role", bad)
		}
		if bad := r.validateNames(emails); bad != "" {
			return nil, badRequest("email address %s not allowed by this role", bad)
		}
	}
	leaf.dns, leaf.emails = pkiDedupSortedList(dns), pkiDedupSortedList(emails)
	if others := d.strings("other_sans"); len(others) > 0 {
		requested, err := pkiParseOtherSANs(others)
		if err != nil {
			return nil, badRequest("could not parse requested other SAN: %s", err)
		}
		if err := r.checkOtherSANs(requested); err != nil {
			return nil, err
		}
		leaf.otherSANs = requested
	}
	if csr != nil && r.useCSRSANs {
		if len(csr.IPAddresses) > 0 && !r.allowIPSANs {
			return nil, badRequest("IP Subject Alternative Names are not allowed in this role, but was provided some via CSR")
		}
		leaf.ips = csr.IPAddresses
		if len(csr.URIs) > 0 && len(r.allowedURISANs) == 0 {
			return nil, badRequest("URI Subject Alternative Names are not allowed in this role, but were provided via CSR")
		}
		for _, u := range csr.URIs {
			if !r.uriAllowed(u.String()) {
				return nil, badRequest("URI Subject Alternative Names were provided via CSR which are not valid for this role")
			}
		}
		leaf.uris = csr.URIs
	} else {
		if ips := d.strings("ip_sans"); len(ips) > 0 {
			if !r.allowIPSANs {
				return nil, badRequest("IP Subject Alternative Names are not allowed in this role, but was provided %s", ips)
			}
			for _, v := range ips {
				ip := net.ParseIP(v)
				if ip == nil {
					return nil, badRequest("the value %q is not a valid IP address", v)
				}
				leaf.ips = append(leaf.ips, ip)
			}
		}
		if uris := d.strings("uri_sans"); len(uris) > 0 {
			if len(r.allowedURISANs) == 0 {
				return nil, badRequest("URI Subject Alternative Names are not allowed in this role, but were provided via the API")
			}
			for _, v := range uris {
				if !r.uriAllowed(v) {
					return nil, badRequest("URI Subject Alternative Names were provided via the API which are not valid for this role")
				}
				u, err := url.Parse(v)
				if err != nil {
					return nil, badRequest("the provided URI Subject Alternative Name %q is not a valid URI", v)
				}
				leaf.uris = append(leaf.uris, u)
			}
		}
	}
	if verbatim && csr != nil {
		leaf.subject = csr.Subject
		leaf.dns, leaf.emails, leaf.ips, leaf.uris = csr.DNSNames, csr.EmailAddresses, csr.IPAddresses, csr.URIs
	} else {
		leaf.subject = pkix.Name{CommonName: cn, SerialNumber: serialName, OrganizationalUnit: r.ou, Organization: r.organization,
			Country: r.country, Locality: r.locality, Province: r.province, StreetAddress: r.streetAddress, PostalCode: r.postalCode}
	}
	var err error
	leaf.notAfter, leaf.warnings, err = pkiNotAfter(req, d, r.ttl, r.maxTTL, r.notAfter, signer, r.notBefore)
	if err != nil {
		return nil, err
	}
	nb := r.notBefore
	if nb <= 0 {
		nb = 30 * time.Second
	}
	leaf.notBefore = req.now.Add(-nb)
	return leaf, nil
}

// pkiDedupSortedList is strutil.RemoveDuplicates: sorted, no
// duplicates, nil when empty.
func pkiDedupSortedList(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return pkiDedupSorted(strings.Join(s, ","))
}

// pkiDedupSorted is strutil.ParseDedupAndSortStrings with ",".
func pkiDedupSorted(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if v != "" && !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// pkiNotAfter is GetCertificateNotAfter with the issuer's
// leaf_not_after_behavior applied.
func pkiNotAfter(req *request, d *fieldData, roleTTL, roleMax time.Duration, roleNotAfter string, signer *pkiSigner, notBeforeDur time.Duration) (time.Time, []string, error) {
	var warnings []string
	ttl := d.duration("ttl")
	na := roleNotAfter
	if na == "" {
		na = d.str("not_after")
	}
	if ttl > 0 && na != "" {
		return time.Time{}, nil, badRequest("Either ttl or not_after should be provided. Both should not be provided in the same request.")
	}
	if ttl == 0 && roleTTL > 0 {
		ttl = roleTTL
	}
	maxTTL := roleMax
	def, max := req.mount.ttls()
	if ttl == 0 {
		ttl = def
	}
	if maxTTL == 0 {
		maxTTL = max
	}
	if ttl > maxTTL {
		warnings = append(warnings, fmt.Sprintf("TTL %q is longer than permitted maxTTL %q, so maxTTL is being used", ttl, maxTTL))
		ttl = maxTTL
	}
	var notAfter time.Time
	if na != "" {
		t, err := time.Parse(time.RFC3339, na)
		if err != nil {
			return time.Time{}, warnings, badRequest("%s", err.Error())
		}
		notAfter = t
	} else {
		notAfter = req.now.Add(ttl)
	}
	if signer != nil && notAfter.After(signer.iss.cert.NotAfter) {
		switch signer.iss.leafNotAfterBehavior {
		case "truncate":
			notAfter = signer.iss.cert.NotAfter
		case "permit":
		default:
			return time.Time{}, warnings, badRequest("cannot satisfy request, as TTL would result in notAfter of %s that is beyond the expiration of the CA certificate at %s",
				notAfter.UTC().Format(time.RFC3339Nano), signer.iss.cert.NotAfter.UTC().Format(time.RFC3339Nano))
		}
	}
	notBefore := req.now.Add(-notBeforeDur)
	if notAfter.Before(notBefore) {
		return time.Time{}, warnings, badRequest("notAfter before notBefore")
	}
	if signer != nil && notBefore.Before(signer.iss.cert.NotBefore) {
		return time.Time{}, warnings, badRequest("notBefore before signer's notBefore")
	}
	return notAfter.Truncate(time.Second), warnings, nil
}

// validateNames is Vault's ValidateNames: the first name the role does
// not allow, or "".
func (r *pkiRole) validateNames(names []string) string {
	idn := idna.New(idna.StrictDomainName(true), idna.VerifyDNSLength(true))
	for _, name := range names {
		reduced, emailDomain := name, name
		isEmail, isWildcard := false, false
		wildLabel := ""
		if strings.Contains(reduced, "@") {
			parts := strings.Split(reduced, "@")
			if len(parts) != 2 {
				return name
			}
			reduced, emailDomain, isEmail = parts[1], parts[1], true
		}
		if strings.Contains(reduced, "*") {
			isWildcard = true
			if !r.allowWildcard {
				return name
			}
			if strings.Count(reduced, "*") > 1 {
				return name
			}
			labels := strings.SplitN(reduced, ".", 2)
			wildLabel = labels[0]
			reduced = ""
			if len(labels) == 2 {
				reduced = labels[1]
				if strings.Contains(reduced, "*") {
					return name
				}
			}
		}
		if isEmail && isWildcard {
			return name
		}
		if r.enforceHostnames {
			if reduced != "" {
				conv, err := idn.ToASCII(reduced)
				if err != nil || !pkiHostnameRe.MatchString(conv) {
					return name
				}
			}
			if isWildcard && !pkiLeftWildRe.MatchString(wildLabel) {
				return name
			}
		}
		if r.allowAnyName {
			continue
		}
		if r.allowLocalhost {
			if reduced == "localhost" || reduced == "localdomain" || (isEmail && (emailDomain == "localhost" || emailDomain == "localdomain")) {
				continue
			}
			if r.allowSubdomains && (strings.HasSuffix(reduced, ".localhost") || (isWildcard && reduced == "localhost") ||
				strings.HasSuffix(reduced, ".localdomain") || (isWildcard && reduced == "localdomain")) {
				continue
			}
		}
		valid := false
		for _, dom := range r.allowedDomains {
			if dom == "" {
				continue
			}
			if r.allowBare && (strings.EqualFold(name, dom) || (isEmail && strings.EqualFold(emailDomain, dom))) {
				valid = true
				break
			}
			if r.allowSubdomains && (strings.HasSuffix(reduced, "."+dom) || (isWildcard && strings.EqualFold(reduced, dom))) {
				valid = true
				break
			}
			if r.allowGlob && strings.Contains(dom, "*") && glob.Glob(strings.ToLower(dom), strings.ToLower(name)) {
				valid = true
				break
			}
		}
		if !valid {
			return name
		}
	}
	return ""
}

// validateCN is Vault's ValidateCommonName.
func (r *pkiRole) validateCN(cn string) string {
	if len(r.cnValidations) == 1 && r.cnValidations[0] == "disabled" {
		return ""
	}
	if r.validateNames([]string{cn}) != "" {
		return cn
	}
	if len(r.cnValidations) == 0 {
		return ""
	}
	want := "hostname"
	if strings.Contains(cn, "@") {
		want = "email"
	}
	if !hasString(r.cnValidations, want) {
		return cn
	}
	return ""
}

// checkOtherSANs is ValidateOtherSANs (OIDs in order, where Vault's map
// order is random).
func (r *pkiRole) checkOtherSANs(requested map[string][]string) error {
	if len(r.allowedOtherSANs) == 1 && r.allowedOtherSANs[0] == "*" {
		return nil
	}
	allowed, err := pkiParseOtherSANs(r.allowedOtherSANs)
	if err != nil {
		return badRequest("error parsing role's allowed SANs: %s", err)
	}
	for _, oid := range sortedKeys(requested) {
		for _, name := range requested[oid] {
			names, ok := allowed[oid]
			if !ok {
				return badRequest("other SAN OID %s not allowed by this role", oid)
			}
			valid := false
			for _, a := range names {
				valid = valid || glob.Glob(a, name)
			}
			if !valid {
				return badRequest("other SAN %s not allowed for OID %s by this role", name, oid)
			}
		}
	}
	return nil
}

func pkiSerialAllowed(r *pkiRole, s string) bool {
	if len(r.allowedSerialNumbers) == 0 {
		return false
	}
	for _, pat := range r.allowedSerialNumbers {
		if pat == "*" || glob.Glob(pat, s) {
			return true
		}
	}
	return false
}

func (r *pkiRole) uriAllowed(u string) bool {
	for _, pat := range r.allowedURISANs {
		if pat == "*" || glob.Glob(pat, u) {
			return true
		}
	}
	return false
}

// applyURLs puts the AIA values (the issuer's own, else config/urls) in
// a certificate the issuer signs.
func (p *pkiState) applyURLs(tmpl *x509.Certificate, iss *pkiIssuer) {
	u := p.urls
	if iss != nil && iss.aia != nil {
		u = *iss.aia
	}
	tmpl.IssuingCertificateURL = u.issuingCertificates
	tmpl.CRLDistributionPoints = u.crlDistributionPoints
	tmpl.OCSPServer = u.ocspServers
}

// sign signs a template with the issuer's key.
func (s *pkiSigner) sign(tmpl *x509.Certificate, pub crypto.PublicKey, sigBits int, pss bool) (*x509.Certificate, error) {
	tmpl.SignatureAlgorithm = pkiSigAlg(s.key.signer.Public(), sigBits, pss)
	tmpl.AuthorityKeyId = s.iss.cert.SubjectKeyId
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.iss.cert, pub, s.key.signer)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

// pkiIssueData is signIssueApiResponse: the certificate, its issuer and
// chain (the issuer, then its own chain), the key when one was made.
func pkiIssueData(format string, cert *x509.Certificate, key crypto.Signer, s *pkiSigner, removeRoots, pkcs8 bool) map[string]any {
	chain := []*x509.Certificate{s.iss.cert}
	for _, c := range s.iss.chain {
		if !c.Equal(s.iss.cert) {
			chain = append(chain, c)
		}
	}
	if removeRoots {
		var kept []*x509.Certificate
		for _, c := range chain {
			if !pkiSelfSigned(c) {
				kept = append(kept, c)
			}
		}
		chain = kept
	}
	data := map[string]any{"expiration": cert.NotAfter.Unix(), "serial_number": pkiSerialOf(cert),
		"authority_key_id": pkiHexColons(cert.AuthorityKeyId)}
	var keyDER []byte
	var keyType string
	if key != nil {
		keyDER, keyType = pkiMarshalKey(key, pkcs8)
		data["private_key_type"] = pkiKeyTypeOf(key.Public())
	}
	var chainOut []string
	switch format {
	case "der":
		data["certificate"] = pkiB64(cert.Raw)
		data["issuing_ca"] = pkiB64(s.iss.cert.Raw)
		for _, c := range chain {
			chainOut = append(chainOut, pkiB64(c.Raw))
		}
		if key != nil {
			data["private_key"] = pkiB64(keyDER)
		}
	default:
		data["issuing_ca"] = pkiCertPEM(s.iss.cert)
		for _, c := range chain {
			chainOut = append(chainOut, pkiCertPEM(c))
		}
		data["certificate"] = pkiCertPEM(cert)
		if key != nil {
			data["private_key"] = pkiPEM(keyType, keyDER)
		}
		if format == "pem_bundle" {
			bundle := []string{}
			if key != nil {
				// The bundle keeps the key's own encoding; only
				// private_key follows private_key_format.
				bundle = append(bundle, pkiKeyPEM(key, false))
			}
			bundle = append(bundle, pkiCertPEM(cert))
			bundle = append(bundle, chainOut...)
			data["certificate"] = strings.Join(bundle, "\n")
		}
	}
	if len(chainOut) > 0 {
		data["ca_chain"] = chainOut
	}
	return data
}

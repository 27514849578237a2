package mockvault

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// The PKI multi-issuer API: issuers, keys, config/issuers, config/keys,
// config/urls, and the fetch paths (ca, ca_chain, cert/:serial, certs).

const pkiUUIDLen = 36

// pkiUserError is an error (often an errutil.UserError) a PKI handler
// returns rather than an error response: the core answers it with a 500
// and its multierror text, whatever its type.
func pkiUserError(format string, args ...any) error {
	return multiErr(500, format, args...)
}

// resolveIssuer is Vault's ResolveIssuerReference: "default", an id or a
// name. found is false (with Vault's message) when nothing matches.
func (p *pkiState) resolveIssuer(ref string) (*pkiIssuer, string) {
	return pkiResolve(p.issuers, p.defaultIssuer, ref, "issuer", func(i *pkiIssuer) string { return i.name })
}

// resolveKey is resolveIssuer for keys.
func (p *pkiState) resolveKey(ref string) (*pkiKey, string) {
	return pkiResolve(p.keys, p.defaultKey, ref, "key", func(k *pkiKey) string { return k.name })
}

// pkiResolve finds ref ("default", an id, a name) among entries of kind.
func pkiResolve[T any](entries map[string]*T, defaultID, ref, kind string, name func(*T) string) (*T, string) {
	if ref == "default" {
		if e := entries[defaultID]; e != nil {
			return e, ""
		}
		return nil, "no default " + kind + " currently configured"
	}
	if len(ref) == pkiUUIDLen {
		if e := entries[ref]; e != nil {
			return e, ""
		}
	}
	for _, id := range sortedKeys(entries) {
		if name(entries[id]) == ref {
			return entries[id], ""
		}
	}
	return nil, "unable to find PKI " + kind + " for reference: " + ref
}

// pkiSigner is an issuer with the key it signs with (Vault's CAInfoBundle).
type pkiSigner struct {
	iss *pkiIssuer
	key *pkiKey
}

// signerFor is fetchCAInfo for issuance: the issuer must resolve, hold its
// key and allow issuing. The error is the one Vault's issue paths answer.
func (p *pkiState) signerFor(ref string) (*pkiSigner, error) {
	iss, msg := p.resolveIssuer(ref)
	if iss == nil {
		return nil, pkiUserError("could not fetch the CA certificate (was one set?): %s", msg)
	}
	key := p.keys[iss.keyID]
	if key == nil {
		return nil, pkiUserError("could not fetch the CA certificate (was one set?): unable to fetch corresponding key for issuer %v; unable to use this issuer for signing", iss.id)
	}
	if !hasString(iss.usage, "issuing-certificates") {
		return nil, pkiUserError("could not fetch the CA certificate (was one set?): requested usage issuing-certificates for issuer %v but only had usage %v", iss.id, strings.Join(iss.usage, ","))
	}
	return &pkiSigner{iss: iss, key: key}, nil
}

func hasString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// pkiAllUsages are an issuer's default usages, in Vault's (sorted) order.
var pkiAllUsages = []string{"crl-signing", "issuing-certificates", "ocsp-signing", "read-only"}

// addIssuer stores a CA certificate as an issuer, or returns the existing
// one with the same certificate. keyID is the key it pairs with, if any.
func (p *pkiState) addIssuer(cert *x509.Certificate, name string) (*pkiIssuer, bool) {
	for _, id := range sortedKeys(p.issuers) {
		if p.issuers[id].cert.Equal(cert) {
			return p.issuers[id], true
		}
	}
	iss := &pkiIssuer{id: newUUID(), name: name, cert: cert, leafNotAfterBehavior: "err",
		usage: append([]string(nil), pkiAllUsages...)}
	for _, id := range sortedKeys(p.keys) {
		if pkiPublicKeyEqual(p.keys[id].signer.Public(), cert.PublicKey) {
			iss.keyID = id
			break
		}
	}
	p.issuers[iss.id] = iss
	if p.defaultIssuer == "" || p.defaultFollowsLatest {
		p.defaultIssuer = iss.id
	}
	p.rebuildChains()
	return iss, false
}

// addKey stores a private key, or returns the existing one.
func (p *pkiState) addKey(k *pkiKey) (*pkiKey, bool) {
	for _, id := range sortedKeys(p.keys) {
		if pkiPublicKeyEqual(p.keys[id].signer.Public(), k.signer.Public()) {
			return p.keys[id], true
		}
	}
	k.id = newUUID()
	p.keys[k.id] = k
	if p.defaultKey == "" {
		p.defaultKey = k.id
	}
	// Issuers imported before their key now have it.
	for _, iss := range p.issuers {
		if iss.keyID == "" && pkiPublicKeyEqual(k.signer.Public(), iss.cert.PublicKey) {
			iss.keyID = k.id
		}
	}
	return k, false
}

func pkiPublicKeyEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(x crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

// rebuildChains sets every issuer's ca_chain: itself, then each parent
// found among the issuers (by signature), unless a manual chain is set.
func (p *pkiState) rebuildChains() {
	for _, iss := range p.issuers {
		if len(iss.manualChain) > 0 {
			var chain []*x509.Certificate
			for _, ref := range iss.manualChain {
				if other := p.issuers[ref]; other != nil {
					chain = append(chain, other.cert)
				}
			}
			iss.chain = chain
			continue
		}
		chain := []*x509.Certificate{iss.cert}
		cur := iss.cert
		for len(chain) < 10 && !pkiSelfSigned(cur) {
			parent := p.parentOf(cur)
			if parent == nil {
				break
			}
			chain = append(chain, parent)
			cur = parent
		}
		iss.chain = chain
	}
}

func pkiSelfSigned(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

func (p *pkiState) parentOf(c *x509.Certificate) *x509.Certificate {
	for _, id := range sortedKeys(p.issuers) {
		cand := p.issuers[id].cert
		if !cand.Equal(c) && string(cand.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
			return cand
		}
	}
	return nil
}

func pkiChainPEMs(chain []*x509.Certificate) []string {
	out := make([]string, 0, len(chain))
	for _, c := range chain {
		out = append(out, pkiCertPEM(c)+"\n")
	}
	return out
}

// pkiIssuerRef reads the issuer_ref capture ("missing issuer reference"
// when empty, as Vault checks).
func pkiIssuerRef(d *fieldData) (string, error) {
	ref := strings.TrimSpace(d.str("issuer_ref"))
	if ref == "" {
		return "", badRequest("missing issuer reference")
	}
	return ref, nil
}

func (p *pkiState) issuersList(req *request, d *fieldData) (*response, error) {
	ids := sortedKeys(p.issuers)
	info := map[string]any{}
	for _, id := range ids {
		iss := p.issuers[id]
		info[id] = map[string]any{"issuer_name": iss.name, "is_default": id == p.defaultIssuer,
			"serial_number": pkiSerialOf(iss.cert), "key_id": iss.keyID}
	}
	if len(ids) == 0 {
		return listResp(nil), nil
	}
	return dataResp(map[string]any{"keys": ids, "key_info": info}), nil
}

// issuerData is Vault's respondReadIssuer.
func (iss *pkiIssuer) data() map[string]any {
	var manual []string
	manual = append(manual, iss.manualChain...)
	data := map[string]any{
		"issuer_id": iss.id, "issuer_name": iss.name, "key_id": iss.keyID,
		"certificate": pkiCertPEM(iss.cert) + "\n", "manual_chain": manual, "ca_chain": pkiChainPEMs(iss.chain),
		"leaf_not_after_behavior": iss.leafNotAfterBehavior, "usage": strings.Join(iss.usage, ","),
		"revocation_signature_algorithm": pkiSigAlgName(iss.revSigAlg), "revoked": false,
		"issuing_certificates": []string{}, "crl_distribution_points": []string{},
		"delta_crl_distribution_points": []string{}, "ocsp_servers": []string{}, "enable_aia_url_templating": false,
	}
	if iss.aia != nil {
		data["issuing_certificates"] = iss.aia.issuingCertificates
		data["crl_distribution_points"] = iss.aia.crlDistributionPoints
		data["delta_crl_distribution_points"] = iss.aia.deltaCRLDistributionPoints
		data["ocsp_servers"] = iss.aia.ocspServers
		data["enable_aia_url_templating"] = iss.aia.templating
	}
	return data
}

// namedIssuer is the issuer an authenticated issuer/:ref path names (an
// unknown one is the resolver's error, which the core answers with a 500).
func (p *pkiState) namedIssuer(d *fieldData) (*pkiIssuer, error) {
	ref, err := pkiIssuerRef(d)
	if err != nil {
		return nil, err
	}
	iss, msg := p.resolveIssuer(ref)
	if iss == nil {
		return nil, pkiUserError("%s", msg)
	}
	return iss, nil
}

func (p *pkiState) issuerRead(req *request, d *fieldData) (*response, error) {
	iss, err := p.namedIssuer(d)
	if err != nil {
		return nil, err
	}
	return dataResp(iss.data()), nil
}

// issuerUpdate is pathUpdateIssuer: a write replaces every field, so an
// absent one takes its default (the name and the revocation signature
// algorithm are cleared, usage is all of them, the AIA URLs are emptied).
func (p *pkiState) issuerUpdate(req *request, d *fieldData) (*response, error) {
	iss, err := p.namedIssuer(d)
	if err != nil {
		return nil, err
	}
	updated := *iss
	name := strings.TrimSpace(d.str("issuer_name"))
	if d.has("issuer_name") {
		switch {
		case name == "":
			return nil, badRequest("expected non-empty issuer name")
		case strings.ToLower(name) == "default":
			return nil, badRequest("reserved keyword 'default' can not be used as issuer name")
		case !nameStringRe.MatchString(name):
			return nil, badRequest("issuer name contained invalid characters")
		}
		if other, _ := p.resolveIssuer(name); other != nil && other.name != iss.name {
			return nil, badRequest("issuer name already in use")
		}
	}
	updated.name = name
	switch b := d.str("leaf_not_after_behavior"); b {
	case "err", "truncate", "permit", "always_enforce_err":
		updated.leafNotAfterBehavior = b
	default:
		return nil, badRequest("Unknown value for field `leaf_not_after_behavior`. Possible values are `err`, `truncate`, and `permit`.")
	}
	var usage []string
	for _, u := range d.strings("usage") {
		u = strings.ToLower(strings.TrimSpace(u))
		if !hasString(pkiAllUsages, u) {
			return nil, badRequest("Unable to parse specified usages: %v - valid values are %v", d.strings("usage"), strings.Join(pkiAllUsages, ","))
		}
		if !hasString(usage, u) {
			usage = append(usage, u)
		}
	}
	sort.Strings(usage)
	alg := d.str("revocation_signature_algorithm")
	revAlg, ok := pkiSigAlgNames[strings.ToLower(alg)]
	if !ok && alg != "" {
		names := make([]string, 0, len(pkiSigAlgNames))
		for n := range pkiSigAlgNames {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, badRequest("Unknown signature algorithm value: %v - valid values are %v", x509.UnknownSignatureAlgorithm, strings.Join(names, ", "))
	}
	updated.revSigAlg = revAlg
	templating := d.boolean("enable_aia_url_templating", false)
	names := []string{"issuing_certificates", "crl_distribution_points", "delta_crl_distribution_points", "ocsp_servers"}
	sent := map[string][]string{}
	anySet := false
	for _, n := range names {
		v := pkiList(d, n)
		if bad := pkiBadURL(v); bad != "" && !templating {
			return nil, badRequest("invalid URL found in Authority Information Access (AIA) parameter %s: %s", n, bad)
		}
		sent[n] = v
		anySet = anySet || len(v) > 0
	}
	if !equalStrings(usage, iss.usage) {
		if iss.cert.KeyUsage&x509.KeyUsageCRLSign == 0 && hasString(usage, "crl-signing") {
			return nil, badRequest("This issuer's underlying certificate lacks the CRLSign KeyUsage value; unable to set CRLSigningUsage on this issuer as a result.")
		}
	}
	updated.usage = usage
	// Vault replaces only the lists that changed: an unchanged one keeps
	// its stored form (null or []), as its answers show.
	if updated.aia == nil && anySet {
		updated.aia = &pkiURLs{}
	} else if updated.aia != nil {
		a := updated.aia.clone()
		updated.aia = &a
	}
	if a := updated.aia; a != nil {
		for n, dst := range map[string]*[]string{"issuing_certificates": &a.issuingCertificates, "crl_distribution_points": &a.crlDistributionPoints,
			"delta_crl_distribution_points": &a.deltaCRLDistributionPoints, "ocsp_servers": &a.ocspServers} {
			if !equalStrings(sent[n], *dst) {
				*dst = sent[n]
			}
		}
		a.templating = templating
		if len(a.issuingCertificates)+len(a.crlDistributionPoints)+len(a.ocspServers)+len(a.deltaCRLDistributionPoints) == 0 {
			updated.aia = nil
		}
	}
	var chain []string
	for i, r := range d.strings("manual_chain") {
		if i == 0 && r == "self" {
			r = iss.id
		}
		other, msg := p.resolveIssuer(r)
		if other == nil {
			return nil, pkiUserError("%s", msg)
		}
		if i == 0 && other.id != iss.id {
			return nil, badRequest("expected first cert in chain to be a self-reference, but was: %v/%v", r, other.id)
		}
		chain = append(chain, other.id)
	}
	updated.manualChain = chain
	*iss = updated
	p.rebuildChains()
	return dataResp(iss.data()), nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// pkiBadURL is the first entry that is not an absolute URL, as Vault's
// ValidateURLs checks.
func pkiBadURL(urls []string) string {
	for _, u := range urls {
		if _, err := url.ParseRequestURI(u); err != nil {
			return u
		}
	}
	return ""
}

func (p *pkiState) issuerDelete(req *request, d *fieldData) (*response, error) {
	ref, err := pkiIssuerRef(d)
	if err != nil {
		return nil, err
	}
	iss, _ := p.resolveIssuer(ref)
	if iss == nil {
		return &response{}, nil
	}
	resp := &response{}
	// Vault warns about roles naming the issuer (by name, id, "default").
	dereferenced := func(name string) {
		if n := p.rolesReferencing(name); n > 0 {
			resp.warnings = append(resp.warnings, fmt.Sprint(n, " roles reference ", name))
		}
	}
	if iss.name != "" {
		dereferenced(iss.name)
	}
	dereferenced(iss.id)
	delete(p.issuers, iss.id)
	if p.defaultIssuer == iss.id {
		p.defaultIssuer = ""
		resp.warnings = append(resp.warnings, fmt.Sprintf("Deleted issuer %v (via issuer_ref %v); this was configured as the default issuer. Operations without an explicit issuer will not work until a new default is configured.", iss.id, ref))
		dereferenced("default")
	}
	p.rebuildChains()
	return resp, nil
}

// unauthIssuer is the issuer an unauthenticated path names; the core does
// not wrap the error there.
func (p *pkiState) unauthIssuer(d *fieldData) (*pkiIssuer, error) {
	ref, err := pkiIssuerRef(d)
	if err != nil {
		return nil, err
	}
	iss, msg := p.resolveIssuer(ref)
	if iss == nil {
		return nil, errCode(500, "%s", msg)
	}
	return iss, nil
}

// issuerRaw serves issuer/:ref/json|der|pem (unauthenticated).
func (p *pkiState) issuerRaw(req *request, d *fieldData) (*response, error) {
	iss, err := p.unauthIssuer(d)
	if err != nil {
		return nil, err
	}
	switch {
	case strings.HasSuffix(req.rel, "/pem"):
		return &response{raw: rawBody{contentType: "application/pem-certificate-chain", body: []byte(pkiCertPEM(iss.cert) + "\n")}}, nil
	case strings.HasSuffix(req.rel, "/der"):
		return &response{raw: rawBody{contentType: "application/pkix-cert", body: iss.cert.Raw}}, nil
	}
	return dataResp(map[string]any{"certificate": pkiCertPEM(iss.cert) + "\n", "ca_chain": pkiChainPEMs(iss.chain),
		"issuer_id": iss.id, "issuer_name": iss.name}), nil
}

func (p *pkiState) configIssuersRead(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{"default": p.defaultIssuer, "default_follows_latest_issuer": p.defaultFollowsLatest}), nil
}

func (p *pkiState) configIssuersWrite(req *request, d *fieldData) (*response, error) {
	// root/replace has a default of "next"; config/issuers none.
	if _, ok := d.get("default"); ok {
		ref := d.str("default")
		if ref == "default" || strings.TrimSpace(ref) == "" {
			return nil, badRequest("Invalid issuer specification; must be non-empty and can't be 'default'.")
		}
		iss, msg := p.resolveIssuer(ref)
		if iss == nil {
			return nil, badRequest("Error resolving issuer reference: %s", msg)
		}
		p.defaultIssuer = iss.id
	}
	if d.has("default_follows_latest_issuer") {
		p.defaultFollowsLatest = d.boolean("default_follows_latest_issuer", false)
	}
	return p.configIssuersRead(req, d)
}

func (p *pkiState) configKeysRead(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{"default": p.defaultKey}), nil
}

func (p *pkiState) configKeysWrite(req *request, d *fieldData) (*response, error) {
	if d.has("default") {
		k, msg := p.resolveKey(d.str("default"))
		if k == nil {
			return nil, pkiUserError("%s", msg)
		}
		p.defaultKey = k.id
	}
	return p.configKeysRead(req, d)
}

func (p *pkiState) keysList(req *request, d *fieldData) (*response, error) {
	ids := sortedKeys(p.keys)
	if len(ids) == 0 {
		return listResp(nil), nil
	}
	info := map[string]any{}
	for _, id := range ids {
		info[id] = map[string]any{"key_name": p.keys[id].name, "is_default": id == p.defaultKey}
	}
	return dataResp(map[string]any{"keys": ids, "key_info": info}), nil
}

func (k *pkiKey) data() map[string]any {
	return map[string]any{"key_id": k.id, "key_name": k.name, "key_type": pkiKeyTypeOf(k.signer.Public()),
		"subject_key_id": pkiHexColons(pkiSubjectKeyID(k.signer.Public()))}
}

// namedKey is the key a key/:ref path names, as namedIssuer.
func (p *pkiState) namedKey(d *fieldData) (*pkiKey, error) {
	ref := d.str("key_ref")
	if ref == "" {
		return nil, badRequest("missing key reference")
	}
	k, msg := p.resolveKey(ref)
	if k == nil {
		return nil, pkiUserError("%s", msg)
	}
	return k, nil
}

func (p *pkiState) keyRead(req *request, d *fieldData) (*response, error) {
	k, err := p.namedKey(d)
	if err != nil {
		return nil, err
	}
	return dataResp(k.data()), nil
}

func (p *pkiState) keyUpdate(req *request, d *fieldData) (*response, error) {
	k, err := p.namedKey(d)
	if err != nil {
		return nil, err
	}
	name := strings.TrimSpace(d.str("key_name"))
	var warnings []string
	if name != k.name {
		if name != "" {
			if !nameStringRe.MatchString(name) {
				return nil, badRequest("new key name outside of valid character limits")
			}
			if other, _ := p.resolveKey(name); other != nil && other != k {
				return nil, pkiUserError("key name already in use")
			}
		} else {
			warnings = append(warnings, "Name successfully deleted, you will now need to reference this key by it's Id: "+k.id)
		}
		k.name = name
	}
	resp := dataResp(map[string]any{"key_id": k.id, "key_name": k.name, "key_type": pkiKeyTypeOf(k.signer.Public())})
	resp.warnings = warnings
	return resp, nil
}

func (p *pkiState) keyDelete(req *request, d *fieldData) (*response, error) {
	ref := d.str("key_ref")
	if ref == "" {
		return nil, badRequest("missing key reference")
	}
	k, _ := p.resolveKey(ref)
	if k == nil {
		return nil, nil
	}
	for _, id := range sortedKeys(p.issuers) {
		if p.issuers[id].keyID == k.id {
			return nil, badRequest("Failed to Delete Key.  Key in Use by Issuer: %s", id)
		}
	}
	delete(p.keys, k.id)
	if p.defaultKey == k.id {
		p.defaultKey = ""
		resp := &response{}
		resp.warnings = []string{fmt.Sprintf("Deleted key %v (via key_ref %v); this was configured as the default key. Operations without an explicit key will not work until a new default is configured.", k.id, ref)}
		return resp, nil
	}
	return nil, nil
}

func (u pkiURLs) data() map[string]any {
	return map[string]any{"issuing_certificates": nonNil(u.issuingCertificates), "crl_distribution_points": nonNil(u.crlDistributionPoints),
		"ocsp_servers": nonNil(u.ocspServers), "delta_crl_distribution_points": nonNil(u.deltaCRLDistributionPoints),
		"enable_templating": u.templating}
}

func (p *pkiState) configURLsRead(req *request, d *fieldData) (*response, error) {
	return dataResp(p.urls.data()), nil
}

func (p *pkiState) configURLsWrite(req *request, d *fieldData) (*response, error) {
	u := p.urls.clone()
	lists := map[string]*[]string{"issuing_certificates": &u.issuingCertificates, "crl_distribution_points": &u.crlDistributionPoints,
		"ocsp_servers": &u.ocspServers, "delta_crl_distribution_points": &u.deltaCRLDistributionPoints}
	for _, n := range []string{"issuing_certificates", "crl_distribution_points", "ocsp_servers", "delta_crl_distribution_points"} {
		if d.has(n) {
			v := d.strings(n)
			if bad := pkiBadURL(v); bad != "" {
				return nil, badRequest("invalid URL found in Authority Information Access (AIA) parameter %s: %s", n, bad)
			}
			*lists[n] = v
		}
	}
	if d.has("enable_templating") {
		u.templating = d.boolean("enable_templating", false)
	}
	p.urls = u
	return dataResp(u.data()), nil
}

// defaultSigner is the default issuer when it can be read (fetchCAInfo
// with read-only usage): nil and Vault's message otherwise.
func (p *pkiState) defaultIssuerFor() (*pkiIssuer, string) {
	return p.resolveIssuer("default")
}

// fetchCA serves ca, ca/pem, cert/ca, cert/ca/raw, cert/ca/raw/pem.
func (p *pkiState) fetchCA(req *request, d *fieldData) (*response, error) {
	iss, msg := p.defaultIssuerFor()
	rel := strings.TrimSuffix(req.rel, "/")
	switch rel {
	case "ca", "cert/ca/raw":
		if iss == nil {
			return &response{raw: rawBody{contentType: "application/pkix-cert"}}, nil
		}
		return &response{raw: rawBody{contentType: "application/pkix-cert", body: iss.cert.Raw}}, nil
	case "ca/pem", "cert/ca/raw/pem":
		if iss == nil {
			return &response{raw: rawBody{contentType: "application/pem-certificate-chain"}}, nil
		}
		return &response{raw: rawBody{contentType: "application/pem-certificate-chain", body: []byte(pkiCertPEM(iss.cert))}}, nil
	}
	if iss == nil {
		return nil, badRequest("%s", msg)
	}
	return dataResp(map[string]any{"certificate": pkiCertPEM(iss.cert), "revocation_time": 0, "revocation_time_rfc3339": "",
		"authority_key_id": pkiHexColons(iss.cert.AuthorityKeyId)}), nil
}

// fetchCAChain serves ca_chain (raw) and cert/ca_chain (JSON).
func (p *pkiState) fetchCAChain(req *request, d *fieldData) (*response, error) {
	iss, msg := p.defaultIssuerFor()
	var chain []string
	if iss != nil {
		for _, c := range iss.chain {
			chain = append(chain, pkiCertPEM(c))
		}
	}
	full := strings.Join(chain, "\n")
	if req.rel == "ca_chain" {
		return &response{raw: rawBody{contentType: "application/pkix-cert", body: []byte(full)}}, nil
	}
	if iss == nil {
		return nil, badRequest("%s", msg)
	}
	data := map[string]any{"certificate": full, "revocation_time": 0, "revocation_time_rfc3339": "", "ca_chain": full}
	if len(iss.cert.AuthorityKeyId) > 0 {
		data["authority_key_id"] = pkiHexColons(iss.cert.AuthorityKeyId)
	}
	return dataResp(data), nil
}

// fetchCert serves cert/:serial and its /raw, /raw/pem forms.
func (p *pkiState) fetchCert(req *request, d *fieldData) (*response, error) {
	serial := d.str("serial")
	if serial == "ca" {
		return p.fetchCA(req, d)
	}
	c := p.certs[pkiNormalizeSerial(serial)]
	raw := strings.HasSuffix(req.rel, "/raw")
	rawPEM := strings.HasSuffix(req.rel, "/raw/pem")
	switch {
	case rawPEM:
		if c == nil {
			return &response{raw: rawBody{contentType: "application/pem-certificate-chain"}}, nil
		}
		return &response{raw: rawBody{contentType: "application/pem-certificate-chain", body: []byte(pkiCertPEM(c.cert))}}, nil
	case raw:
		if c == nil {
			return &response{raw: rawBody{contentType: "application/pkix-cert"}}, nil
		}
		return &response{raw: rawBody{contentType: "application/pkix-cert", body: c.cert.Raw}}, nil
	}
	if c == nil {
		return nil, nil
	}
	data := map[string]any{"certificate": pkiCertPEM(c.cert), "revocation_time": 0, "revocation_time_rfc3339": ""}
	if len(c.cert.AuthorityKeyId) > 0 {
		data["authority_key_id"] = pkiHexColons(c.cert.AuthorityKeyId)
	}
	if !c.revoked.IsZero() {
		data["revocation_time"] = c.revoked.Unix()
		data["revocation_time_rfc3339"] = fmtTime(c.revoked)
		data["issuer_id"] = c.revIssuer
	}
	return dataResp(data), nil
}

func (p *pkiState) certsList(req *request, d *fieldData) (*response, error) {
	return listResp(sortedKeys(p.certs)), nil
}

// rolesReferencing counts the roles whose issuer_ref is ref.
func (p *pkiState) rolesReferencing(ref string) int {
	n := 0
	for _, r := range p.roles {
		if r.issuerRef == ref {
			n++
		}
	}
	return n
}

// keyGenerate is keys/generate/internal|exported: a key without an issuer.
func (p *pkiState) keyGenerate(req *request, d *fieldData) (*response, error) {
	_, keyName, err := p.pkiNames(d)
	if err != nil {
		return nil, err
	}
	mode := req.rel[strings.LastIndexByte(req.rel, '/')+1:]
	if mode == "kms" {
		return nil, badRequest("mockvault does not implement managed keys (kms)")
	}
	keyType := d.str("key_type")
	bits, _, err := pkiKeyBits(keyType, d.integer("key_bits"), 0)
	if err != nil {
		return nil, badRequest("Validation for key_type, key_bits failed: %s", err.Error())
	}
	signer, err := pkiGenerateKey(keyType, bits)
	if err != nil {
		return nil, internalError("%s", err)
	}
	k, _ := p.addKey(&pkiKey{name: keyName, signer: signer})
	data := map[string]any{"key_id": k.id, "key_name": k.name, "key_type": keyType}
	if mode == "exported" {
		data["private_key"] = pkiKeyPEM(signer, false) + "\n"
	}
	return dataResp(data), nil
}

// keyImport is keys/import: one PEM private key.
func (p *pkiState) keyImport(req *request, d *fieldData) (*response, error) {
	_, keyName, err := p.pkiNames(d)
	if err != nil {
		return nil, err
	}
	bundle := d.str("pem_bundle")
	if len(bundle) < 64 {
		return nil, badRequest("provided data for import was too short; perhaps a path was passed to the API rather than the contents of a PEM file")
	}
	var blocks []*pem.Block
	rest := []byte(bundle)
	for len(strings.TrimSpace(string(rest))) > 0 {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil, badRequest("provided PEM block contained no data")
		}
		blocks = append(blocks, b)
	}
	if len(blocks) != 1 {
		return nil, badRequest("only a single key can be present within the pem_bundle for importing")
	}
	signer, err := pkiParseKey(blocks[0])
	if err != nil {
		return nil, badRequest("%s", err.Error())
	}
	k, existed := p.addKey(&pkiKey{name: keyName, signer: signer})
	resp := dataResp(map[string]any{"key_id": k.id, "key_name": k.name, "key_type": pkiKeyTypeOf(signer.Public())})
	if existed {
		resp.warnings = []string{"Key already imported, use key/ endpoint to update name."}
	}
	return resp, nil
}

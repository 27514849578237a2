package mockvault

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Revocation and CRLs: revoke, certs/revoked, crl[/pem], cert/crl,
// crl/rotate, config/crl, tidy and tidy-status. The CRL is built when it is
// asked for, signed by the default issuer, numbered by rotations.

// pkiCRLConfig is config/crl.
type pkiCRLConfig struct {
	expiry                               string
	disable, ocspDisable, autoRebuild    bool
	enableDelta, crossClusterRevocation  bool
	unifiedCRL, unifiedCRLOnExistingPath bool
	ocspExpiry, autoRebuildGrace, delta  string
	maxCRLEntries                        int
}

func defaultPKICRLConfig() pkiCRLConfig {
	return pkiCRLConfig{expiry: "72h", ocspExpiry: "12h", autoRebuildGrace: "12h", delta: "15m", maxCRLEntries: 100000}
}

func (c pkiCRLConfig) clone() pkiCRLConfig { return c }

func (c pkiCRLConfig) data() map[string]any {
	return map[string]any{"expiry": c.expiry, "disable": c.disable, "ocsp_disable": c.ocspDisable,
		"ocsp_expiry": c.ocspExpiry, "auto_rebuild": c.autoRebuild, "auto_rebuild_grace_period": c.autoRebuildGrace,
		"enable_delta": c.enableDelta, "delta_rebuild_interval": c.delta, "cross_cluster_revocation": c.crossClusterRevocation,
		"unified_crl": c.unifiedCRL, "unified_crl_on_existing_paths": c.unifiedCRLOnExistingPath,
		"max_crl_entries": c.maxCRLEntries}
}

func (p *pkiState) configCRLRead(req *request, d *fieldData) (*response, error) {
	return dataResp(p.crl.data()), nil
}

func (p *pkiState) configCRLWrite(req *request, d *fieldData) (*response, error) {
	c := p.crl
	durs := map[string]*string{"expiry": &c.expiry, "ocsp_expiry": &c.ocspExpiry,
		"auto_rebuild_grace_period": &c.autoRebuildGrace, "delta_rebuild_interval": &c.delta}
	for _, k := range []string{"expiry", "ocsp_expiry", "auto_rebuild_grace_period", "delta_rebuild_interval"} {
		if d.has(k) {
			v := d.str(k)
			if _, err := parseDurationSecond(v); err != nil {
				return nil, badRequest("given %s could not be decoded: %s", k, err)
			}
			*durs[k] = v
		}
	}
	bools := map[string]*bool{"disable": &c.disable, "ocsp_disable": &c.ocspDisable, "auto_rebuild": &c.autoRebuild,
		"enable_delta": &c.enableDelta, "cross_cluster_revocation": &c.crossClusterRevocation,
		"unified_crl": &c.unifiedCRL, "unified_crl_on_existing_paths": &c.unifiedCRLOnExistingPath}
	for k, ptr := range bools {
		if d.has(k) {
			*ptr = d.boolean(k, false)
		}
	}
	if d.has("max_crl_entries") {
		c.maxCRLEntries = d.integer("max_crl_entries")
	}
	if c.enableDelta && !c.autoRebuild {
		return nil, badRequest("Delta CRLs cannot be enabled when auto rebuilding is disabled as the complete CRL is always regenerated!")
	}
	if c.crossClusterRevocation || c.unifiedCRL || c.unifiedCRLOnExistingPath {
		return nil, badRequest("unified_crl and cross_cluster_revocation need Vault Enterprise")
	}
	p.crl = c
	return dataResp(c.data()), nil
}

// revoke is pathRevokeWrite: by serial_number or certificate.
func (p *pkiState) revoke(req *request, d *fieldData) (*response, error) {
	serial := d.str("serial_number")
	certPEM := d.str("certificate")
	if d.has("serial_number") && d.has("certificate") {
		return nil, badRequest("Must provide either the certificate or the serial to revoke; not both.")
	}
	if !d.has("serial_number") && !d.has("certificate") {
		return nil, badRequest("The serial number or certificate to revoke must be provided.")
	}
	withKey := strings.HasPrefix(req.rel, "revoke-with-key")
	keyPEM := d.str("private_key")
	if withKey && !d.has("private_key") {
		return nil, badRequest("Must have private key to revoke via the /revoke-with-key path.")
	}
	if withKey && len(keyPEM) < 64 {
		return nil, badRequest("Provided data for private_key was too short; perhaps a path was passed to the API rather than the contents of a PEM file?")
	}
	if d.has("serial_number") && serial == "" {
		return nil, badRequest("The serial number must be provided")
	}
	var entry *pkiCert
	isNew := false
	if certPEM != "" {
		if len(certPEM) < 64 {
			return nil, pkiUserError("provided certificate data was too short; perhaps a path was passed to the API rather than the contents of a PEM file")
		}
		certs, err := parseCertChain(certPEM)
		if err != nil || len(certs) == 0 {
			return nil, pkiUserError("certificate contains no PEM data")
		}
		serial = pkiSerialOf(certs[0])
		entry = p.certs[serial]
		if entry == nil {
			entry, isNew = &pkiCert{cert: certs[0]}, true
			if !p.issuedHere(certs[0]) {
				return nil, pkiUserError("unable to verify signature on presented cert from any present issuer in this mount; certificates from previous CAs will need to have their issuing CA and key re-imported if revocation is necessary")
			}
		}
	} else {
		entry = p.certs[pkiNormalizeSerial(serial)]
		if entry == nil {
			return nil, badRequest("certificate with serial %s not found.", serial)
		}
	}
	if withKey {
		if err := pkiKeyMatchesCert(keyPEM, entry.cert); err != nil {
			return nil, err
		}
	}
	// A presented certificate is stored only once it may be revoked.
	if isNew {
		p.certs[serial] = entry
	}
	for _, iss := range p.issuers {
		if iss.cert.Equal(entry.cert) {
			return nil, badRequest("adding issuer (id: %v) to its own CRL is not allowed", iss.id)
		}
	}
	if entry.cert.NotAfter.Before(req.now.Add(2 * time.Second)) {
		return &response{warnings: []string{fmt.Sprintf("certificate with serial %s already expired; refusing to add to CRL", pkiSerialOf(entry.cert))}}, nil
	}
	if entry.revoked.IsZero() {
		entry.revoked = req.now
		entry.revIssuer = p.issuerOf(entry.cert)
		p.crlNumber++
	}
	return dataResp(map[string]any{"revocation_time": entry.revoked.Unix(), "revocation_time_rfc3339": fmtTime(entry.revoked),
		"state": "revoked"}), nil
}

// pkiKeyMatchesCert is pathRevokeWriteHandleKey: the private key must be
// the certificate's (errors are answered as 500s, as Vault's are).
func pkiKeyMatchesCert(keyPEM string, c *x509.Certificate) error {
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return pkiUserError("provided key PEM block contained no data or failed to parse")
	}
	k, err := pkiParseKey(block)
	if err != nil {
		return pkiUserError("failed to parse provided private key: %v", err)
	}
	if pkiKeyTypeOf(k.Public()) != pkiKeyTypeOf(c.PublicKey) {
		return pkiUserError("provided private key type does not match certificate's public key type")
	}
	if !pkiPublicKeyEqual(k.Public(), c.PublicKey) {
		return pkiUserError("provided private key does not match certificate's public key")
	}
	return nil
}

// issuedHere says whether an issuer of the mount signed c.
func (p *pkiState) issuedHere(c *x509.Certificate) bool { return p.issuerOf(c) != "" }

func (p *pkiState) issuerOf(c *x509.Certificate) string {
	for _, id := range sortedKeys(p.issuers) {
		if c.CheckSignatureFrom(p.issuers[id].cert) == nil {
			return id
		}
	}
	return ""
}

func (p *pkiState) certsRevoked(req *request, d *fieldData) (*response, error) {
	var out []string
	for _, s := range sortedKeys(p.certs) {
		if !p.certs[s].revoked.IsZero() {
			out = append(out, s)
		}
	}
	return listResp(out), nil
}

// buildCRL signs the current CRL (or delta CRL) with the default issuer:
// nil when there is none.
func (p *pkiState) buildCRL(now time.Time, delta bool) []byte {
	iss, _ := p.resolveIssuer("default")
	return p.buildIssuerCRL(iss, now, delta)
}

// pkiDeltaCRLIndicator is RFC 5280's delta CRL indicator extension.
var pkiDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}

// buildIssuerCRL is iss's CRL (the certificates it signed that are
// revoked): nil when it has no key to sign with. A delta CRL is empty:
// every revocation rebuilds the complete CRL, as Vault's do when
// auto_rebuild is off.
func (p *pkiState) buildIssuerCRL(iss *pkiIssuer, now time.Time, delta bool) []byte {
	if iss == nil || p.keys[iss.keyID] == nil {
		return nil
	}
	var entries []x509.RevocationListEntry
	var exts []pkix.Extension
	if delta {
		base, _ := asn1.Marshal(big.NewInt(p.crlNumber))
		exts = append(exts, pkix.Extension{Id: pkiDeltaCRLIndicator, Critical: true, Value: base})
	}
	if !p.crl.disable && !delta {
		for _, s := range sortedKeys(p.certs) {
			c := p.certs[s]
			if !c.revoked.IsZero() && (c.revIssuer == iss.id || c.revIssuer == "") {
				entries = append(entries, x509.RevocationListEntry{SerialNumber: c.cert.SerialNumber, RevocationTime: c.revoked})
			}
		}
	}
	expiry, err := parseDurationSecond(p.crl.expiry)
	if err != nil || expiry <= 0 {
		expiry = 72 * time.Hour
	}
	tmpl := &x509.RevocationList{Number: big.NewInt(p.crlNumber), ThisUpdate: now, NextUpdate: now.Add(expiry),
		RevokedCertificateEntries: entries, SignatureAlgorithm: pkiSigAlg(p.keys[iss.keyID].signer.Public(), 256, false),
		ExtraExtensions: exts}
	if iss.revSigAlg != x509.UnknownSignatureAlgorithm {
		tmpl.SignatureAlgorithm = iss.revSigAlg
	}
	der, err := x509.CreateRevocationList(rand.Reader, tmpl, iss.cert, p.keys[iss.keyID].signer)
	if err != nil {
		return nil
	}
	return der
}

// fetchCRL serves crl, crl/pem, crl/delta[/pem] and the cert/crl forms.
func (p *pkiState) fetchCRL(req *request, d *fieldData) (*response, error) {
	rel := strings.TrimSuffix(req.rel, "/")
	der := p.buildCRL(req.now, strings.Contains(rel, "delta"))
	switch {
	case rel == "cert/crl" || rel == "cert/delta-crl":
		if iss, msg := p.resolveIssuer("default"); iss == nil {
			return nil, errCode(500, "%s", msg)
		}
		data := map[string]any{"certificate": "", "revocation_time": 0, "revocation_time_rfc3339": ""}
		if der != nil {
			data["certificate"] = pkiPEM("X509 CRL", der)
		}
		return dataResp(data), nil
	case strings.Contains(rel, "pem"):
		var body []byte
		if der != nil {
			body = []byte(pkiPEM("X509 CRL", der))
		}
		return &response{raw: rawBody{contentType: "application/x-pem-file", body: body}}, nil
	}
	return &response{raw: rawBody{contentType: "application/pkix-crl", body: der}}, nil
}

// issuerCRL serves issuer/:ref/crl (JSON), /crl/pem and /crl/der, and
// their /delta forms (empty: the mock builds no delta CRLs).
func (p *pkiState) issuerCRL(req *request, d *fieldData) (*response, error) {
	iss, err := p.unauthIssuer(d)
	if err != nil {
		return nil, err
	}
	der := p.buildIssuerCRL(iss, req.now, strings.Contains(req.rel, "/delta"))
	switch {
	case strings.HasSuffix(req.rel, "/der"):
		return &response{raw: rawBody{contentType: "application/pkix-crl", body: der}}, nil
	case strings.HasSuffix(req.rel, "/pem"):
		var body []byte
		if der != nil {
			body = []byte(pkiPEM("X509 CRL", der) + "\n")
		}
		return &response{raw: rawBody{contentType: "application/x-pem-file", body: body}}, nil
	}
	out := ""
	if der != nil {
		out = pkiPEM("X509 CRL", der) + "\n"
	}
	return dataResp(map[string]any{"crl": out}), nil
}

func (p *pkiState) crlRotate(req *request, d *fieldData) (*response, error) {
	p.crlNumber++
	p.crlBuilt = req.now
	return dataResp(map[string]any{"success": true}), nil
}

// pkiTidyStatus is the last tidy run, as tidy-status reports it.
type pkiTidyStatus struct {
	ran               bool
	started, finished time.Time
	// flags are the run's tidy_* options, buffers its safety buffers.
	flags          map[string]bool
	buffers        map[string]int
	pause          string
	certsDeleted   int
	revokedDeleted int
}

var pkiTidyFlags = []string{"tidy_cert_store", "tidy_revoked_certs", "tidy_revoked_cert_issuer_associations",
	"tidy_expired_issuers", "tidy_move_legacy_ca_bundle", "tidy_revocation_queue", "tidy_cross_cluster_revoked_certs",
	"tidy_acme", "tidy_cert_metadata", "tidy_cmpv2_nonce_store"}

var pkiTidyFields = fields{
	"tidy_cert_store": tBool, "tidy_revocation_list": tBool, "tidy_revoked_certs": tBool,
	"tidy_revoked_cert_issuer_associations": tBool, "tidy_expired_issuers": tBool, "tidy_move_legacy_ca_bundle": tBool,
	"tidy_acme": tBool, "enabled": tBool, "safety_buffer": tDuration, "issuer_safety_buffer": tDuration,
	"acme_account_safety_buffer": tDuration, "pause_duration": tString, "tidy_revocation_queue": tBool,
	"revocation_queue_safety_buffer": tDuration, "tidy_cross_cluster_revoked_certs": tBool, "tidy_cert_metadata": tBool,
	"tidy_cmpv2_nonce_store": tBool,
}

var pkiTidyDefaults = map[string]any{"safety_buffer": 259200, "issuer_safety_buffer": 31536000,
	"acme_account_safety_buffer": 2592000, "pause_duration": "0s", "revocation_queue_safety_buffer": 172800}

// tidy removes expired certificates (past the safety buffer) at once, so
// tidy-status reads Finished right after, as Vault's does once its
// background run is done.
func (p *pkiState) tidy(req *request, d *fieldData) (*response, error) {
	st := pkiTidyStatus{ran: true, started: req.now, finished: req.now, flags: map[string]bool{}, buffers: map[string]int{}}
	for _, f := range pkiTidyFlags {
		st.flags[f] = d.boolean(f, false)
	}
	// tidy_revocation_list is the old name of tidy_revoked_certs.
	st.flags["tidy_revoked_certs"] = st.flags["tidy_revoked_certs"] || d.boolean("tidy_revocation_list", false)
	for _, b := range []string{"safety_buffer", "issuer_safety_buffer", "revocation_queue_safety_buffer", "acme_account_safety_buffer"} {
		st.buffers[b] = int(d.duration(b).Seconds())
		if st.buffers[b] < 1 {
			return nil, badRequest("%s must be greater than zero", b)
		}
	}
	pause, err := parseDurationSecond(d.str("pause_duration"))
	if err != nil {
		return nil, badRequest("Error parsing pause_duration: %v", err)
	}
	if pause < 0 {
		return nil, badRequest("received invalid, negative pause_duration")
	}
	st.pause = pause.String()
	if st.flags["tidy_cert_metadata"] {
		return nil, badRequest("certificate metadata is only supported on Vault Enterprise")
	}
	enabled := false
	for _, f := range pkiTidyFlags {
		enabled = enabled || st.flags[f]
	}
	buffer := time.Duration(st.buffers["safety_buffer"]) * time.Second
	for _, s := range sortedKeys(p.certs) {
		c := p.certs[s]
		if !req.now.After(c.cert.NotAfter.Add(buffer)) {
			continue
		}
		if c.revoked.IsZero() && st.flags["tidy_cert_store"] {
			delete(p.certs, s)
			st.certsDeleted++
		} else if !c.revoked.IsZero() && st.flags["tidy_revoked_certs"] {
			delete(p.certs, s)
			st.revokedDeleted++
		}
	}
	p.tidyState = st
	warning := "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."
	if !enabled {
		warning = "Manual tidy requested but no tidy operations were set. Enable at least one tidy operation to be run (tidy_cert_store / tidy_revoked_certs / tidy_revoked_cert_issuer_associations / tidy_expired_issuers / tidy_move_legacy_ca_bundle / tidy_acme / tidy_cross_cluster_revoked_certs / tidy_revocation_queue / tidy_cert_metadata / tidy_cmpv2_nonce_store)."
	}
	// logical.RespondWithStatusCode: the envelope without request id or
	// mount type.
	return &response{status: 202, raw: map[string]any{"request_id": "", "lease_id": "", "renewable": false, "lease_duration": 0,
		"data": nil, "wrap_info": nil, "warnings": []string{warning}, "auth": nil, "mount_type": ""}}, nil
}

func (p *pkiState) tidyStatus(req *request, d *fieldData) (*response, error) {
	data := map[string]any{"pause_duration": nil, "state": "Inactive", "error": nil, "time_started": nil,
		"time_finished": nil, "message": nil, "cert_store_deleted_count": nil, "revoked_cert_deleted_count": nil,
		"missing_issuer_cert_count": nil, "revocation_queue_deleted_count": nil, "cross_revoked_cert_deleted_count": nil,
		"total_acme_account_count": nil, "acme_account_deleted_count": nil, "acme_account_revoked_count": nil,
		"acme_orders_deleted_count": nil, "acme_account_safety_buffer": nil, "cert_metadata_deleted_count": nil,
		"cmpv2_nonce_deleted_count": nil, "safety_buffer": nil, "issuer_safety_buffer": nil,
		"last_auto_tidy_finished": fmtTime(p.mounted), "internal_backend_uuid": req.mount.uuid}
	for _, f := range pkiTidyFlags {
		data[f] = nil
	}
	// Vault CE counts no certificates: both counts are null.
	data["current_cert_store_count"], data["current_revoked_cert_count"] = nil, nil
	t := p.tidyState
	if !t.ran {
		return dataResp(data), nil
	}
	for _, f := range pkiTidyFlags {
		data[f] = t.flags[f]
	}
	for b, v := range t.buffers {
		data[b] = v
	}
	data["pause_duration"], data["time_started"], data["time_finished"] = t.pause, fmtTime(t.started), fmtTime(t.finished)
	data["state"] = "Finished"
	data["cert_store_deleted_count"], data["revoked_cert_deleted_count"] = t.certsDeleted, t.revokedDeleted
	for _, k := range []string{"missing_issuer_cert_count", "revocation_queue_deleted_count", "cross_revoked_cert_deleted_count",
		"total_acme_account_count", "acme_account_deleted_count", "acme_account_revoked_count", "acme_orders_deleted_count",
		"cert_metadata_deleted_count", "cmpv2_nonce_deleted_count"} {
		data[k] = 0
	}
	return dataResp(data), nil
}

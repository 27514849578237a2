package mockvault

import (
	"crypto"
	"crypto/x509"
	"time"
)

// The PKI secrets engine (builtin/logical/pki in Vault 1.21.1): keys and
// issuers (roots, intermediates, imported CAs), roles, issuing and signing
// leaf certificates, revocation, CRLs and tidy.
//
// Each mount has its own *pkiState. Certificates are real (crypto/x509) and
// verify against the chain the mount returns; validity follows the
// server's clock (req.now), so a manual clock ages and expires them.
// Private keys and parsed certificates are never changed once made, so
// clones share them; everything mutable is copied.
func pkiEngine() *engine {
	return &engine{
		typ: "pki", routes: pkiRouter,
		sudo:  []string{"root", "root/sign-self-issued"},
		state: func(s *Server) engineState { p := newPKIState(); p.mounted = s.now(); return p },
	}
}

// pkiKey is one key of the mount (Vault's keys/<id>).
type pkiKey struct {
	id, name string
	signer   crypto.Signer
}

// pkiIssuer is one CA certificate of the mount (Vault's issuers/<id>).
type pkiIssuer struct {
	id, name string
	keyID    string // "" when the mount does not hold its key
	cert     *x509.Certificate
	// chain is the issuer's ca_chain: itself, then its parents as known.
	chain                []*x509.Certificate
	manualChain          []string
	leafNotAfterBehavior string
	usage                []string
	revSigAlg            x509.SignatureAlgorithm
	aia                  *pkiURLs
}

// pkiURLs are config/urls (and an issuer's own AIA values).
type pkiURLs struct {
	issuingCertificates, crlDistributionPoints, ocspServers, deltaCRLDistributionPoints []string
	templating                                                                          bool
}

func (u pkiURLs) clone() pkiURLs {
	return pkiURLs{cloneList(u.issuingCertificates), cloneList(u.crlDistributionPoints),
		cloneList(u.ocspServers), cloneList(u.deltaCRLDistributionPoints), u.templating}
}

// cloneList copies a list keeping nil and empty apart (Vault answers them
// as null and []).
func cloneList(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

// pkiCert is an issued certificate kept in the mount (certs/<serial>).
type pkiCert struct {
	cert *x509.Certificate
	// revoked is the revocation time (zero: not revoked); revIssuer the
	// issuer that signed it, as its revocation entry records.
	revoked   time.Time
	revIssuer string
}

// pkiState is the state of one PKI mount.
type pkiState struct {
	keys    map[string]*pkiKey
	issuers map[string]*pkiIssuer
	// defaultIssuer, defaultKey are config/issuers and config/keys.
	defaultIssuer, defaultKey string
	defaultFollowsLatest      bool
	roles                     map[string]*pkiRole
	certs                     map[string]*pkiCert // by serial (xx:xx:..)
	urls                      pkiURLs
	crl                       pkiCRLConfig
	// crlNumber counts the CRLs built; crlBuilt is when the last was.
	crlNumber int64
	crlBuilt  time.Time
	cluster   struct{ path, aiaPath string }
	tidyState pkiTidyStatus
	// autoTidy is config/auto-tidy (values set; the rest are defaults).
	autoTidy map[string]any
	// mounted is when the mount was made (Vault's last_auto_tidy_finished
	// starts there).
	mounted time.Time
}

func newPKIState() *pkiState {
	return &pkiState{keys: map[string]*pkiKey{}, issuers: map[string]*pkiIssuer{}, roles: map[string]*pkiRole{},
		certs: map[string]*pkiCert{}, crl: defaultPKICRLConfig()}
}

func (p *pkiState) cloneState() engineState {
	out := *p
	out.keys = make(map[string]*pkiKey, len(p.keys))
	for k, v := range p.keys {
		c := *v
		out.keys[k] = &c
	}
	out.issuers = make(map[string]*pkiIssuer, len(p.issuers))
	for k, v := range p.issuers {
		c := *v
		c.chain = append([]*x509.Certificate(nil), v.chain...)
		c.manualChain = append([]string(nil), v.manualChain...)
		c.usage = append([]string(nil), v.usage...)
		if v.aia != nil {
			a := v.aia.clone()
			c.aia = &a
		}
		out.issuers[k] = &c
	}
	out.roles = make(map[string]*pkiRole, len(p.roles))
	for k, v := range p.roles {
		out.roles[k] = v.clone()
	}
	out.certs = make(map[string]*pkiCert, len(p.certs))
	for k, v := range p.certs {
		c := *v
		out.certs[k] = &c
	}
	out.urls = p.urls.clone()
	out.autoTidy = make(map[string]any, len(p.autoTidy))
	for k, v := range p.autoTidy {
		out.autoTidy[k] = v
	}
	out.crl = p.crl.clone()
	return &out
}

// pkiHandler serves one endpoint with the state of the request's mount.
type pkiHandler func(p *pkiState, req *request, d *fieldData) (*response, error)

// pkiRoute is one Vault path of the engine.
type pkiRoute struct {
	patterns []string
	fields   fields
	defaults map[string]any
	ops      map[op]pkiHandler
	// unauth: served without a token (Vault's PathsSpecial.Unauthenticated).
	unauth bool
}

func pkiOps(o op, h pkiHandler) map[op]pkiHandler { return map[op]pkiHandler{o: h} }

// pkiRouter builds the router of a PKI mount from pkiRoutes.
func pkiRouter(_ *Server, _ *mount) *backend {
	var paths []*path
	for _, r := range pkiRoutes() {
		ops := make(map[op]handlerFunc, len(r.ops))
		for o, fn := range r.ops {
			fn, unauth := fn, r.unauth
			ops[o] = func(req *request, d *fieldData) (*response, error) {
				resp, err := fn(req.state.(*pkiState), req, d)
				if resp != nil && unauth {
					// Vault names no mount type on its unauthenticated paths.
					resp.noMountType = true
				}
				return resp, err
			}
		}
		for _, pat := range r.patterns {
			paths = append(paths, &path{pattern: pat, fields: r.fields, defaults: r.defaults, ops: ops, unauthenticated: r.unauth})
		}
	}
	return newBackend(paths)
}

// pkiRoutes lists the engine's paths (Vault's order where patterns
// overlap: the fixed cert/ paths before cert/:serial).
func pkiRoutes() []pkiRoute {
	role := tName("role")
	ref := tName("issuer_ref")
	serial := "{serial:[0-9A-Fa-f:-]+}"
	aia := fields{"issuing_certificates": tCommaSlice, "crl_distribution_points": tCommaSlice, "ocsp_servers": tCommaSlice,
		"delta_crl_distribution_points": tCommaSlice, "enable_templating": tBool}
	issuerFields := fields{"issuer_ref": tString, "issuer_name": tString, "leaf_not_after_behavior": tString, "usage": tCommaSlice,
		"manual_chain": tCommaSlice, "revocation_signature_algorithm": tString, "issuing_certificates": tCommaSlice,
		"crl_distribution_points": tCommaSlice, "ocsp_servers": tCommaSlice, "delta_crl_distribution_points": tCommaSlice,
		"enable_aia_url_templating": tBool}
	rf := func(o map[op]pkiHandler, f fields, def map[string]any, pats ...string) pkiRoute {
		return pkiRoute{patterns: pats, fields: f, defaults: def, ops: o}
	}
	unauth := func(r pkiRoute) pkiRoute { r.unauth = true; return r }
	return []pkiRoute{
		rf(pkiOps(opList, (*pkiState).rolesList), nil, nil, "roles/"),
		rf(map[op]pkiHandler{opRead: (*pkiState).roleRead, opUpdate: (*pkiState).roleWrite, opDelete: (*pkiState).roleDelete, opPatch: (*pkiState).rolePatch},
			pkiRoleFields, pkiRoleDefaults, "roles/"+tName("name")),
		rf(pkiOps(opUpdate, (*pkiState).generateRoot), pkiCAFields, pkiCADefaults, "root/generate/"+tName("exported"),
			"issuers/generate/root/"+tName("exported"), "root/rotate/"+tName("exported")),
		rf(pkiOps(opUpdate, (*pkiState).configIssuersWrite), fields{"default": tString, "default_follows_latest_issuer": tBool},
			map[string]any{"default": "next"}, "root/replace"),
		rf(pkiOps(opUpdate, (*pkiState).signIntermediate), pkiCAFields, pkiCADefaults, "root/sign-intermediate", "issuer/"+ref+"/sign-intermediate"),
		rf(pkiOps(opUpdate, (*pkiState).signSelfIssued), fields{"issuer_ref": tString, "certificate": tString, "require_matching_certificate_algorithms": tBool},
			map[string]any{"issuer_ref": "default"}, "root/sign-self-issued", "issuer/"+ref+"/sign-self-issued"),
		rf(pkiOps(opDelete, (*pkiState).deleteRoot), nil, nil, "root"),
		rf(pkiOps(opUpdate, (*pkiState).generateIntermediate), pkiCAFields, pkiCADefaults, "intermediate/generate/"+tName("exported"),
			"issuers/generate/intermediate/"+tName("exported")),
		rf(pkiOps(opUpdate, (*pkiState).importBundle), fields{"certificate": tString}, nil, "intermediate/set-signed"),
		rf(pkiOps(opUpdate, (*pkiState).importBundle), fields{"pem_bundle": tString}, nil, "config/ca", "issuers/import/bundle", "issuers/import/cert"),
		rf(map[op]pkiHandler{opRead: (*pkiState).configCRLRead, opUpdate: (*pkiState).configCRLWrite},
			fields{"expiry": tString, "disable": tBool, "ocsp_disable": tBool, "ocsp_expiry": tString, "auto_rebuild": tBool,
				"auto_rebuild_grace_period": tString, "enable_delta": tBool, "delta_rebuild_interval": tString,
				"cross_cluster_revocation": tBool, "unified_crl": tBool, "unified_crl_on_existing_paths": tBool, "max_crl_entries": tInt},
			nil, "config/crl"),
		rf(map[op]pkiHandler{opRead: (*pkiState).configURLsRead, opUpdate: (*pkiState).configURLsWrite}, aia, nil, "config/urls"),
		rf(map[op]pkiHandler{opRead: (*pkiState).configClusterRead, opUpdate: (*pkiState).configClusterWrite},
			fields{"path": tString, "aia_path": tString}, nil, "config/cluster"),
		rf(pkiOps(opUpdate, (*pkiState).signVerbatim), pkiIssueFields, pkiSignVerbatimDefaults, "sign-verbatim", "sign-verbatim/"+role,
			"issuer/"+ref+"/sign-verbatim", "issuer/"+ref+"/sign-verbatim/"+role),
		rf(pkiOps(opUpdate, (*pkiState).sign), pkiIssueFields, pkiIssueDefaults, "sign/"+role, "issuer/"+ref+"/sign/"+role),
		rf(pkiOps(opUpdate, (*pkiState).issue), pkiIssueFields, pkiIssueDefaults, "issue/"+role, "issuer/"+ref+"/issue/"+role),
		rf(pkiOps(opUpdate, (*pkiState).keyGenerate), fields{"key_name": tString, "key_type": tString, "key_bits": tInt,
			"managed_key_name": tString, "managed_key_id": tString}, map[string]any{"key_type": "rsa"},
			"keys/generate/internal", "keys/generate/exported", "keys/generate/kms"),
		rf(pkiOps(opUpdate, (*pkiState).keyImport), fields{"key_name": tString, "pem_bundle": tString}, nil, "keys/import"),
		rf(pkiOps(opRead, (*pkiState).crlRotate), nil, nil, "crl/rotate", "crl/rotate-delta"),
		rf(pkiOps(opUpdate, (*pkiState).revoke), fields{"serial_number": tString, "certificate": tString}, nil, "revoke"),
		rf(pkiOps(opUpdate, (*pkiState).revoke), fields{"serial_number": tString, "certificate": tString, "private_key": tString}, nil, "revoke-with-key"),
		rf(pkiOps(opList, (*pkiState).certsRevoked), nil, nil, "certs/revoked/"),
		rf(pkiOps(opUpdate, (*pkiState).tidy), pkiTidyFields, pkiTidyDefaults, "tidy"),
		rf(pkiOps(opRead, (*pkiState).tidyStatus), nil, nil, "tidy-status"),
		rf(map[op]pkiHandler{opRead: (*pkiState).autoTidyRead, opUpdate: (*pkiState).autoTidyWrite}, pkiAutoTidyFields, nil, "config/auto-tidy"),
		unauth(rf(pkiOps(opList, (*pkiState).issuersList), nil, nil, "issuers/")),
		rf(map[op]pkiHandler{opRead: (*pkiState).issuerRead, opUpdate: (*pkiState).issuerUpdate, opDelete: (*pkiState).issuerDelete},
			issuerFields, map[string]any{"leaf_not_after_behavior": "err", "usage": []string{"read-only", "issuing-certificates", "crl-signing", "ocsp-signing"}},
			"issuer/"+ref),
		unauth(rf(pkiOps(opRead, (*pkiState).issuerRaw), fields{"issuer_ref": tString}, nil,
			"issuer/"+ref+"/json", "issuer/"+ref+"/der", "issuer/"+ref+"/pem")),
		unauth(rf(pkiOps(opRead, (*pkiState).issuerCRL), fields{"issuer_ref": tString}, nil,
			"issuer/"+ref+"/crl", "issuer/"+ref+"/crl/pem", "issuer/"+ref+"/crl/der",
			"issuer/"+ref+"/crl/delta", "issuer/"+ref+"/crl/delta/pem", "issuer/"+ref+"/crl/delta/der")),
		rf(map[op]pkiHandler{opRead: (*pkiState).configIssuersRead, opUpdate: (*pkiState).configIssuersWrite},
			fields{"default": tString, "default_follows_latest_issuer": tBool}, nil, "config/issuers"),
		rf(pkiOps(opList, (*pkiState).keysList), nil, nil, "keys/"),
		rf(map[op]pkiHandler{opRead: (*pkiState).keyRead, opUpdate: (*pkiState).keyUpdate, opDelete: (*pkiState).keyDelete},
			fields{"key_ref": tString, "key_name": tString}, nil, "key/"+tName("key_ref")),
		rf(map[op]pkiHandler{opRead: (*pkiState).configKeysRead, opUpdate: (*pkiState).configKeysWrite},
			fields{"default": tString}, nil, "config/keys"),
		unauth(rf(pkiOps(opRead, (*pkiState).fetchCA), nil, nil, "ca", "ca/pem")),
		unauth(rf(pkiOps(opRead, (*pkiState).fetchCAChain), nil, nil, "ca_chain", "cert/ca_chain")),
		unauth(rf(pkiOps(opRead, (*pkiState).fetchCRL), nil, nil, "crl", "crl/pem", "crl/delta", "crl/delta/pem")),
		unauth(rf(pkiOps(opRead, (*pkiState).fetchCRL), nil, nil, "cert/crl", "cert/delta-crl")),
		unauth(rf(pkiOps(opRead, (*pkiState).fetchCert), fields{"serial": tString}, nil, "cert/"+serial+"/raw", "cert/"+serial+"/raw/pem")),
		unauth(rf(pkiOps(opRead, (*pkiState).fetchCert), fields{"serial": tString}, nil, "cert/"+serial)),
		rf(pkiOps(opList, (*pkiState).certsList), nil, nil, "certs/"),
		// Vault serves cert/* without a token, so a path there that no
		// route takes is a bare 404, never a 403.
		unauth(rf(map[op]pkiHandler{opRead: pkiNoRoute, opList: pkiNoRoute, opUpdate: pkiNoRoute, opDelete: pkiNoRoute},
			nil, nil, "cert/{rest:.*}")),
	}
}

func pkiNoRoute(*pkiState, *request, *fieldData) (*response, error) {
	return nil, errCode(404, "unsupported path")
}

func (p *pkiState) configClusterRead(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{"path": p.cluster.path, "aia_path": p.cluster.aiaPath}), nil
}

func (p *pkiState) configClusterWrite(req *request, d *fieldData) (*response, error) {
	for _, k := range []string{"path", "aia_path"} {
		if v := d.str(k); v != "" {
			if bad := pkiBadURL([]string{v}); bad != "" {
				return nil, badRequest("failed to parse %s as URL: %s", k, v)
			}
		}
	}
	if d.has("path") {
		p.cluster.path = d.str("path")
	}
	if d.has("aia_path") {
		p.cluster.aiaPath = d.str("aia_path")
	}
	return p.configClusterRead(req, d)
}

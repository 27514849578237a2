package mockvault

import (
	"fmt"
	"strings"
	"time"
)

// PKI roles (roles/:name): what a role lets issue/ and sign/ put in a
// certificate, with Vault's defaults and validation.

// pkiRole is Vault's issuing.RoleEntry.
type pkiRole struct {
	name                                                                     string
	ttl, maxTTL, notBefore                                                   time.Duration
	allowLocalhost, allowBare, allowSubdomains, allowGlob, allowWildcard     bool
	allowAnyName, enforceHostnames, allowIPSANs, allowedDomainsTemplate      bool
	allowedURISANsTemplate, allowTokenDisplayName                            bool
	serverFlag, clientFlag, codeSigningFlag, emailProtectionFlag             bool
	useCSRCommonName, useCSRSANs, generateLease, noStore, requireCN, usePSS  bool
	basicConstraintsValidForNonCA                                            bool
	allowedDomains, allowedURISANs, allowedOtherSANs, allowedSerialNumbers   []string
	allowedUserIDs, keyUsage, extKeyUsage, extKeyUsageOIDs, cnValidations    []string
	ou, organization, country, locality, province, streetAddress, postalCode []string
	policyIdentifiers                                                        []string
	keyType, serialNumberSource, notAfter, issuerRef                         string
	keyBits, signatureBits                                                   int
}

func (r *pkiRole) clone() *pkiRole {
	c := *r
	for _, s := range []*[]string{&c.allowedDomains, &c.allowedURISANs, &c.allowedOtherSANs, &c.allowedSerialNumbers,
		&c.allowedUserIDs, &c.keyUsage, &c.extKeyUsage, &c.extKeyUsageOIDs, &c.cnValidations, &c.ou, &c.organization,
		&c.country, &c.locality, &c.province, &c.streetAddress, &c.postalCode, &c.policyIdentifiers} {
		*s = append([]string(nil), (*s)...)
	}
	return &c
}

var pkiRoleFields = fields{
	"backend": tString, "name": tString, "ttl": tDuration, "max_ttl": tDuration,
	"allow_token_displayname": tBool, "allow_localhost": tBool, "allowed_domains": tCommaSlice,
	"allowed_domains_template": tBool, "allow_bare_domains": tBool, "allow_subdomains": tBool,
	"allow_glob_domains": tBool, "allow_wildcard_certificates": tBool, "allow_any_name": tBool,
	"enforce_hostnames": tBool, "allow_ip_sans": tBool, "allowed_uri_sans": tCommaSlice,
	"allowed_uri_sans_template": tBool, "allowed_other_sans": tCommaSlice, "allowed_serial_numbers": tCommaSlice,
	"allowed_user_ids": tCommaSlice, "server_flag": tBool, "client_flag": tBool, "code_signing_flag": tBool,
	"email_protection_flag": tBool, "key_type": tString, "key_bits": tInt, "signature_bits": tInt,
	"use_pss": tBool, "key_usage": tCommaSlice, "ext_key_usage": tCommaSlice, "ext_key_usage_oids": tCommaSlice,
	"use_csr_common_name": tBool, "use_csr_sans": tBool, "serial_number_source": tString,
	"ou": tCommaSlice, "organization": tCommaSlice, "country": tCommaSlice, "locality": tCommaSlice,
	"province": tCommaSlice, "street_address": tCommaSlice, "postal_code": tCommaSlice,
	"generate_lease": tBool, "no_store": tBool, "require_cn": tBool, "cn_validations": tCommaSlice,
	"policy_identifiers": tCommaSlice, "basic_constraints_valid_for_non_ca": tBool,
	"not_before_duration": tDuration, "not_after": tString, "issuer_ref": tString,
}

var pkiRoleDefaults = map[string]any{
	"allow_localhost": true, "allow_wildcard_certificates": true, "enforce_hostnames": true, "allow_ip_sans": true,
	"server_flag": true, "client_flag": true, "key_type": "rsa",
	"key_usage": []string{"DigitalSignature", "KeyAgreement", "KeyEncipherment"}, "ext_key_usage": []string{},
	"ext_key_usage_oids": []string{}, "use_csr_common_name": true, "use_csr_sans": true,
	"serial_number_source": "json-csr", "require_cn": true, "cn_validations": []string{"email", "hostname"},
	"not_before_duration": 30, "issuer_ref": "default",
}

// data is the role as Vault reads it back (RoleEntry.ToResponseData).
func (r *pkiRole) data() map[string]any {
	return map[string]any{
		"ttl": int64(r.ttl.Seconds()), "max_ttl": int64(r.maxTTL.Seconds()), "allow_localhost": r.allowLocalhost,
		"allowed_domains": r.allowedDomains, "allowed_domains_template": r.allowedDomainsTemplate,
		"allow_bare_domains": r.allowBare, "allow_token_displayname": r.allowTokenDisplayName,
		"allow_subdomains": r.allowSubdomains, "allow_glob_domains": r.allowGlob,
		"allow_wildcard_certificates": r.allowWildcard, "allow_any_name": r.allowAnyName,
		"allowed_uri_sans_template": r.allowedURISANsTemplate, "enforce_hostnames": r.enforceHostnames,
		"allow_ip_sans": r.allowIPSANs, "server_flag": r.serverFlag, "client_flag": r.clientFlag,
		"code_signing_flag": r.codeSigningFlag, "email_protection_flag": r.emailProtectionFlag,
		"use_csr_common_name": r.useCSRCommonName, "use_csr_sans": r.useCSRSANs,
		"serial_number_source": r.serialNumberSource, "key_type": r.keyType, "key_bits": r.keyBits,
		"signature_bits": r.signatureBits, "use_pss": r.usePSS, "key_usage": r.keyUsage,
		"ext_key_usage": r.extKeyUsage, "ext_key_usage_oids": r.extKeyUsageOIDs, "ou": r.ou,
		"organization": r.organization, "country": r.country, "locality": r.locality, "province": r.province,
		"street_address": r.streetAddress, "postal_code": r.postalCode, "no_store": r.noStore,
		"allowed_other_sans": r.allowedOtherSANs, "allowed_serial_numbers": r.allowedSerialNumbers,
		"allowed_user_ids": r.allowedUserIDs, "allowed_uri_sans": r.allowedURISANs, "require_cn": r.requireCN,
		"cn_validations": r.cnValidations, "policy_identifiers": r.policyIdentifiers,
		"basic_constraints_valid_for_non_ca": r.basicConstraintsValidForNonCA,
		"not_before_duration":                int64(r.notBefore.Seconds()), "not_after": r.notAfter, "issuer_ref": r.issuerRef,
		"generate_lease": r.generateLease,
	}
}

func (p *pkiState) rolesList(req *request, d *fieldData) (*response, error) {
	return listResp(sortedKeys(p.roles)), nil
}

func (p *pkiState) roleRead(req *request, d *fieldData) (*response, error) {
	r := p.roles[d.str("name")]
	if r == nil {
		return nil, nil
	}
	return dataResp(r.data()), nil
}

func (p *pkiState) roleDelete(req *request, d *fieldData) (*response, error) {
	delete(p.roles, d.str("name"))
	return nil, nil
}

// roleWrite is pathRoleCreate: every field from the request or its
// default (a write replaces the role), then validateRole.
func (p *pkiState) roleWrite(req *request, d *fieldData) (*response, error) {
	r := &pkiRole{
		name: d.str("name"), ttl: d.duration("ttl"), maxTTL: d.duration("max_ttl"), notBefore: d.duration("not_before_duration"),
		allowLocalhost: d.boolean("allow_localhost", false), allowBare: d.boolean("allow_bare_domains", false),
		allowSubdomains: d.boolean("allow_subdomains", false), allowGlob: d.boolean("allow_glob_domains", false),
		allowWildcard: d.boolean("allow_wildcard_certificates", true), allowAnyName: d.boolean("allow_any_name", false),
		enforceHostnames: d.boolean("enforce_hostnames", false), allowIPSANs: d.boolean("allow_ip_sans", false),
		allowedDomainsTemplate: d.boolean("allowed_domains_template", false), allowedURISANsTemplate: d.boolean("allowed_uri_sans_template", false),
		serverFlag: d.boolean("server_flag", false), clientFlag: d.boolean("client_flag", false),
		codeSigningFlag: d.boolean("code_signing_flag", false), emailProtectionFlag: d.boolean("email_protection_flag", false),
		useCSRCommonName: d.boolean("use_csr_common_name", false), useCSRSANs: d.boolean("use_csr_sans", false),
		noStore: d.boolean("no_store", false), requireCN: d.boolean("require_cn", false), usePSS: d.boolean("use_pss", false),
		basicConstraintsValidForNonCA: d.boolean("basic_constraints_valid_for_non_ca", false),
		allowedDomains:                pkiList(d, "allowed_domains"), allowedURISANs: pkiList(d, "allowed_uri_sans"),
		allowedOtherSANs: pkiList(d, "allowed_other_sans"), allowedSerialNumbers: pkiList(d, "allowed_serial_numbers"),
		allowedUserIDs: pkiList(d, "allowed_user_ids"), keyUsage: pkiList(d, "key_usage"), extKeyUsage: pkiList(d, "ext_key_usage"),
		extKeyUsageOIDs: pkiList(d, "ext_key_usage_oids"), cnValidations: pkiList(d, "cn_validations"),
		ou: pkiList(d, "ou"), organization: pkiList(d, "organization"), country: pkiList(d, "country"),
		locality: pkiList(d, "locality"), province: pkiList(d, "province"), streetAddress: pkiList(d, "street_address"),
		postalCode: pkiList(d, "postal_code"), policyIdentifiers: pkiList(d, "policy_identifiers"),
		keyType: d.str("key_type"), serialNumberSource: d.str("serial_number_source"), notAfter: d.str("not_after"),
		issuerRef: d.str("issuer_ref"), keyBits: d.integer("key_bits"), signatureBits: d.integer("signature_bits"),
		allowTokenDisplayName: d.boolean("allow_token_displayname", false),
	}
	if others := r.allowedOtherSANs; len(others) > 0 && !(len(others) == 1 && others[0] == "*") {
		if _, err := pkiParseOtherSANs(others); err != nil {
			return nil, badRequest("error parsing allowed_other_sans: %s", err)
		}
	}
	var warnings []string
	if r.noStore {
		if d.boolean("generate_lease", false) {
			warnings = append(warnings, "mutually exclusive values no_store=true and generate_lease=true were both specified; no_store=true takes priority")
		}
	} else if r.generateLease = d.boolean("generate_lease", false); r.generateLease {
		warnings = append(warnings, "it is encouraged to disable generate_lease and rely on PKI's native capabilities when possible; this option can cause Vault-wide issues with large numbers of issued certificates")
	}
	more, err := p.validateRole(r)
	if err != nil {
		return nil, err
	}
	p.roles[r.name] = r
	resp := dataResp(r.data())
	resp.warnings = append(more, warnings...)
	return resp, nil
}

// rolePatch is pathRolePatch: the stored role's values, overridden by
// the fields sent, validated as a write.
func (p *pkiState) rolePatch(req *request, d *fieldData) (*response, error) {
	old := p.roles[d.str("name")]
	if old == nil {
		return nil, badRequest("Unable to fetch role entry to patch")
	}
	raw := old.data()
	for k, v := range d.raw {
		raw[k] = v
	}
	return p.roleWrite(req, &fieldData{raw: raw, schema: d.schema, defaults: d.defaults, vars: d.vars})
}

// pkiList reads a list field; an absent one without default is [] (the
// framework's zero value).
func pkiList(d *fieldData, k string) []string {
	v := d.strings(k)
	if v == nil {
		return []string{}
	}
	return v
}

// validateRole is Vault's validateRole: TTLs, key type and sizes, the
// serial source, CN validations; the issuer only warns.
func (p *pkiState) validateRole(r *pkiRole) ([]string, error) {
	if r.maxTTL > 0 && r.ttl > r.maxTTL {
		return nil, badRequest(`"ttl" value must be less than "max_ttl" value`)
	}
	var err error
	if r.keyBits, r.signatureBits, err = pkiKeyBits(r.keyType, r.keyBits, r.signatureBits); err != nil {
		return nil, badRequest("%s", err.Error())
	}
	if r.serialNumberSource != "" && r.serialNumberSource != "json-csr" && r.serialNumberSource != "json" {
		return nil, badRequest("unknown serial_number_source %s", r.serialNumberSource)
	}
	for _, oid := range r.extKeyUsageOIDs {
		if !pkiOIDRe.MatchString(oid) {
			return nil, badRequest("%q could not be parsed as a valid oid for an extended key usage", oid)
		}
	}
	if r.issuerRef == "" {
		r.issuerRef = "default"
	}
	var warnings []string
	if iss, _ := p.resolveIssuer(r.issuerRef); iss == nil {
		if r.issuerRef == "default" {
			warnings = append(warnings, "Issuing Certificate was set to default, but no default issuing certificate (configurable at /config/issuers) is currently set")
		} else {
			warnings = append(warnings, fmt.Sprintf("Issuing Certificate was set to %s but no issuing certificate currently has that name", r.issuerRef))
		}
	}
	if r.cnValidations, err = pkiCheckCNValidations(r.cnValidations); err != nil {
		return nil, pkiUserError("%s", err.Error())
	}
	return warnings, nil
}

// pkiCheckCNValidations is Vault's checkCNValidations.
func pkiCheckCNValidations(in []string) ([]string, error) {
	if len(in) == 0 {
		return []string{"email", "hostname"}, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, v := range in {
		l := strings.ToLower(v)
		switch l {
		case "disabled", "email", "hostname":
			if seen[l] {
				return nil, fmt.Errorf("cn_validations value incorrect: `%s` specified multiple times", l)
			}
			seen[l] = true
		default:
			return nil, fmt.Errorf("cn_validations value incorrect: unknown type: `%s`", v)
		}
		out = append(out, l)
	}
	if seen["disabled"] && (seen["email"] || seen["hostname"]) {
		return nil, fmt.Errorf("cn_validations value incorrect: cannot specify `disabled` along with `email` or `hostname`")
	}
	return out, nil
}

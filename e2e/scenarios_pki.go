package e2e

// PKI secrets engine: roots and issuers, keys, the unauthenticated fetch
// paths, config/urls and config/issuers; roles with their defaults and
// validation; issue, sign and sign-verbatim with the role's name checks,
// TTL capping and formats; revocation, CRLs and tidy; intermediates
// signed by a root and imported back.
//
// Every scenario mounts its own pki engine (pki-<topic>/) and removes it
// afterwards. Keys, serials and signatures differ between servers:
// certificates, keys, CSRs and CRLs are compared by their facts
// (certfacts.go: subject, SANs, key type and size, usages, CA flag,
// validity length, issuer, chain length), ids and serials by their form.

const (
	// An ECDSA P-256 CSR (CN csr.example.com, O "CSR Org", DNS SANs
	// csr.example.com and alt.example.com, IP 10.0.0.1) and one of the same
	// key for evil.other.com, made offline.
	pkiCSR     = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBLDCB0gIBADAsMRAwDgYDVQQKEwdDU1IgT3JnMRgwFgYDVQQDEw9jc3IuZXhh\nbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASXv3KdFGQDg8IAyOT+\nGdWf3uyTs3tcf8J6lHj2eOE/wqszBShg2fIdd5qLTMjMp2aTdHC6uYg7N+jwYIn8\niYOSoEQwQgYJKoZIhvcNAQkOMTUwMzAxBgNVHREEKjAogg9jc3IuZXhhbXBsZS5j\nb22CD2FsdC5leGFtcGxlLmNvbYcECgAAATAKBggqhkjOPQQDAgNJADBGAiEAyQcP\nhvDy7MhX3zkLWLDn8YOwoWPUa7gxxkbdxs4yrS4CIQDg7eshT32VEaZoEBhovot4\nopMb7otbXoMLzRuXAggMZg==\n-----END CERTIFICATE REQUEST-----\n"
	pkiEvilCSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIHTMHsCAQAwGTEXMBUGA1UEAxMOZXZpbC5vdGhlci5jb20wWTATBgcqhkjOPQIB\nBggqhkjOPQMBBwNCAASXv3KdFGQDg8IAyOT+GdWf3uyTs3tcf8J6lHj2eOE/wqsz\nBShg2fIdd5qLTMjMp2aTdHC6uYg7N+jwYIn8iYOSoAAwCgYIKoZIzj0EAwIDSAAw\nRQIgI8vHaFu6jtYADjrh2V2bZ2pz2H9hs2d/7qa646wu3egCIQD2Wo7tl18J/7m/\n4Vj8PsVFCEFWRg1EV9kGCpQqLaAV3g==\n-----END CERTIFICATE REQUEST-----\n"
)

// pkiScenario is a scenario on its own pki mount m (max TTL 10 years),
// removed afterwards.
func pkiScenario(name, m string, steps ...Step) Scenario {
	all := append([]Step{POST("sys/mounts/"+m, M{"type": "pki", "config": M{"max_lease_ttl": "87600h"}}).Want(204)}, steps...)
	return S("pki/"+name, all...).Then(DELETE("sys/mounts/" + m))
}

// pkiCertFields are the answer fields holding certificates and keys.
var pkiCertFields = []string{"data.certificate", "data.issuing_ca", "data.ca_chain", "data.ca_chain.*",
	"data.private_key", "data.csr"}

// pkiC compares a step's certificates and keys by their facts.
func pkiC(s Step) Step { return s.Certs(pkiCertFields...) }

// pkiRoot generates the mount's root CA.
func pkiRoot(m string, body M) Step {
	return pkiC(POST(m+"/root/generate/internal", body)).Want(200).Save("issuer", "data.issuer_id").Save("key", "data.key_id")
}

func init() {
	MaskKeys("issuer_id", "key_id", "expiration", "revocation_time", "revocation_time_rfc3339",
		"time_started", "time_finished", "last_auto_tidy_finished", "internal_backend_uuid",
		"serial_number", "authority_key_id", "subject_key_id")
	Register(
		// ------------------------------------------------------- roots
		pkiScenario("root/internal", "pki-root",
			GET("pki-root/cert/ca").Anonymous().Because("no CA yet"),
			GET("pki-root/ca/pem").Anonymous().RawCert(),
			LIST("pki-root/issuers").Anonymous(),
			LIST("pki-root/keys"),
			pkiRoot("pki-root", M{"common_name": "Root CA", "ttl": "87600h", "organization": "Example", "ou": "Ops"}),
			pkiC(GET("pki-root/cert/ca")).Anonymous().Want(200).Because("the CA is served without a token"),
			GET("pki-root/ca/pem").Anonymous().RawCert().Want(200),
			GET("pki-root/ca").Anonymous().RawCert().Want(200),
			GET("pki-root/ca_chain").Anonymous().RawCert().Want(200),
			pkiC(GET("pki-root/cert/ca_chain")).Anonymous().Want(200),
			LIST("pki-root/issuers").Anonymous().Want(200).Mask("data.keys").Ignore("data.key_info").Because("issuer ids differ: key_info is keyed by them"),
			GET("pki-root/issuer/default").Anonymous().Want(403).Because("the issuer itself needs a token"),
			pkiC(GET("pki-root/issuer/default")).Want(200),
			pkiC(GET("pki-root/issuer/{{issuer}}/json")).Anonymous().Want(200),
			GET("pki-root/issuer/{{issuer}}/pem").Anonymous().RawCert().Want(200),
			GET("pki-root/issuer/default/der").Anonymous().RawCert().Want(200),
			GET("pki-root/issuer/nope").Want(500).Because("an unknown issuer reference is a plain error"),
			LIST("pki-root/keys").Want(200).Mask("data.keys").Ignore("data.key_info"),
			GET("pki-root/key/default").Want(200),
			GET("pki-root/key/{{key}}").Want(200),
			GET("pki-root/key/nope").Want(500).Because("an unknown key reference is a plain error"),
			GET("pki-root/config/issuers").Want(200),
			GET("pki-root/config/keys").Want(200),
			GET("pki-root/roles/nope").Want(404),
			LIST("pki-root/roles").Want(404),
			DELETE("pki-root/root").Want(200),
			LIST("pki-root/issuers").Anonymous().Want(404),
			GET("pki-root/cert/ca").Anonymous(),
		),
		pkiScenario("root/exported", "pki-exp",
			pkiC(POST("pki-exp/root/generate/exported", M{"common_name": "exp.example.com", "key_type": "ec", "key_bits": 384,
				"ttl": "720h", "issuer_name": "first", "key_name": "first-key", "alt_names": "exp2.example.com,a@example.com",
				"ip_sans": "127.0.0.1"})).Want(200),
			pkiC(POST("pki-exp/root/generate/exported", M{"common_name": "bundle", "key_type": "ed25519", "format": "pem_bundle"})).Want(200),
			pkiC(POST("pki-exp/root/generate/exported", M{"common_name": "der", "format": "der", "private_key_format": "pkcs8", "key_bits": 3072})).Want(200),
			pkiC(POST("pki-exp/root/generate/internal", M{"common_name": "pathlen", "key_type": "ec", "max_path_length": 0})).Want(200),
			LIST("pki-exp/issuers").Want(200).Mask("data.keys").Ignore("data.key_info"),
			pkiC(GET("pki-exp/issuer/first")).Want(200),
			GET("pki-exp/key/first-key").Want(200),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "issuer_name": "first"}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "issuer_name": "default"}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "issuer_name": "bad name!"}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "key_name": "first-key"}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "key_type": "dsa"}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "key_type": "rsa", "key_bits": 1024}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "key_type": "ec", "key_bits": 255}).Want(400),
			POST("pki-exp/root/generate/internal", M{"common_name": "x", "format": "txt"}).Want(400),
			POST("pki-exp/root/generate/bogus", M{"common_name": "x"}).Want(400),
			POST("pki-exp/config/issuers", M{"default": "first"}).Want(200).Mask("data.default"),
			GET("pki-exp/config/issuers").Want(200).Mask("data.default"),
			pkiC(GET("pki-exp/cert/ca")).Want(200).Because("the default issuer is now 'first'"),
			POST("pki-exp/issuer/first", M{"issuer_name": "renamed", "leaf_not_after_behavior": "truncate", "usage": "read-only,issuing-certificates"}).Certs(pkiCertFields...).Want(200),
			POST("pki-exp/issuer/renamed", M{"leaf_not_after_behavior": "sometimes"}).Want(400),
			POST("pki-exp/issuer/renamed", M{"usage": "everything"}).Want(400),
			DELETE("pki-exp/issuer/nope").Want(200),
		),
		// ------------------------------------------------------- config
		pkiScenario("config/urls", "pki-urls",
			GET("pki-urls/config/urls").Want(200),
			POST("pki-urls/config/urls", M{"issuing_certificates": "http://127.0.0.1:8200/v1/pki-urls/ca",
				"crl_distribution_points": []string{"http://127.0.0.1:8200/v1/pki-urls/crl"}}).Want(200),
			GET("pki-urls/config/urls").Want(200),
			POST("pki-urls/config/urls", M{"ocsp_servers": "not a url"}).Want(400),
			pkiRoot("pki-urls", M{"common_name": "With URLs", "key_type": "ec"}).Because("no AIA warning: the URLs are in the certificate"),
			GET("pki-urls/config/crl").Want(200),
			POST("pki-urls/config/crl", M{"expiry": "48h"}).Want(200),
			POST("pki-urls/config/crl", M{"enable_delta": true}).Want(400),
			GET("pki-urls/config/cluster").Want(200),
			POST("pki-urls/config/cluster", M{"path": "http://127.0.0.1:8200/v1/pki-urls"}).Want(200),
		),
		// ------------------------------------------------------- roles
		pkiScenario("roles", "pki-roles",
			POST("pki-roles/roles/plain", M{}).Want(200).Because("no issuer yet: a warning; every default read back"),
			GET("pki-roles/roles/plain").Want(200),
			POST("pki-roles/roles/example-dot-com", M{"allowed_domains": "example.com", "allow_subdomains": true,
				"max_ttl": "72h", "ttl": "1h", "key_type": "ec", "organization": "Example", "ext_key_usage": "CodeSigning",
				"key_usage": []string{"DigitalSignature"}, "no_store": true, "generate_lease": true}).Want(200),
			GET("pki-roles/roles/example-dot-com").Want(200),
			LIST("pki-roles/roles").Want(200),
			POST("pki-roles/roles/bad", M{"ttl": "2h", "max_ttl": "1h"}).Want(400),
			POST("pki-roles/roles/bad", M{"key_type": "dsa"}).Want(400),
			POST("pki-roles/roles/bad", M{"key_type": "rsa", "key_bits": 1024}).Want(400),
			POST("pki-roles/roles/bad", M{"key_type": "rsa", "signature_bits": 128}).Want(400),
			POST("pki-roles/roles/bad", M{"serial_number_source": "csr"}).Want(400),
			POST("pki-roles/roles/bad", M{"cn_validations": "disabled,email"}).Want(500),
			POST("pki-roles/roles/bad", M{"ext_key_usage_oids": "not.an.oid"}).Want(400),
			POST("pki-roles/roles/lease", M{"generate_lease": true, "key_type": "any", "issuer_ref": "missing"}).Want(200),
			GET("pki-roles/roles/lease").Want(200),
			DELETE("pki-roles/roles/plain").Want(204),
			GET("pki-roles/roles/plain").Want(404),
		),
		// ------------------------------------------------------- issue
		pkiScenario("issue", "pki-iss",
			POST("pki-iss/issue/none", M{"common_name": "x.example.com"}).Want(400),
			POST("pki-iss/roles/example-dot-com", M{"allowed_domains": "example.com", "allow_subdomains": true, "max_ttl": "72h"}).Want(200),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "www.example.com"}).Want(500).Because("no CA yet: a plain error"),
			pkiRoot("pki-iss", M{"common_name": "example.com", "ttl": "8760h", "key_type": "ec"}),
			pkiC(POST("pki-iss/issue/example-dot-com", M{"common_name": "www.example.com", "ttl": "1h"})).Want(200),
			pkiC(POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "alt_names": "b.example.com,c.example.com",
				"ip_sans": "127.0.0.1,::1", "ttl": "100h"})).Want(200).Because("ttl capped to the role's max_ttl, with a warning"),
			pkiC(POST("pki-iss/issue/example-dot-com", M{"common_name": "d.example.com", "format": "der"})).Want(200),
			pkiC(POST("pki-iss/issue/example-dot-com", M{"common_name": "e.example.com", "format": "pem_bundle", "private_key_format": "pkcs8"})).Want(200),
			pkiC(POST("pki-iss/issue/example-dot-com", M{"common_name": "f.example.com", "exclude_cn_from_sans": true, "remove_roots_from_chain": true})).Want(200),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "www.other.com"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "example.com"}).Want(400).Because("bare domains are not allowed"),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "alt_names": "x.other.com"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a@example.com"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "*.example.com"}).Want(200).Certs(pkiCertFields...),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "ip_sans": "300.1.1.1"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "uri_sans": "spiffe://x"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "format": "p12"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "ttl": "1h", "not_after": "2030-01-01T00:00:00Z"}).Want(400),
			POST("pki-iss/issue/example-dot-com", M{"common_name": "a.example.com", "ttl": "9000h"}).Want(200).Certs(pkiCertFields...).Because("capped by the role, then not past the CA"),
			POST("pki-iss/roles/long", M{"allow_any_name": true, "enforce_hostnames": false, "max_ttl": "9000h", "key_type": "ec", "key_bits": 521}).Want(200),
			POST("pki-iss/issue/long", M{"common_name": "not a hostname", "ttl": "9000h"}).Want(400).Mask("errors.0").Because("beyond the CA's notAfter: the default leaf_not_after_behavior errs (the text holds the times; TestPKIRevokeCRL checks it)"),
			pkiC(POST("pki-iss/issue/long", M{"common_name": "anything goes", "ttl": "2h"})).Want(200),
			POST("pki-iss/roles/local", M{"allowed_domains": []string{"example.com", "*.glob.test"}, "allow_glob_domains": true,
				"allow_bare_domains": true, "allow_localhost": false, "server_flag": false, "client_flag": true, "key_type": "rsa", "key_bits": 2048,
				"ou": "Unit", "country": "NL"}).Want(200),
			pkiC(POST("pki-iss/issue/local", M{"common_name": "example.com", "alt_names": "x.glob.test"})).Want(200),
			POST("pki-iss/issue/local", M{"common_name": "localhost"}).Want(400),
			POST("pki-iss/roles/any", M{"key_type": "any", "allow_any_name": true}).Want(200),
			POST("pki-iss/issue/any", M{"common_name": "x"}).Want(400),
		),
		pkiScenario("sign", "pki-sign",
			pkiRoot("pki-sign", M{"common_name": "Sign CA", "key_type": "rsa", "ttl": "8760h"}),
			POST("pki-sign/roles/csr", M{"allowed_domains": "example.com", "allow_subdomains": true, "key_type": "ec", "max_ttl": "24h"}).Want(200),
			pkiC(POST("pki-sign/sign/csr", M{"csr": pkiCSR, "common_name": "ignored.example.com"})).Want(200).Because("the CSR's names are used: a warning for common_name"),
			POST("pki-sign/sign/csr", M{"csr": pkiEvilCSR}).Want(400),
			POST("pki-sign/sign/csr", M{"csr": "garbage"}).Want(400),
			POST("pki-sign/sign/csr", M{}).Want(400),
			POST("pki-sign/roles/rsa-only", M{"allow_any_name": true, "key_type": "rsa"}).Want(200),
			POST("pki-sign/sign/rsa-only", M{"csr": pkiCSR}).Want(400),
			POST("pki-sign/roles/no-csr-names", M{"allow_any_name": true, "key_type": "any", "use_csr_common_name": false, "use_csr_sans": false}).Want(200),
			pkiC(POST("pki-sign/sign/no-csr-names", M{"csr": pkiCSR, "common_name": "mine.example.com", "ttl": "2h"})).Want(200),
			pkiC(POST("pki-sign/sign-verbatim", M{"csr": pkiEvilCSR, "ttl": "1h"})).Want(200).Because("sign-verbatim takes the CSR as it is"),
			pkiC(POST("pki-sign/sign-verbatim/csr", M{"csr": pkiCSR, "ext_key_usage": "ServerAuth"})).Want(200),
			POST("pki-sign/sign-verbatim/nope", M{"csr": pkiCSR}).Want(400),
		),
		// ------------------------------------------------------- revocation
		pkiScenario("revoke", "pki-rev",
			GET("pki-rev/crl").Anonymous().RawCert().Because("no CA: an empty answer"),
			pkiRoot("pki-rev", M{"common_name": "Revoking CA", "key_type": "ec", "ttl": "8760h"}),
			POST("pki-rev/roles/r", M{"allow_any_name": true, "key_type": "ec"}).Want(200),
			pkiC(POST("pki-rev/issue/r", M{"common_name": "one.example.com"})).Want(200).Save("s1", "data.serial_number").Save("c1", "data.certificate"),
			pkiC(POST("pki-rev/issue/r", M{"common_name": "two.example.com"})).Want(200).Save("s2", "data.serial_number"),
			pkiC(GET("pki-rev/cert/{{s1}}")).Anonymous().Want(200),
			GET("pki-rev/cert/{{s1}}/raw/pem").Anonymous().RawCert().Want(200),
			LIST("pki-rev/certs").Mask("data.keys").Unordered("data.keys").Want(200).Because("the root and both leaves, in serial order"),
			GET("pki-rev/crl").Anonymous().RawCert().Want(200),
			POST("pki-rev/revoke", M{"serial_number": "{{s1}}"}).Want(200),
			POST("pki-rev/revoke", M{"serial_number": "{{s1}}"}).Want(200).Because("revoking twice answers the first time"),
			POST("pki-rev/revoke", M{"certificate": "{{c1}}"}).Want(200),
			POST("pki-rev/revoke", M{"serial_number": "aa:bb:cc"}).Want(400),
			POST("pki-rev/revoke", M{}).Want(400),
			POST("pki-rev/revoke", M{"serial_number": "{{s2}}", "certificate": "{{c1}}"}).Want(400),
			pkiC(GET("pki-rev/cert/{{s1}}")).Want(200),
			LIST("pki-rev/certs/revoked").Want(200),
			GET("pki-rev/crl").Anonymous().RawCert().Want(200).Because("one revoked entry"),
			GET("pki-rev/crl/pem").Anonymous().RawCert().Want(200),
			pkiC(GET("pki-rev/cert/crl")).Anonymous().Want(200),
			GET("pki-rev/crl/rotate").Want(200),
			POST("pki-rev/tidy", M{}).Want(202).Because("nothing to tidy: a warning"),
			POST("pki-rev/tidy", M{"tidy_cert_store": true, "safety_buffer": "0s"}).Want(400),
			POST("pki-rev/tidy", M{"tidy_cert_store": true, "tidy_revoked_certs": true, "safety_buffer": "1s"}).Want(202),
			GET("pki-rev/tidy-status").Want(200).Settle("the tidy run finished", func(ex Exchange) bool {
				v, _ := lookupPath(ex.Body, "data.state")
				return v == "Finished"
			}),
		),
		// ------------------------------------------------------- intermediates
		pkiScenario("intermediate", "pki-int",
			POST("sys/mounts/pki-int2", M{"type": "pki", "config": M{"max_lease_ttl": "43800h"}}).Want(204),
			pkiRoot("pki-int", M{"common_name": "Root", "key_type": "ec", "ttl": "87600h"}),
			pkiC(POST("pki-int2/intermediate/generate/internal", M{"common_name": "Intermediate", "key_type": "ec"})).Want(200).Save("csr", "data.csr"),
			pkiC(POST("pki-int2/intermediate/generate/exported", M{"common_name": "Other", "key_type": "rsa", "format": "der"})).Want(200),
			pkiC(POST("pki-int/root/sign-intermediate", M{"csr": "{{csr}}", "common_name": "Intermediate", "ttl": "43800h"})).Want(200).Save("intcert", "data.certificate"),
			POST("pki-int/root/sign-intermediate", M{"csr": "nope"}).Want(400),
			POST("pki-int2/intermediate/set-signed", M{"certificate": "{{intcert}}"}).Mask("data.imported_issuers").Ignore("data.mapping").Want(200),
			POST("pki-int2/intermediate/set-signed", M{}).Want(400),
			POST("pki-int2/roles/leaf", M{"allow_any_name": true, "key_type": "ec"}).Want(200),
			pkiC(POST("pki-int2/issue/leaf", M{"common_name": "leaf.example.com"})).Want(200).Because("ca_chain holds the intermediate (the root is not in this mount)"),
			pkiC(GET("pki-int2/cert/ca_chain")).Anonymous().Want(200),
			LIST("pki-int2/issuers").Anonymous().Want(200).Mask("data.keys").Ignore("data.key_info"),
		).Then(DELETE("sys/mounts/pki-int2")),
	)
}

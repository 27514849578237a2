package e2e

// TLS certificate auth (issue 16): certs, config and crls endpoints, and
// the login refusals a plain-HTTP target can show ("tls connection
// required"). Logins with a client certificate need a TLS listener on both
// sides: TestCertLoginAgainstRealVault (cert_login_test.go) starts both
// servers with TLS and compares them.

// certCA is a fixed test CA (ECDSA P-256, valid 2024-2124), so recordings
// replay byte for byte; certServerOnly is a leaf it issued for server
// authentication only; certCRL revokes serials 3003 and 4004.
const (
	certCA = `-----BEGIN CERTIFICATE-----
MIIBZzCCAQygAwIBAgICA+kwCgYIKoZIzj0EAwIwGTEXMBUGA1UEAxMOY29uZm9y
bWFuY2UgQ0EwIBcNMjQwMTAxMDAwMDAwWhgPMjEyNDAxMDEwMDAwMDBaMBkxFzAV
BgNVBAMTDmNvbmZvcm1hbmNlIENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
zS3X3lpK6kBfPNBot/tVSSs4+sdIFdrrdLpZs7/KxG54f3JK1eQb1hNiN4ImmFHx
FMTFmcwElM9svvINXfquD6NCMEAwDgYDVR0PAQH/BAQDAgEGMA8GA1UdEwEB/wQF
MAMBAf8wHQYDVR0OBBYEFISp6vZHNR4kecYoK5Z06LUAjEGnMAoGCCqGSM49BAMC
A0kAMEYCIQC1vZLIVaI1qYiKKClgWeE6u2nRPpHw8A/YM8pwDfaSuwIhAJAi0ped
nZ8SVCd9o4/LXYgNkyu9OriGAcPzmETRImxj
-----END CERTIFICATE-----
`
	certServerOnly = `-----BEGIN CERTIFICATE-----
MIIBWTCB/6ADAgECAgIH0jAKBggqhkjOPQQDAjAZMRcwFQYDVQQDEw5jb25mb3Jt
YW5jZSBDQTAgFw0yNDAxMDEwMDAwMDBaGA8yMTI0MDEwMTAwMDAwMFowFjEUMBIG
A1UEAxMLc2VydmVyIG9ubHkwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATwrpHB
RloHTSqh7oIS7KZ5QUxjI7Q77VeMGN7y/m5V7y9Y82swbOyBpjl25heb2WS83sh8
dcjNTRpyj24tTeQdozgwNjATBgNVHSUEDDAKBggrBgEFBQcDATAfBgNVHSMEGDAW
gBSEqer2RzUeJHnGKCuWdOi1AIxBpzAKBggqhkjOPQQDAgNJADBGAiEAl6huTEpu
dimIgOfSWrqBJw2u5ZFXfbxI3+5gB6+f+kQCIQD9zwlJIxawUd20CsKso92PTEW7
qYpFXAy2o6unZ81QAA==
-----END CERTIFICATE-----
`
	certCRL = `-----BEGIN X509 CRL-----
MIIBATCBpwIBATAKBggqhkjOPQQDAjAZMRcwFQYDVQQDEw5jb25mb3JtYW5jZSBD
QRcNMjQwMTAxMDAwMDAwWhgPMjEyNDAxMDEwMDAwMDBaMCowEwICC7sXDTI0MDEw
MTAwMDAwMFowEwICD6QXDTI0MDEwMTAwMDAwMFqgLzAtMB8GA1UdIwQYMBaAFISp
6vZHNR4kecYoK5Z06LUAjEGnMAoGA1UdFAQDAgEBMAoGCCqGSM49BAMCA0kAMEYC
IQCK5FBW7M/cnVVoGZVMLsd5n0wYpyuQLAaCVwnCcY7v7QIhAKihPR7SCEf1mIkm
f7kZX/JkRLNJ73mthKhlYSgwq/Yx
-----END X509 CRL-----
`
)

func enableCert(path string) Step { return POST("sys/auth/"+path, M{"type": "cert"}).Want(204) }

func init() {
	Register(
		S("cert/certs", steps(
			enableCert("cert"),
			LIST("auth/cert/certs").Want(404),
			POST("auth/cert/certs/bad", M{"certificate": "nope"}).Want(400).Because("failed to parse certificate"),
			POST("auth/cert/certs/bad", M{}).Want(400),
			POST("auth/cert/certs/bad", M{"certificate": certServerOnly}).Want(400).Because("a leaf needs the clientAuth usage"),
			POST("auth/cert/certs/bad", M{"certificate": certCA, "token_ttl": "2h", "token_max_ttl": "1h"}).Want(400),
			POST("auth/cert/certs/bad", M{"certificate": certCA, "ttl": "2h", "max_ttl": "1h"}).Want(400).Because("ttl should be shorter than max_ttl"),
			POST("auth/cert/certs/bad", M{"certificate": certCA, "ocsp_max_retries": -1}).Want(500),
			POST("auth/cert/certs/bad", M{"certificate": certCA, "token_num_uses": -1}).Want(400),
			GET("auth/cert/certs/bad").Want(404),
			POST("auth/cert/certs/Web", M{"certificate": certCA}).Want(204),
			GET("auth/cert/certs/web").Want(200).Because("defaults: display_name is the name, ocsp_max_retries 4, lists null"),
			POST("auth/cert/certs/full", M{"certificate": certCA, "display_name": "Full", "allowed_names": "a,*.b",
				"allowed_common_names": "cn-*", "allowed_dns_sans": "*.svc", "allowed_email_sans": "*@x.test", "allowed_uri_sans": "spiffe://x/*",
				"allowed_organizational_units": "ops", "allowed_organizations": "acme", "required_extensions": "1.2.3:v,hex:1.2.4:0c*",
				"allowed_metadata_extensions": "1.2.3", "ocsp_enabled": true, "ocsp_servers_override": "http://ocsp.test",
				"ocsp_fail_open": true, "ocsp_query_all_servers": true, "ocsp_this_update_max_age": "1h", "ocsp_max_retries": 2,
				"token_policies": "a,B", "token_ttl": "800h", "token_max_ttl": "900h", "token_period": "900h", "token_bound_cidrs": "127.0.0.1",
				"token_num_uses": 2, "token_no_default_policy": true, "token_type": "service", "token_explicit_max_ttl": 60}).Want(200).Because("three TTL warnings"),
			GET("auth/cert/certs/full").Want(200),
			POST("auth/cert/certs/full", M{"allowed_names": ""}).Want(200).Because("updates merge; the stored TTLs warn again"),
			GET("auth/cert/certs/full").Want(200),
			POST("auth/cert/certs/legacy", M{"certificate": certCA, "policies": "P", "lease": 120, "max_ttl": "10m", "period": 30, "bound_cidrs": "10.0.0.0/8"}).Want(204),
			GET("auth/cert/certs/legacy").Want(200).Because("lease sets ttl; deprecated twins read back"),
			POST("auth/cert/certs/legacy", M{"num_uses": 3}).Want(204).Because("no num_uses twin here: ignored"),
			LIST("auth/cert/certs").Want(200),
			LIST("auth/cert/certs/").Want(200),
			DELETE("auth/cert/certs/full").Want(204),
			DELETE("auth/cert/certs/full").Want(204),
			GET("auth/cert/certs/full").Want(404),
		)...).Then(disableAuth("cert")),
		S("cert/config-crls", steps(
			enableCert("cert"),
			GET("auth/cert/config").Want(200).Because("never written: zeros"),
			POST("auth/cert/config", M{"ocsp_cache_size": 1}).Want(400),
			POST("auth/cert/config", M{"ocsp_cache_size": 100001}).Want(400),
			POST("auth/cert/config", M{"role_cache_size": -2}).Want(400),
			POST("auth/cert/config", M{"role_cache_size": 100001}).Want(400),
			POST("auth/cert/config", M{"disable_binding": true, "enable_identity_alias_metadata": true, "ocsp_cache_size": 2,
				"role_cache_size": -1, "enable_metadata_on_failures": true}).Want(204),
			GET("auth/cert/config").Want(200),
			POST("auth/cert/config", M{"disable_binding": false}).Want(204).Because("updates merge"),
			GET("auth/cert/config").Want(200),
			LIST("auth/cert/crls").Want(404),
			GET("auth/cert/crls/none").Want(400).Because("no such CRL"),
			DELETE("auth/cert/crls/none").Want(400),
			POST("auth/cert/crls/x", M{}).Want(400).Because("one of 'crl' or 'url' must be provided"),
			POST("auth/cert/crls/x", M{"url": ""}).Want(400),
			POST("auth/cert/crls/x", M{"crl": "garbage"}).Want(400),
			POST("auth/cert/crls/Mine", M{"crl": certCRL}).Want(204),
			GET("auth/cert/crls/mine").Want(200).Because("the revoked serials, in decimal"),
			LIST("auth/cert/crls").Want(200),
			DELETE("auth/cert/crls/mine").Want(204),
			GET("auth/cert/crls/mine").Want(400),
		)...).Then(disableAuth("cert")),
		S("cert/login-plain-http", steps(
			enableCert("cert"),
			POST("auth/cert/login", nil).Anonymous().Want(400).Because("tls connection required"),
			POST("auth/cert/certs/web", M{"certificate": certCA}).Want(204),
			POST("auth/cert/login", M{"name": "web"}).Anonymous().Want(400),
			GET("auth/cert/login").Anonymous().Want(405),
		)...).Then(disableAuth("cert")),
	)
}

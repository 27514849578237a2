package e2e

import (
	"encoding/base64"
	"encoding/json"
)

// Kubernetes auth (issue 16): config and role endpoints, and the login
// checks Vault makes before it calls the cluster (missing fields, role,
// JWT parsing, claims, service-account name and namespace). Those JWTs are
// made here, unsigned in effect: without pem_keys Vault does not check
// signatures, the cluster's TokenReview does, and these logins fail before
// it. A login that reaches the TokenReview API needs a fake cluster
// reachable from Vault: that is TestKubernetesLoginAgainstRealVault
// (kubernetes_login_test.go), which runs with MOCKVAULT_E2E_REAL=binary.

// k8sJWT is a compact JWS with the given claims and a dummy RS256
// signature.
func k8sJWT(claims M) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(M{"alg": "RS256", "kid": "k"}) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("signature"))
}

// k8sClaims are a projected token's claims for ns/name, far from expiry.
func k8sClaims(ns, name string, aud ...string) M {
	return M{"iss": "https://kubernetes.default.svc", "aud": aud, "iat": 1700000000, "exp": 4100000000,
		"kubernetes.io": M{"namespace": ns, "serviceaccount": M{"name": name, "uid": "5a0e2a0b-0000-4000-8000-000000000001"}}}
}

// k8sConfig is a config whose host is never called by these scenarios.
var k8sConfig = M{"kubernetes_host": "https://127.0.0.1:1", "disable_local_ca_jwt": true}

func enableK8s(path string) Step { return POST("sys/auth/"+path, M{"type": "kubernetes"}).Want(204) }

// k8sPubKey is an ECDSA P-256 public key (pem_keys).
const k8sPubKey = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEzS3X3lpK6kBfPNBot/tVSSs4+sdI
FdrrdLpZs7/KxG54f3JK1eQb1hNiN4ImmFHxFMTFmcwElM9svvINXfquDw==
-----END PUBLIC KEY-----
`

func init() {
	expired := k8sClaims("prod", "app", "vault")
	expired["exp"] = 1700000100
	future := k8sClaims("prod", "app", "vault")
	future["nbf"], future["iat"] = 4000000000, 4000000000
	legacy := M{"iss": "kubernetes/serviceaccount", "kubernetes.io/serviceaccount/namespace": "prod",
		"kubernetes.io/serviceaccount/service-account.name": "app", "kubernetes.io/serviceaccount/service-account.uid": "u-1",
		"kubernetes.io/serviceaccount/secret.name": "app-token"}
	strAud := k8sClaims("prod", "app")
	strAud["aud"] = "vault"
	noUID := k8sClaims("prod", "app", "vault")
	noUID["kubernetes.io"] = M{"namespace": "prod", "serviceaccount": M{"name": "app"}}
	hs := "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString([]byte(`{"aud":["vault"]}`)) + ".c2ln"
	none := "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString([]byte(`{"aud":["vault"]}`)) + "."
	login := func(role, jwt string) Step {
		return POST("auth/k8s/login", M{"role": role, "jwt": jwt}).Anonymous()
	}
	Register(
		S("kubernetes/config", steps(
			enableK8s("k8s"),
			GET("auth/k8s/config").Want(404).Because("not configured yet"),
			POST("auth/k8s/login", M{"role": "r", "jwt": "x"}).Anonymous().Want(400).Because("invalid role name comes before the config"),
			POST("auth/k8s/config", M{}).Want(400).Because("no host provided"),
			POST("auth/k8s/config", M{"kubernetes_host": "https://h"}).Want(400).Because("no CA: the pod's CA file is read, and is absent"),
			POST("auth/k8s/config", M{"kubernetes_host": "https://h", "kubernetes_ca_cert": "nope", "disable_local_ca_jwt": true}).Want(400),
			POST("auth/k8s/config", M{"kubernetes_host": "https://h", "pem_keys": "nope", "disable_local_ca_jwt": true}).Want(400),
			POST("auth/k8s/config", M{"kubernetes_host": "https://h", "disable_local_ca_jwt": "maybe"}).Want(400),
			POST("auth/k8s/config", M{"kubernetes_host": "https://h/", "disable_local_ca_jwt": true, "pem_keys": []string{k8sPubKey},
				"issuer": "iss", "disable_iss_validation": false, "token_reviewer_jwt": "secret-reviewer", "use_annotations_as_alias_metadata": true,
				"kubernetes_ca_cert": certCA}).Want(204),
			GET("auth/k8s/config").Want(200).Because("token_reviewer_jwt is never read back, only token_reviewer_jwt_set"),
			POST("auth/k8s/config", k8sConfig).Want(204).Because("a write replaces the whole config: defaults come back"),
			GET("auth/k8s/config").Want(200),
			POST("auth/k8s/config", M{"kubernetes_host": "https://h", "disable_local_ca_jwt": true, "bogus": 1}).Want(204).Because("an unknown parameter on a 204 gives no warning"),
			DELETE("auth/k8s/config").Want(405),
		)...).Then(disableAuth("k8s")),
		S("kubernetes/roles", steps(
			enableK8s("k8s"),
			LIST("auth/k8s/role").Want(404),
			POST("auth/k8s/role/r", M{}).Want(400).Because("bound_service_account_names can not be empty"),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a,*"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a"}).Want(400).Because("namespaces or a selector needed"),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "x,*"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespace_selector": "{bad"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespace_selector": `{"matchExpressions":[{"key":"a","operator":"Exists"}]}`}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "alias_name_source": "pod"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "token_type": "weird"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "token_ttl": "2h", "token_max_ttl": "1h"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "ttl": "2h", "max_ttl": "1h"}).Want(400),
			POST("auth/k8s/role/r", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "token_period": "9999h"}).Want(400),
			GET("auth/k8s/role/r").Want(404).Because("failed writes store nothing"),
			POST("auth/k8s/role/Min", M{"bound_service_account_names": "a", "bound_service_account_namespaces": "n"}).Want(200).Because("a warning: no audience"),
			GET("auth/k8s/role/min").Want(200).Because("names are lower-cased"),
			POST("auth/k8s/role/full", M{"bound_service_account_names": "app-*,web", "bound_service_account_namespaces": []string{"prod", "stage-*"},
				"bound_service_account_namespace_selector": "matchLabels:\n  team: a\n", "audience": "vault", "alias_name_source": "serviceaccount_name",
				"token_policies": "a,B", "token_ttl": "15m", "token_max_ttl": "9999h", "token_bound_cidrs": "127.0.0.1/32,10.0.0.0/8",
				"token_explicit_max_ttl": 7200, "token_no_default_policy": true, "token_num_uses": 3, "token_type": "service"}).Want(200).Because("max_ttl over the mount's warns"),
			GET("auth/k8s/role/full").Want(200),
			POST("auth/k8s/role/full", M{"audience": ""}).Want(200).Because("an update without the selector clears it; the empty audience warns"),
			GET("auth/k8s/role/full").Want(200),
			POST("auth/k8s/role/legacy", M{"bound_service_account_names": "*", "bound_service_account_namespaces": "*", "audience": "a",
				"policies": "P1,p2", "ttl": 60, "max_ttl": "2m", "period": "30s", "num_uses": 2, "bound_cidrs": "127.0.0.1"}).Want(204),
			GET("auth/k8s/role/legacy").Want(200).Because("deprecated twins read back next to token_*"),
			POST("auth/k8s/role/legacy", M{"token_policies": "x"}).Want(204),
			GET("auth/k8s/role/legacy").Want(200).Because("setting token_policies drops policies"),
			POST("auth/k8s/role/legacy", M{"alias_name_source": ""}).Want(400).Because("an empty source replaces a stored one and is invalid"),
			LIST("auth/k8s/role").Want(200),
			LIST("auth/k8s/role/").Want(200),
			DELETE("auth/k8s/role/full").Want(204),
			DELETE("auth/k8s/role/full").Want(204),
			GET("auth/k8s/role/full").Want(404),
			POST("auth/k8s/role/bad%20name", M{}).Want(404),
		)...).Then(disableAuth("k8s")),
		S("kubernetes/login-checks", steps(
			enableK8s("k8s"),
			POST("auth/k8s/role/app", M{"bound_service_account_names": "app", "bound_service_account_namespaces": "prod", "audience": "vault"}).Want(204),
			login("app", "x").Want(500).Because("no config: could not load backend configuration"),
			POST("auth/k8s/config", k8sConfig).Want(204),
			login("", "x").Want(400).Because("missing role"),
			login("app", "").Want(400).Because("missing jwt"),
			login("nope", "x").Want(400).Because("invalid role name"),
			login("app", "not.a.jwt").Want(403).Because("any JWT parsing failure is a bare permission denied"),
			login("app", hs).Want(403).Because("HS256 is not an allowed algorithm"),
			login("app", none).Want(403).Because("alg none is refused"),
			login("app", k8sJWT(k8sClaims("prod", "app", "other"))).Want(403).Because("wrong audience"),
			login("app", k8sJWT(k8sClaims("prod", "app"))).Want(403).Because("no audience at all"),
			login("app", k8sJWT(expired)).Want(403).Because("expired"),
			login("app", k8sJWT(future)).Want(403).Because("not yet valid"),
			login("app", k8sJWT(k8sClaims("prod", "web", "vault"))).Want(403).Because("service account name not authorized"),
			login("app", k8sJWT(k8sClaims("dev", "app", "vault"))).Want(403).Because("namespace not authorized"),
			login("app", k8sJWT(noUID)).Want(500).Because("could not parse UID from claims"),
			POST("auth/k8s/role/legacy", M{"bound_service_account_names": "app", "bound_service_account_namespaces": "prod"}).Want(200),
			login("legacy", k8sJWT(strAud)).Want(500).Because("a string aud fails the plugin's claim decoding"),
			login("legacy", k8sJWT(legacy)).Want(403).Because("legacy secret-token claims pass; the unreachable cluster denies"),
			POST("auth/k8s/config", M{"kubernetes_host": "https://127.0.0.1:1", "disable_local_ca_jwt": true, "issuer": "want", "disable_iss_validation": false}).Want(204),
			login("app", k8sJWT(k8sClaims("prod", "app", "vault"))).Want(403).Because("invalid issuer (iss) claim"),
			POST("auth/k8s/config", M{"kubernetes_host": "https://127.0.0.1:1", "disable_local_ca_jwt": true, "pem_keys": k8sPubKey}).Want(204),
			login("app", k8sJWT(k8sClaims("prod", "app", "vault"))).Want(403).Because("with pem_keys the signature is checked"),
			POST("auth/k8s/role/cidr", M{"bound_service_account_names": "app", "bound_service_account_namespaces": "prod", "token_bound_cidrs": "10.255.255.0/24"}).Want(200),
			login("cidr", "x").Want(403).Because("token_bound_cidrs checked first"),
			GET("auth/k8s/login").Want(405),
		)...).Then(disableAuth("k8s")),
	)
}

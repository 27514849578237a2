package mockvault_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	kubeauth "github.com/hashicorp/vault/api/auth/kubernetes"
	"github.com/mockvault/mockvault/testhelpers"
)

// kubeVault is a server with the Kubernetes method at auth/kubernetes,
// configured against a fake API server.
func kubeVault(t testing.TB) (*testhelpers.Vault, *testhelpers.Kubernetes) {
	t.Helper()
	v := testhelpers.RunT(t)
	if err := v.Client.Sys().EnableAuthWithOptions("kubernetes", &api.EnableAuthOptions{Type: "kubernetes"}); err != nil {
		t.Fatalf("enable: %v", err)
	}
	k8s := testhelpers.NewKubernetes(t)
	arWrite(t, v.Client, "auth/kubernetes/config", map[string]any{"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true})
	return v, k8s
}

// TestKubernetesLoginOfficialClient logs in with the official
// api/auth/kubernetes helper and checks the auth block Vault returns.
func TestKubernetesLoginOfficialClient(t *testing.T) {
	v, k8s := kubeVault(t)
	arWrite(t, v.Client, "auth/kubernetes/role/app", map[string]any{
		"bound_service_account_names": "app", "bound_service_account_namespaces": "prod-*",
		"audience": "vault", "token_policies": "app", "token_ttl": "15m",
	})
	jwt := k8s.Token("prod-eu", "app", "vault")
	auth, err := kubeauth.NewKubernetesAuth("app", kubeauth.WithServiceAccountToken(jwt))
	if err != nil {
		t.Fatal(err)
	}
	client := arAs(t, v, "")
	sec, err := client.Auth().Login(context.Background(), auth)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	a := sec.Auth
	uid := k8s.UID("prod-eu", "app")
	want := map[string]string{"role": "app", "service_account_name": "app", "service_account_namespace": "prod-eu",
		"service_account_uid": uid, "service_account_secret_name": ""}
	for k, w := range want {
		if a.Metadata[k] != w {
			t.Errorf("metadata[%s] = %q, want %q", k, a.Metadata[k], w)
		}
	}
	if a.LeaseDuration != 900 || !a.Renewable || len(a.Policies) != 2 || a.Policies[0] != "app" {
		t.Fatalf("auth = %+v", a)
	}
	look, err := client.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	if dn := look.Data["display_name"]; dn != "kubernetes-prod-eu-app" {
		t.Fatalf("display_name %v", dn)
	}
	revs := k8s.Reviews()
	if len(revs) != 1 || revs[0].Bearer != jwt || revs[0].Token != jwt || len(revs[0].Audiences) != 1 || revs[0].Audiences[0] != "vault" {
		t.Fatalf("reviews %+v", revs)
	}
	// The renewal follows the role's current token_ttl.
	arWrite(t, v.Client, "auth/kubernetes/role/app", map[string]any{"token_ttl": "5m"})
	r, err := client.Auth().Token().RenewSelf(0)
	if err != nil || r.Auth.LeaseDuration != 300 {
		t.Fatalf("renew: %v %+v", err, r)
	}
}

func TestKubernetesLoginRefusals(t *testing.T) {
	v, k8s := kubeVault(t)
	arWrite(t, v.Client, "auth/kubernetes/role/app", map[string]any{
		"bound_service_account_names": "app", "bound_service_account_namespaces": "prod", "audience": "vault",
	})
	login := func(role, jwt string) error {
		_, err := arAs(t, v, "").Logical().Write("auth/kubernetes/login", map[string]any{"role": role, "jwt": jwt})
		return err
	}
	wantErr(t, login("", "x"), 400, "missing role")
	wantErr(t, login("app", ""), 400, "missing jwt")
	wantErr(t, login("nope", "x"), 400, `invalid role name "nope"`)
	wantErr(t, login("app", "not-a-jwt"), 403, "permission denied")
	wantErr(t, login("app", k8s.Token("prod", "app", "other")), 403, "invalid audience (aud) claim: audience claim does not match any expected audience")
	wantErr(t, login("app", k8s.Token("prod", "web", "vault")), 403, "service account name not authorized")
	wantErr(t, login("app", k8s.Token("dev", "app", "vault")), 403, "namespace not authorized")
	revoked := k8s.Token("prod", "app", "vault")
	k8s.Revoke(revoked)
	wantErr(t, login("app", revoked), 403, "permission denied")
	// A JWT the cluster never issued (signed by someone else's key) passes
	// the claim checks but not the review.
	forged := k8s.SignJWT(map[string]any{"aud": []string{"vault"}, "kubernetes.io": map[string]any{
		"namespace": "prod", "serviceaccount": map[string]any{"name": "app", "uid": "u"}}})
	wantErr(t, login("app", forged), 403, "permission denied")
	// Expiry is judged on the server's clock.
	ok := k8s.Token("prod", "app", "vault")
	v.Clock.Advance(2 * time.Hour)
	wantErr(t, login("app", ok), 403, "invalid expiration time (exp) claim: token is expired")
}

func TestKubernetesReviewerJWTAndPEMKeys(t *testing.T) {
	v, k8s := kubeVault(t)
	k8s.ReviewerJWT = "reviewer-token"
	arWrite(t, v.Client, "auth/kubernetes/config", map[string]any{
		"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true, "token_reviewer_jwt": "reviewer-token",
		"pem_keys": k8s.PublicKeyPEM(),
	})
	cfg := arRead(t, v.Client, "auth/kubernetes/config").Data
	if cfg["token_reviewer_jwt_set"] != true || cfg["disable_iss_validation"] != true {
		t.Fatalf("config %v", cfg)
	}
	arWrite(t, v.Client, "auth/kubernetes/role/any", map[string]any{
		"bound_service_account_names": "*", "bound_service_account_namespaces": "*", "alias_name_source": "serviceaccount_name",
	})
	jwt := k8s.Token("ns", "sa")
	if _, err := arAs(t, v, "").Logical().Write("auth/kubernetes/login", map[string]any{"role": "any", "jwt": jwt}); err != nil {
		t.Fatal(err)
	}
	if revs := k8s.Reviews(); len(revs) != 1 || revs[0].Bearer != "reviewer-token" || revs[0].Audiences[0] != k8s.Issuer {
		t.Fatalf("reviews %+v", revs)
	}
	// With pem_keys a token signed by another key never reaches the review.
	other := testhelpers.NewKubernetes(t)
	_, err := arAs(t, v, "").Logical().Write("auth/kubernetes/login", map[string]any{"role": "any", "jwt": other.Token("ns", "sa")})
	wantErr(t, err, 403, "permission denied")
	if n := len(k8s.Reviews()); n != 1 {
		t.Fatalf("%d reviews", n)
	}
}

func TestKubernetesNamespaceSelector(t *testing.T) {
	v, k8s := kubeVault(t)
	k8s.ReviewerJWT = "rev"
	arWrite(t, v.Client, "auth/kubernetes/config", map[string]any{"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true, "token_reviewer_jwt": "rev"})
	arWrite(t, v.Client, "auth/kubernetes/role/sel", map[string]any{
		"bound_service_account_names":              "app",
		"bound_service_account_namespace_selector": `{"matchLabels":{"team":"a"}}`,
	})
	k8s.SetNamespaceLabels("ns-a", map[string]string{"team": "a"})
	k8s.SetNamespaceLabels("ns-b", map[string]string{"team": "b"})
	login := func(ns string) error {
		_, err := arAs(t, v, "").Logical().Write("auth/kubernetes/login", map[string]any{"role": "sel", "jwt": k8s.Token(ns, "app")})
		return err
	}
	if err := login("ns-a"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, login("ns-b"), 403, "namespace not authorized")
	wantErr(t, login("ns-c"), 403, "namespace not authorized err=failed to get namespace (code 404")
}

func TestKubernetesConfigAndRoleValidation(t *testing.T) {
	v, _ := kubeVault(t)
	c := v.Client
	w := func(p string, d map[string]any) error { _, err := c.Logical().Write(p, d); return err }
	wantErr(t, w("auth/kubernetes/config", map[string]any{}), 400, "no host provided")
	wantErr(t, w("auth/kubernetes/config", map[string]any{"kubernetes_host": "h", "kubernetes_ca_cert": "x", "disable_local_ca_jwt": true}), 400,
		"The provided CA PEM data contains no valid certificates")
	wantErr(t, w("auth/kubernetes/config", map[string]any{"kubernetes_host": "h", "pem_keys": "x", "disable_local_ca_jwt": true}), 400,
		"data does not contain any valid RSA or ECDSA public keys")
	wantErr(t, w("auth/kubernetes/role/r", map[string]any{}), 400, `"bound_service_account_names" can not be empty`)
	wantErr(t, w("auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "a,*"}), 400, `can not mix "*" with values`)
	wantErr(t, w("auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "a"}), 400,
		`"bound_service_account_namespaces" can not be empty if "bound_service_account_namespace_selector" is not set`)
	wantErr(t, w("auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "a", "bound_service_account_namespace_selector": `{"matchExpressions":[]}`}), 400,
		`invalid "bound_service_account_namespace_selector" configured`)
	wantErr(t, w("auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "alias_name_source": "x"}), 400,
		"invalid alias_name_source, must be one of: serviceaccount_uid, serviceaccount_name")
	s, err := c.Logical().Write("auth/kubernetes/role/r", map[string]any{"bound_service_account_names": "a", "bound_service_account_namespaces": "n", "ttl": "1h", "policies": "P"})
	if err != nil || len(s.Warnings) != 1 {
		t.Fatalf("%v %+v", err, s)
	}
	arWantData(t, arRead(t, c, "auth/kubernetes/role/r").Data, `{"alias_name_source":"serviceaccount_uid",
		"bound_service_account_names":["a"],"bound_service_account_namespace_selector":"","bound_service_account_namespaces":["n"],
		"policies":["p"],"token_bound_cidrs":[],"token_explicit_max_ttl":0,"token_max_ttl":0,"token_no_default_policy":false,
		"token_num_uses":0,"token_period":0,"token_policies":["p"],"token_ttl":3600,"token_type":"default","ttl":3600}`)
	l, err := c.Logical().List("auth/kubernetes/role")
	if err != nil || len(l.Data["keys"].([]any)) != 1 {
		t.Fatalf("%v %+v", err, l)
	}
	_, err = c.Logical().Read("auth/kubernetes/config")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Logical().Delete("auth/kubernetes/role/r")
	if err != nil || resp != nil {
		t.Fatal(err)
	}
}

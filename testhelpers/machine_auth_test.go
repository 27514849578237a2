package testhelpers_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"testing"

	kubeauth "github.com/hashicorp/vault/api/auth/kubernetes"
	"github.com/mockvault/mockvault/testhelpers"
)

// review posts a TokenReview to the fake as Vault does.
func review(t *testing.T, k *testhelpers.Kubernetes, bearer, token string, aud ...string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"spec": map[string]any{"token": token, "audiences": aud}})
	req, _ := http.NewRequest("POST", k.URL+"/apis/authentication.k8s.io/v1/tokenreviews", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	status, _ := out["status"].(map[string]any)
	return resp.StatusCode, status
}

func TestKubernetesFakeTokenReview(t *testing.T) {
	k := testhelpers.NewKubernetes(t)
	jwt := k.Token("ns", "sa", "vault")
	if code, st := review(t, k, jwt, jwt, "vault"); code != 200 || st["authenticated"] != true ||
		st["user"].(map[string]any)["username"] != "system:serviceaccount:ns:sa" || st["user"].(map[string]any)["uid"] != k.UID("ns", "sa") {
		t.Fatalf("%d %v", code, st)
	}
	if _, st := review(t, k, jwt, jwt, "other"); st["authenticated"] == true || st["error"] == nil {
		t.Fatalf("wrong audience accepted: %v", st)
	}
	if code, _ := review(t, k, "stranger", jwt); code != http.StatusUnauthorized {
		t.Fatalf("unknown bearer: %d", code)
	}
	k.Revoke(jwt)
	if code, _ := review(t, k, jwt, jwt, "vault"); code != http.StatusUnauthorized {
		t.Fatalf("revoked bearer: %d", code)
	}
	k.ReviewerJWT = "rev"
	if _, st := review(t, k, "rev", jwt, "vault"); st["authenticated"] == true {
		t.Fatalf("revoked token accepted: %v", st)
	}
	if n := len(k.Reviews()); n != 3 {
		t.Fatalf("%d reviews recorded", n)
	}
	if k.Token("ns", "sa") == k.Token("ns", "sa") {
		t.Fatal("tokens repeat")
	}
}

// TestKubernetesLoginReadme is the README's Kubernetes login: the official
// api/auth/kubernetes helper against the mock and the fake cluster.
func TestKubernetesLoginReadme(t *testing.T) {
	v := testhelpers.RunT(t)
	k8s := testhelpers.NewKubernetes(t)
	v.Server.Write("sys/auth/kubernetes", map[string]any{"type": "kubernetes"})
	v.Server.Write("auth/kubernetes/config", map[string]any{"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true})
	v.Server.Write("auth/kubernetes/role/app", map[string]any{
		"bound_service_account_names": "app", "bound_service_account_namespaces": "prod",
		"audience": "vault", "token_policies": "app",
	})
	auth, _ := kubeauth.NewKubernetesAuth("app", kubeauth.WithServiceAccountToken(k8s.Token("prod", "app", "vault")))
	sec, err := v.AppClient("").Auth().Login(context.Background(), auth)
	if err != nil {
		t.Fatal(err)
	}
	if sec.Auth.Metadata["service_account_namespace"] != "prod" {
		t.Fatalf("%+v", sec.Auth)
	}
}

func TestCAIssueChainAndCRL(t *testing.T) {
	ca := testhelpers.NewCA(t)
	inter := ca.Issue(t, testhelpers.CertOptions{CommonName: "intermediate", IsCA: true})
	leaf := inter.AsCA().Issue(t, testhelpers.CertOptions{CommonName: "leaf", URIs: []string{"spiffe://x/y"}})
	if len(leaf.TLS.Certificate) != 2 {
		t.Fatalf("chain of %d", len(leaf.TLS.Certificate))
	}
	roots, inters := x509.NewCertPool(), x509.NewCertPool()
	roots.AddCert(ca.Cert)
	inters.AddCert(inter.Cert)
	if _, err := leaf.Cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inters,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(ca.Revoke(t, leaf))
	crl, err := x509.ParseRevocationList(block.Bytes)
	if err != nil || crl.CheckSignatureFrom(ca.Cert) != nil || crl.RevokedCertificateEntries[0].SerialNumber.Cmp(leaf.Cert.SerialNumber) != 0 {
		t.Fatalf("crl %v %+v", err, crl)
	}
}

// TestCertLoginReadme is the README's certificate login through an
// intermediate CA, over testhelpers.StartTLS.
func TestCertLoginReadme(t *testing.T) {
	v := testhelpers.RunT(t)
	ca := testhelpers.NewCA(t)
	v.Server.Write("sys/auth/cert", map[string]any{"type": "cert"})
	v.Server.Write("auth/cert/certs/app", map[string]any{"certificate": ca.PEM, "token_policies": "app"})
	inter := ca.Issue(t, testhelpers.CertOptions{CommonName: "intermediate", IsCA: true})
	cc := inter.AsCA().Issue(t, testhelpers.CertOptions{CommonName: "app.example.com"})
	srv := testhelpers.StartTLS(t, v.Server)
	client := cc.APIClient(t, srv)
	sec, err := client.Logical().Write("auth/cert/login", map[string]any{"name": "app"})
	if err != nil {
		t.Fatal(err)
	}
	if sec.Auth.Metadata["common_name"] != "app.example.com" {
		t.Fatalf("%+v", sec.Auth)
	}
}

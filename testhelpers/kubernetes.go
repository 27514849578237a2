package testhelpers

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Kubernetes is a fake Kubernetes API server on httptest for the
// Kubernetes auth method: its TokenReview API says which service-account
// JWTs are valid, as a cluster's does, and it serves the namespaces'
// labels (bound_service_account_namespace_selector) and the service
// accounts' annotations (use_annotations_as_alias_metadata).
//
//	k8s := testhelpers.NewKubernetes(t)
//	jwt := k8s.Token("default", "app", "vault") // namespace, service account, audiences
//	v.Server.Write("auth/kubernetes/config", map[string]any{
//		"kubernetes_host": k8s.URL, "disable_local_ca_jwt": true,
//	})
//
// Tokens are RS256 JWTs shaped like projected service-account tokens and
// signed by the fake's key (PublicKeyPEM, for the method's pem_keys).
type Kubernetes struct {
	// URL is the API server's address, for kubernetes_host.
	URL string
	// ReviewerJWT, when set, is the only bearer token the TokenReview API
	// accepts (token_reviewer_jwt); when empty, any valid service-account
	// token may review (Vault then sends the JWT being reviewed).
	ReviewerJWT string
	// Issuer is the tokens' iss claim.
	Issuer string

	key *rsa.PrivateKey
	srv *httptest.Server

	mu          sync.Mutex
	tokens      map[string]*kubeToken
	labels      map[string]map[string]string
	annotations map[string]map[string]string
	reviews     []TokenReview
	now         func() time.Time
}

// TokenReview is one call Vault made to the fake's TokenReview API.
type TokenReview struct {
	// Bearer is the Authorization bearer token Vault sent.
	Bearer string
	// Token and Audiences are the review's spec.
	Token     string
	Audiences []string
	// Authenticated is the fake's verdict.
	Authenticated bool
}

type kubeToken struct {
	namespace, name, uid string
	audiences            []string
	revoked              bool
}

// NewKubernetes starts the fake API server (plain HTTP); it stops when the
// test ends.
func NewKubernetes(t Tester) *Kubernetes {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("testhelpers: %v", err)
	}
	k := &Kubernetes{
		Issuer: "https://kubernetes.default.svc.cluster.local", key: key,
		tokens: map[string]*kubeToken{}, labels: map[string]map[string]string{},
		annotations: map[string]map[string]string{}, now: time.Now,
	}
	k.srv = httptest.NewServer(http.HandlerFunc(k.serve))
	k.URL = k.srv.URL
	t.Cleanup(k.srv.Close)
	return k
}

// PublicKeyPEM is the PEM of the key the fake signs tokens with.
func (k *Kubernetes) PublicKeyPEM() string {
	der, _ := x509.MarshalPKIXPublicKey(&k.key.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// Token mints a service-account JWT for namespace/name, valid for the
// audiences (none: the API server's own, the issuer) and an hour from
// now. The same service account always has the same UID.
func (k *Kubernetes) Token(namespace, name string, audiences ...string) string {
	if len(audiences) == 0 {
		audiences = []string{k.Issuer}
	}
	uid := k.UID(namespace, name)
	now := k.now()
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	claims := map[string]any{
		"jti": fmt.Sprintf("%x", jti), // every token differs, as a cluster's do
		"iss": k.Issuer, "aud": audiences, "sub": "system:serviceaccount:" + namespace + ":" + name,
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"kubernetes.io": map[string]any{
			"namespace":      namespace,
			"serviceaccount": map[string]any{"name": name, "uid": uid},
		},
	}
	jwt := k.SignJWT(claims)
	k.mu.Lock()
	k.tokens[jwt] = &kubeToken{namespace: namespace, name: name, uid: uid, audiences: audiences}
	k.mu.Unlock()
	return jwt
}

// SignJWT signs any claims with the fake's key (RS256), for tokens the
// TokenReview API does not know (expired, wrong issuer…).
func (k *Kubernetes) SignJWT(claims map[string]any) string {
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signed := enc(map[string]string{"alg": "RS256", "kid": "fake"}) + "." + enc(claims)
	sum := sha256.Sum256([]byte(signed))
	sig, _ := rsa.SignPKCS1v15(rand.Reader, k.key, crypto.SHA256, sum[:])
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// UID is the UID of the service account namespace/name (stable, made up).
func (k *Kubernetes) UID(namespace, name string) string {
	sum := sha256.Sum256([]byte(namespace + "/" + name))
	h := fmt.Sprintf("%x", sum[:16])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Revoke makes the TokenReview API refuse jwt from now on (a deleted
// service account or pod).
func (k *Kubernetes) Revoke(jwt string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t := k.tokens[jwt]; t != nil {
		t.revoked = true
	}
}

// SetNamespaceLabels sets the labels of a namespace.
func (k *Kubernetes) SetNamespaceLabels(namespace string, labels map[string]string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.labels[namespace] = labels
}

// SetAnnotations sets the annotations of a service account.
func (k *Kubernetes) SetAnnotations(namespace, name string, annotations map[string]string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.annotations[namespace+"/"+name] = annotations
}

// Reviews returns the TokenReview calls received so far.
func (k *Kubernetes) Reviews() []TokenReview {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]TokenReview(nil), k.reviews...)
}

// kubeStatus writes a Kubernetes Status error.
func kubeStatus(w http.ResponseWriter, code int, reason, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "message": msg, "reason": reason, "code": code,
	})
}

// authorized says whether the request's bearer may call the API.
func (k *Kubernetes) authorized(r *http.Request) (string, bool) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", false
	}
	if k.ReviewerJWT != "" {
		return bearer, bearer == k.ReviewerJWT
	}
	t := k.tokens[bearer]
	return bearer, t != nil && !t.revoked
}

func (k *Kubernetes) serve(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	bearer, ok := k.authorized(r)
	if !ok {
		kubeStatus(w, http.StatusUnauthorized, "Unauthorized", "Unauthorized")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/apis/authentication.k8s.io/v1/tokenreviews":
		k.serveReview(w, r, bearer)
	case r.Method == http.MethodGet && len(parts) == 4 && parts[0] == "api" && parts[2] == "namespaces":
		labels, ok := k.labels[parts[3]]
		if !ok {
			kubeStatus(w, http.StatusNotFound, "NotFound", fmt.Sprintf("namespaces %q not found", parts[3]))
			return
		}
		writeJSON(w, map[string]any{"kind": "Namespace", "apiVersion": "v1",
			"metadata": map[string]any{"name": parts[3], "labels": labels}})
	case r.Method == http.MethodGet && len(parts) == 6 && parts[0] == "api" && parts[4] == "serviceaccounts":
		writeJSON(w, map[string]any{"kind": "ServiceAccount", "apiVersion": "v1",
			"metadata": map[string]any{"name": parts[5], "namespace": parts[3], "uid": k.UID(parts[3], parts[5]),
				"annotations": k.annotations[parts[3]+"/"+parts[5]]}})
	default:
		kubeStatus(w, http.StatusNotFound, "NotFound", "the server could not find the requested resource")
	}
}

func (k *Kubernetes) serveReview(w http.ResponseWriter, r *http.Request, bearer string) {
	var in struct {
		Spec struct {
			Token     string   `json:"token"`
			Audiences []string `json:"audiences"`
		} `json:"spec"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		kubeStatus(w, http.StatusBadRequest, "BadRequest", err.Error())
		return
	}
	status := map[string]any{"user": map[string]any{}}
	t := k.tokens[in.Spec.Token]
	auds := in.Spec.Audiences
	if len(auds) == 0 {
		auds = []string{k.Issuer}
	}
	var granted []string
	if t != nil {
		for _, a := range auds {
			for _, ta := range t.audiences {
				if a == ta {
					granted = append(granted, a)
				}
			}
		}
	}
	switch {
	case t == nil || t.revoked:
		status["error"] = "[invalid bearer token, service account token has been invalidated]"
	case len(granted) == 0:
		status["error"] = "[invalid bearer token, token audiences " + fmt.Sprint(t.audiences) + " is invalid for the target audiences " + fmt.Sprint(auds) + "]"
	default:
		status = map[string]any{
			"authenticated": true, "audiences": granted,
			"user": map[string]any{
				"username": "system:serviceaccount:" + t.namespace + ":" + t.name, "uid": t.uid,
				"groups": []string{"system:serviceaccounts", "system:serviceaccounts:" + t.namespace, "system:authenticated"},
			},
		}
	}
	k.reviews = append(k.reviews, TokenReview{Bearer: bearer, Token: in.Spec.Token, Audiences: in.Spec.Audiences,
		Authenticated: status["authenticated"] == true})
	writeJSON(w, map[string]any{"kind": "TokenReview", "apiVersion": "authentication.k8s.io/v1",
		"metadata": map[string]any{"creationTimestamp": nil}, "spec": in.Spec, "status": status})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

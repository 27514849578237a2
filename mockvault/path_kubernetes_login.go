package mockvault

import (
	"bytes"
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// kubeReviewTimeout bounds each call to the cluster (Vault's own bound is
// its 90s maximum request duration).
const kubeReviewTimeout = 90 * time.Second

// login is the plugin's pathLogin.
func (b *kubeBackend) login(req *request, d *fieldData) (*response, error) {
	roleName, jwt := d.str("role"), d.str("jwt")
	if roleName == "" {
		return nil, badRequest("missing role")
	}
	if jwt == "" {
		return nil, badRequest("missing jwt")
	}
	role := b.roles[strings.ToLower(roleName)]
	if role == nil {
		return nil, badRequest("invalid role name %q", roleName)
	}
	role = role.clone()
	if len(role.TokenBoundCIDRs) > 0 {
		if ok, _ := ipInCIDRs(req.remoteAddr, role.TokenBoundCIDRs); !ok {
			return nil, errPermissionDenied
		}
	}
	cfg, err := b.loadConfig()
	if err != nil {
		return nil, errCode(http.StatusInternalServerError, "%s", err.Error())
	}
	var keys []crypto.PublicKey
	for _, k := range cfg.PEMKeys {
		pk, err := kubePublicKeyPEM([]byte(k))
		if err != nil {
			return nil, errCode(http.StatusInternalServerError, "%s", err.Error())
		}
		keys = append(keys, pk)
	}
	claims, err := parseKubeJWT(jwt, keys)
	if err != nil {
		return nil, errPermissionDenied
	}
	issuer := ""
	if !cfg.DisableISSValidation {
		// The plugin's default issuer is never checked (it sets it on the
		// config, not on what it expects).
		issuer = cfg.Issuer
	}
	if err := validateKubeClaims(claims, issuer, role.Audience, req.now); err != nil {
		return nil, errCode(http.StatusForbidden, "%s", err.Error())
	}
	sa, err := serviceAccountOf(claims)
	if err != nil {
		return nil, errCode(http.StatusInternalServerError, "%s", err.Error())
	}
	if len(role.SANames) > 1 || role.SANames[0] != "*" {
		if !containsGlob(role.SANames, sa.Name) {
			return nil, errCode(http.StatusForbidden, "service account name not authorized")
		}
	}
	// From here on the cluster is asked: the server lock is released
	// meanwhile, so a slow API server holds up this login alone.
	cl := &kubeClient{cfg: cfg}
	allowed := len(role.SANamespaces) > 0 && (role.SANamespaces[0] == "*" || containsGlob(role.SANamespaces, sa.Namespace))
	var nsErr error
	if !allowed && role.NamespaceSelector != "" {
		req.srv.withoutLock(func() { allowed, nsErr = cl.namespaceMatches(req, sa.Namespace, role.NamespaceSelector) })
	}
	if !allowed {
		msg := "namespace not authorized"
		if nsErr != nil {
			msg = fmt.Sprintf("%s err=%s", msg, nsErr)
		}
		return nil, errCode(http.StatusForbidden, "%s", msg)
	}
	aliasName := sa.UID
	switch role.AliasNameSource {
	case kubeAliasSAName:
		if sa.Namespace == "" || sa.Name == "" {
			return nil, errCode(http.StatusInternalServerError, "service account namespace and name must be set")
		}
		aliasName = sa.Namespace + "/" + sa.Name
	default:
		if sa.UID == "" {
			return nil, errCode(http.StatusInternalServerError, "could not parse UID from claims")
		}
	}
	wantAud := sa.Audience
	if role.Audience != "" {
		wantAud = []string{role.Audience}
	}
	var reviewErr, annErr error
	annotations := map[string]string{}
	req.srv.withoutLock(func() {
		reviewErr = cl.review(req, jwt, wantAud, sa)
		if reviewErr == nil && cfg.UseAnnotationsAsAlias {
			annotations, annErr = cl.annotations(req, jwt, sa)
		}
	})
	if reviewErr != nil {
		return nil, errPermissionDenied
	}
	if annErr != nil {
		var ve *vaultError
		if errors.As(annErr, &ve) {
			return nil, annErr
		}
		return nil, errCode(http.StatusInternalServerError, "%s", annErr.Error())
	}
	if err := req.srv.stillMounted(req); err != nil {
		return nil, err
	}
	meta := map[string]string{
		"service_account_uid": sa.UID, "service_account_name": sa.Name,
		"service_account_namespace": sa.Namespace, "service_account_secret_name": sa.SecretName,
	}
	aliasMeta := annotations
	for k, v := range meta {
		aliasMeta[k] = v
	}
	meta["role"] = roleName
	resp, err := req.srv.issueLoginToken(req, role.tokenParams.loginAuth(&loginAuth{
		Metadata: meta, DisplayName: sa.Namespace + "-" + sa.Name,
		Alias: &loginAlias{Name: aliasName, Metadata: aliasMeta},
	}))
	return finishLogin(resp, d), err
}

// kubeRenewParams is the plugin's AuthRenew: the role's current token_ttl,
// token_max_ttl and token_period; a renewal fails once the role is gone.
func kubeRenewParams(s *Server, _ *request, m *mount, te *tokenEntry) (ttl, maxTTL, period time.Duration, err error) {
	name := te.Meta["role"]
	r := s.stateOf(m).(*kubeBackend).roles[strings.ToLower(name)]
	if r == nil {
		return 0, 0, 0, multiErr(http.StatusInternalServerError, "failed to renew entry: role %s does not exist during renewal", name)
	}
	return r.TokenTTL, r.TokenMaxTTL, r.TokenPeriod, nil
}

// kubeClient calls the cluster's API as the plugin does.
type kubeClient struct {
	cfg *kubeConfig
}

func (c *kubeClient) do(req *request, method, path string, body []byte, bearer string) (*http.Response, []byte, error) {
	ctx := context.Background()
	if req.http != nil {
		ctx = req.http.Context()
	}
	ctx, cancel := context.WithTimeout(ctx, kubeReviewTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.cfg.Host, "/")+path, rd)
	if err != nil {
		return nil, nil, err
	}
	hr.Header.Set("Authorization", strings.TrimSpace("Bearer "+bearer))
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json")
	client := &http.Client{Transport: req.srv.kubeTransports.get(c.cfg.CACert)}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	return resp, b, err
}

// kubeTransports keeps one keep-alive transport per cluster CA, as the
// plugin keeps one pooled client: a login does not pay a new connection
// (and TLS handshake) to the TokenReview API. Its own lock, because logins
// call the cluster without the server's. Bounded: past kubeTransportsMax
// CAs it starts over.
type kubeTransports struct {
	mu sync.Mutex
	m  map[string]*http.Transport
}

const kubeTransportsMax = 16

func (k *kubeTransports) get(caPEM string) *http.Transport {
	k.mu.Lock()
	defer k.mu.Unlock()
	if t := k.m[caPEM]; t != nil {
		return t
	}
	if k.m == nil || len(k.m) >= kubeTransportsMax {
		k.closeLocked()
		k.m = map[string]*http.Transport{}
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if caPEM != "" {
		// A CA without certificates leaves an empty pool: TLS fails, as
		// the plugin warns it will.
		tlsConf.RootCAs = x509.NewCertPool()
		tlsConf.RootCAs.AppendCertsFromPEM([]byte(caPEM))
	}
	t := &http.Transport{TLSClientConfig: tlsConf, Proxy: http.ProxyFromEnvironment, MaxIdleConnsPerHost: 16, IdleConnTimeout: 90 * time.Second}
	k.m[caPEM] = t
	return t
}

// close drops the idle connections (Server.Close).
func (k *kubeTransports) close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.closeLocked()
}

func (k *kubeTransports) closeLocked() {
	for _, t := range k.m {
		t.CloseIdleConnections()
	}
	k.m = nil
}

// reviewerBearer is token_reviewer_jwt, else the JWT being reviewed.
func (c *kubeClient) reviewerBearer(jwt string) string {
	if c.cfg.TokenReviewerJWT != "" {
		return c.cfg.TokenReviewerJWT
	}
	return jwt
}

// review is tokenReviewAPI.Review followed by serviceAccount.lookup: the
// TokenReview must authenticate the JWT for one of the audiences, as
// system:serviceaccount:<namespace>:<name> with the claims' UID.
func (c *kubeClient) review(req *request, jwt string, aud []string, sa *kubeServiceAccount) error {
	spec := map[string]any{"token": jwt}
	if len(aud) > 0 {
		spec["audiences"] = aud
	}
	// The body of the plugin's authv1.TokenReview, empty fields included.
	body, _ := json.Marshal(map[string]any{
		"metadata": map[string]any{"creationTimestamp": nil}, "spec": spec, "status": map[string]any{"user": map[string]any{}},
	})
	resp, b, err := c.do(req, http.MethodPost, "/apis/authentication.k8s.io/v1/tokenreviews", body, c.reviewerBearer(jwt))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 206 {
		return fmt.Errorf("lookup failed: status %d", resp.StatusCode)
	}
	// The plugin first reads the body as a metav1.Status: one whose
	// "status" is not an object must say Success.
	var st struct {
		Status json.RawMessage `json:"status"`
	}
	if json.Unmarshal(b, &st) == nil && !bytes.HasPrefix(bytes.TrimSpace(st.Status), []byte("{")) && string(st.Status) != `"Success"` {
		return errors.New("lookup failed: status is not a TokenReview")
	}
	var tr struct {
		Status struct {
			Authenticated bool     `json:"authenticated"`
			Error         string   `json:"error"`
			Audiences     []string `json:"audiences"`
			User          struct {
				Username string `json:"username"`
				UID      string `json:"uid"`
			} `json:"user"`
		} `json:"status"`
	}
	if err := json.Unmarshal(b, &tr); err != nil {
		return err
	}
	switch {
	case tr.Status.Error != "":
		return fmt.Errorf("lookup failed: %s", tr.Status.Error)
	case !tr.Status.Authenticated:
		return errors.New("lookup failed: service account jwt not valid")
	}
	if len(aud) > 0 {
		found := false
		for _, a := range aud {
			found = found || contains(tr.Status.Audiences, a)
		}
		if !found {
			return errors.New("lookup failed: audience")
		}
	}
	parts := strings.Split(tr.Status.User.Username, ":")
	if len(parts) != 4 || parts[0] != "system" || parts[1] != "serviceaccount" {
		return errors.New("lookup failed: unexpected username")
	}
	if parts[3] != sa.Name || tr.Status.User.UID != sa.UID || parts[2] != sa.Namespace {
		return errors.New("JWT did not match the review")
	}
	return nil
}

// namespaceMatches reads the namespace's labels (with token_reviewer_jwt,
// required here) and matches them against the role's selector.
func (c *kubeClient) namespaceMatches(req *request, ns, selector string) (bool, error) {
	sel, err := parseNamespaceSelector(selector)
	if err != nil {
		return false, err
	}
	if c.cfg.TokenReviewerJWT == "" {
		return false, errors.New("namespace lookup failed: TokenReviewer JWT needs to be configured to use namespace selectors")
	}
	var obj struct {
		Metadata struct {
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
	}
	if err := c.getObject(req, "/api/v1/namespaces/"+ns, c.cfg.TokenReviewerJWT, "namespace", &obj); err != nil {
		return false, err
	}
	return sel.matches(obj.Metadata.Labels), nil
}

// kubeAliasMetadataPrefix marks service-account annotations that become
// alias metadata (use_annotations_as_alias_metadata).
const kubeAliasMetadataPrefix = "vault.hashicorp.com/alias-metadata-"

// annotations reads the service account's alias-metadata annotations.
func (c *kubeClient) annotations(req *request, jwt string, sa *kubeServiceAccount) (map[string]string, error) {
	var obj struct {
		Metadata struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := c.getObject(req, "/api/v1/namespaces/"+sa.Namespace+"/serviceaccounts/"+sa.Name, c.reviewerBearer(jwt), "service account", &obj); err != nil {
		return nil, err
	}
	out := map[string]string{}
	var reserved []string
	for k, v := range obj.Metadata.Annotations {
		if key, ok := strings.CutPrefix(k, kubeAliasMetadataPrefix); ok {
			switch key {
			case "service_account_uid", "service_account_name", "service_account_namespace", "service_account_secret_name":
				reserved = append(reserved, key)
			default:
				out[key] = v
			}
		}
	}
	if len(reserved) > 0 {
		sort.Strings(reserved)
		return nil, badRequest("entity alias metadata keys for only internal use found from the client token's associated service account annotations: keys=%+q", reserved)
	}
	return out, nil
}

// getObject GETs a Kubernetes object; a non-200 answer is an error naming
// what was asked for.
func (c *kubeClient) getObject(req *request, path, bearer, what string, into any) error {
	resp, b, err := c.do(req, http.MethodGet, path, nil, bearer)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var st struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(b, &st); err != nil {
			return fmt.Errorf("failed to parse error status on %s retrieval failure err=%s", what, err)
		}
		if st.Status != "Success" {
			return fmt.Errorf("failed to get %s (code %d status %s)", what, resp.StatusCode, st.Message)
		}
	}
	return json.Unmarshal(b, into)
}

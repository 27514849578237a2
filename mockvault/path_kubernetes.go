package mockvault

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
)

// Kubernetes auth method (vault-plugin-auth-kubernetes v0.23.1, the version
// Vault 1.21.1 pins).
//
// Each mount has its own config and roles (a *kubeBackend). Login reads the
// service-account JWT's claims, checks them against the role and asks the
// configured cluster's TokenReview API whether the JWT is valid, exactly as
// the plugin does (path_kubernetes_login.go).
type kubeBackend struct {
	config *kubeConfig
	roles  map[string]*kubeRole // by lower-cased name
}

// kubeConfig is the mount's config (the plugin's kubeConfig).
type kubeConfig struct {
	Host                  string
	CACert                string
	TokenReviewerJWT      string
	PEMKeys               []string
	Issuer                string
	DisableISSValidation  bool
	DisableLocalCAJwt     bool
	UseAnnotationsAsAlias bool
}

func (b *kubeBackend) cloneState() engineState {
	out := &kubeBackend{roles: make(map[string]*kubeRole, len(b.roles))}
	if b.config != nil {
		c := *b.config
		c.PEMKeys = cloneStrings(c.PEMKeys)
		out.config = &c
	}
	for k, r := range b.roles {
		out.roles[k] = r.clone()
	}
	return out
}

// kubeHandler serves one endpoint with the state of the request's mount.
type kubeHandler func(b *kubeBackend, req *request, d *fieldData) (*response, error)

// The plugin's local files: read when disable_local_ca_jwt is false, as
// Vault running in a pod does (absent elsewhere, which is an error for the
// CA).
var (
	kubeLocalCACertPath = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"
	kubeLocalJWTPath    = "/var/run/secrets/kubernetes.io/serviceaccount/token"
)

// kubernetesEngine is the Kubernetes auth method.
func kubernetesEngine() *engine {
	return &engine{
		typ: "kubernetes", auth: true, routes: kubeRouter, renew: kubeRenewParams,
		state: func(*Server) engineState { return &kubeBackend{roles: map[string]*kubeRole{}} },
	}
}

// nameRe is Vault's framework.GenericNameRegex("name").
const nameRe = `{name:\w(?:(?:[\w-.]+)?\w)?}`

func kubeRouter(s *Server, _ *mount) *backend {
	h := func(fn kubeHandler) handlerFunc {
		return func(req *request, d *fieldData) (*response, error) {
			return fn(req.state.(*kubeBackend), req, d)
		}
	}
	return newBackend([]*path{
		{pattern: "config", fields: kubeConfigFields, defaults: map[string]any{"disable_iss_validation": true},
			ops: map[op]handlerFunc{opRead: h((*kubeBackend).configRead), opUpdate: h((*kubeBackend).configWrite)}},
		{pattern: "login", unauthenticated: true, fields: fields{"role": tString, "jwt": tString},
			ops: loginOps(h((*kubeBackend).login))},
		{pattern: "role/", ops: map[op]handlerFunc{opList: h((*kubeBackend).roleList)}},
		{pattern: "role/" + nameRe, fields: kubeRoleFields, defaults: map[string]any{"alias_name_source": kubeAliasSAUID},
			exists: func(req *request, d *fieldData) (bool, error) {
				return req.state.(*kubeBackend).roles[strings.ToLower(d.str("name"))] != nil, nil
			},
			ops: map[op]handlerFunc{opRead: h((*kubeBackend).roleRead), opCreate: h((*kubeBackend).roleWrite),
				opUpdate: h((*kubeBackend).roleWrite), opDelete: h((*kubeBackend).roleDelete)}},
	})
}

var kubeConfigFields = fields{
	"kubernetes_host": tString, "kubernetes_ca_cert": tString, "token_reviewer_jwt": tString,
	"pem_keys": tCommaSlice, "issuer": tString, "disable_iss_validation": tBool,
	"disable_local_ca_jwt": tBool, "use_annotations_as_alias_metadata": tBool,
}

// configWrite replaces the whole config (pathConfigWrite): a field not
// sent takes its default.
func (b *kubeBackend) configWrite(req *request, d *fieldData) (*response, error) {
	c := &kubeConfig{
		Host: d.str("kubernetes_host"), CACert: d.str("kubernetes_ca_cert"),
		TokenReviewerJWT: d.str("token_reviewer_jwt"), PEMKeys: d.strings("pem_keys"),
		Issuer: d.str("issuer"), DisableISSValidation: d.boolean("disable_iss_validation", true),
		DisableLocalCAJwt:     d.boolean("disable_local_ca_jwt", false),
		UseAnnotationsAsAlias: d.boolean("use_annotations_as_alias_metadata", false),
	}
	if c.Host == "" {
		return nil, badRequest("no host provided")
	}
	if c.PEMKeys == nil {
		c.PEMKeys = []string{}
	}
	if c.CACert != "" {
		if b, _ := pem.Decode([]byte(c.CACert)); b == nil {
			return nil, badRequest("The provided CA PEM data contains no valid certificates")
		}
	}
	for _, k := range c.PEMKeys {
		if _, err := kubePublicKeyPEM([]byte(k)); err != nil {
			return nil, badRequest("%s", err.Error())
		}
	}
	// updateTLSConfig: without a CA of its own, the plugin reads the pod's.
	if c.CACert == "" && !c.DisableLocalCAJwt {
		if _, err := os.ReadFile(kubeLocalCACertPath); err != nil {
			return nil, badRequest("%s", err.Error())
		}
	}
	b.config = c
	return nil, nil
}

func (b *kubeBackend) configRead(req *request, d *fieldData) (*response, error) {
	c := b.config
	if c == nil {
		return nil, nil
	}
	return dataResp(map[string]any{
		"kubernetes_host":                   c.Host,
		"kubernetes_ca_cert":                c.CACert,
		"pem_keys":                          c.PEMKeys,
		"issuer":                            c.Issuer,
		"disable_iss_validation":            c.DisableISSValidation,
		"disable_local_ca_jwt":              c.DisableLocalCAJwt,
		"token_reviewer_jwt_set":            c.TokenReviewerJWT != "",
		"use_annotations_as_alias_metadata": c.UseAnnotationsAsAlias,
	}), nil
}

// loadConfig is the plugin's loadConfig: the stored config, completed
// from the pod's files unless disable_local_ca_jwt.
func (b *kubeBackend) loadConfig() (*kubeConfig, error) {
	if b.config == nil {
		return nil, errors.New("could not load backend configuration")
	}
	c := *b.config
	if c.DisableLocalCAJwt {
		return &c, nil
	}
	if c.TokenReviewerJWT == "" {
		if jwt, err := os.ReadFile(kubeLocalJWTPath); err == nil {
			c.TokenReviewerJWT = string(jwt)
		}
	}
	if c.CACert == "" {
		ca, err := os.ReadFile(kubeLocalCACertPath)
		if err != nil {
			return nil, err
		}
		c.CACert = string(ca)
	}
	return &c, nil
}

// kubePublicKeyPEM is the Kubernetes plugin's parsePublicKeyPEM: an RSA
// or ECDSA public key, or a certificate's (narrower than Vault's
// certutil one, parsePublicKeyPEM, and worded differently).
func kubePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		raw, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			cert, cerr := x509.ParseCertificate(block.Bytes)
			if cerr != nil {
				return nil, cerr
			}
			raw = cert.PublicKey
		}
		switch k := raw.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey:
			return k, nil
		}
	}
	return nil, errors.New("data does not contain any valid RSA or ECDSA public keys")
}

func (b *kubeBackend) roleList(req *request, d *fieldData) (*response, error) {
	return listResp(sortedKeys(b.roles)), nil
}

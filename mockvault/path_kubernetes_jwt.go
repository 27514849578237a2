package mockvault

import (
	"crypto"
	"errors"
	"fmt"
	"slices"
	"time"
)

// The JWT checks of the Kubernetes method (hashicorp/cap's jwt.Validator
// with ValidateAllowMissingIatNbfExp, as the plugin calls it). Signatures
// are checked only when pem_keys are configured; otherwise the cluster's
// TokenReview API is the judge, as in Vault.

// kubeJWTAlgs are the algorithms the plugin accepts.
var kubeJWTAlgs = map[string]bool{
	"RS256": true, "RS384": true, "RS512": true, "ES256": true, "ES384": true,
	"ES512": true, "PS256": true, "PS384": true, "PS512": true,
}

// errJWTSignature is any failure to parse or verify the token: the
// plugin answers all of them with a bare "permission denied".
var errJWTSignature = errors.New("error verifying token signature")

// parseKubeJWT parses a compact JWS (parseJWS); with keys it verifies the
// signature against any of them. It returns the claims.
func parseKubeJWT(token string, keys []crypto.PublicKey) (map[string]any, error) {
	j, err := parseJWS(token)
	if err != nil || !kubeJWTAlgs[j.alg] || len(j.signature) == 0 {
		return nil, errJWTSignature
	}
	claims, err := j.claims()
	if err != nil {
		return nil, errJWTSignature
	}
	if len(keys) > 0 && !slices.ContainsFunc(keys, j.verify) {
		return nil, errJWTSignature
	}
	return claims, nil
}

// Leeways of cap's validator when none is configured.
const (
	jwtClockSkewLeeway = time.Minute       // go-jose's jwt.DefaultLeeway
	jwtDefaultLeeway   = 150 * time.Second // cap's DefaultLeewaySeconds
)

// validateKubeClaims checks issuer, audience and the time claims on the
// server clock, with cap's texts. A missing iat, nbf and exp is allowed.
func validateKubeClaims(claims map[string]any, issuer, audience string, now time.Time) error {
	// cap reads the registered claims first: an aud that is neither a
	// string nor a list of strings (null included) fails go-jose there.
	if aud, ok := claims["aud"]; ok {
		if list, isList := aud.([]any); (!isList && !isString(aud)) || len(claimStrings(list)) != len(list) {
			return errors.New("go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience")
		}
	}
	if issuer != "" {
		if iss, _ := claims["iss"].(string); iss != issuer {
			return errors.New("invalid issuer (iss) claim")
		}
	}
	if audience != "" {
		if !contains(claimStrings(claims["aud"]), audience) {
			return errors.New("invalid audience (aud) claim: audience claim does not match any expected audience")
		}
	}
	num := func(k string) int64 {
		f, _ := claims[k].(float64)
		return int64(f)
	}
	iat, exp, nbf := num("iat"), num("exp"), num("nbf")
	if iat == 0 && exp == 0 && nbf == 0 {
		return nil
	}
	if exp == 0 {
		exp = max(iat, nbf) + int64(jwtDefaultLeeway/time.Second)
	}
	if nbf == 0 {
		nbf = iat
		if iat == 0 {
			nbf = exp - int64(jwtDefaultLeeway/time.Second)
		}
	}
	switch {
	case now.Add(jwtClockSkewLeeway).Before(time.Unix(nbf, 0)):
		return errors.New("invalid not before (nbf) claim: token not yet valid")
	case now.Add(-jwtClockSkewLeeway).After(time.Unix(exp, 0)):
		return errors.New("invalid expiration time (exp) claim: token is expired")
	case now.Add(jwtClockSkewLeeway).Before(time.Unix(iat, 0)):
		return errors.New("invalid issued at (iat) claim: token issued in the future")
	}
	return nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

// claimStrings reads a string-or-list claim (aud).
func claimStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// kubeServiceAccount is what the plugin reads from the claims: the legacy
// secret-token claims, or the projected token's "kubernetes.io" object.
type kubeServiceAccount struct {
	Name, UID, SecretName, Namespace string
	Audience                         []string
}

// serviceAccountOf decodes the claims as the plugin's mapstructure.Decode
// does; a string "aud" fails there, as it does in Vault.
func serviceAccountOf(claims map[string]any) (*kubeServiceAccount, error) {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	sa := &kubeServiceAccount{
		Name:       str(claims, "kubernetes.io/serviceaccount/service-account.name"),
		UID:        str(claims, "kubernetes.io/serviceaccount/service-account.uid"),
		SecretName: str(claims, "kubernetes.io/serviceaccount/secret.name"),
		Namespace:  str(claims, "kubernetes.io/serviceaccount/namespace"),
	}
	switch aud := claims["aud"].(type) {
	case nil:
	case []any:
		sa.Audience = claimStrings(aud)
	default:
		return nil, fmt.Errorf("1 error(s) decoding:\n\n* 'aud': source data must be an array or slice, got %T", aud)
	}
	if k8s, ok := claims["kubernetes.io"].(map[string]any); ok {
		sa.Namespace = str(k8s, "namespace")
		if acct, ok := k8s["serviceaccount"].(map[string]any); ok {
			sa.Name, sa.UID = str(acct, "name"), str(acct, "uid")
		}
	}
	return sa, nil
}

package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// Identity tokens (identity/oidc/): the issuer config, named keys of every
// algorithm and their rotation, roles and their templates, signed tokens,
// introspection and the unauthenticated discovery documents.
//
// Key material and signatures differ between servers, so a token is
// compared by what it says: oidcJWT replaces it by its decoded header and
// claims (the key id and times masked by shape, exp-iat kept as
// lifetime_ttl), the subject is the caller's saved entity id, the audience
// the role's saved client id; introspection then checks that the server
// verifies its own signature. (A Go test in the library checks the
// signatures with go-jose and the JWKS.) Scenarios set the issuer to
// oidcIssuer, so iss compares exactly; the default issuer is the server's
// own address, which differs, and is masked where it appears. Template
// directives are written "{{ identity.entity.id }}": without the spaces
// the runner would take them for its own variables.

const oidcIssuer = "https://oidc.example:8200"

// oidcJWT decodes the identity token of a step's answer (data.token) into
// data.jwt {header, claims, lifetime_ttl} for the comparison. It is done
// as a Settle that holds at once, the hook the runner gives to look at an
// answer: the token is saved (as jwt) before it is replaced, and a
// recording holds the decoded form, which is left as is on replay.
func oidcJWT(st Step) Step {
	st = st.Save("jwt", "data.token").Mask("data.jwt.header.kid", "data.jwt.claims.exp", "data.jwt.claims.iat")
	return st.Settle("the identity token, decoded for comparison", func(ex Exchange) bool {
		body, _ := ex.Body.(map[string]any)
		data, _ := body["data"].(map[string]any)
		tok, ok := data["token"].(string)
		if !ok {
			return true
		}
		decoded := map[string]any{}
		parts := strings.Split(tok, ".")
		for i, name := range []string{"header", "claims"} {
			if i >= len(parts) {
				break
			}
			raw, err := base64.RawURLEncoding.DecodeString(parts[i])
			if err != nil {
				decoded[name] = "undecodable: " + err.Error()
				continue
			}
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var v any
			if err := dec.Decode(&v); err != nil {
				decoded[name] = "undecodable: " + err.Error()
				continue
			}
			decoded[name] = v
		}
		if c, ok := decoded["claims"].(map[string]any); ok {
			exp, _ := c["exp"].(json.Number)
			iat, _ := c["iat"].(json.Number)
			e, err1 := exp.Int64()
			i, err2 := iat.Int64()
			if err1 == nil && err2 == nil {
				decoded["lifetime_ttl"] = json.Number(strconv.FormatInt(e-i, 10))
			}
		}
		delete(data, "token")
		data["jwt"] = decoded
		return true
	})
}

// oidcJWKS reads the key set: key ids are compared by shape, the public
// key material (random base64url, whose alphabet a shape would see vary)
// not at all; the members present, kty, crv, alg and use are.
func oidcJWKS(st Step) Step {
	return st.Anonymous().Want(200).Unordered("keys").Mask("keys.*.kid").Ignore("keys.*.n", "keys.*.x", "keys.*.y")
}

// oidcIntrospect posts a token to introspection; the answer is the bare
// {"active": ...} object.
func oidcIntrospect(body M) Step { return POST("identity/oidc/introspect", body) }

// oidcCaller makes a token with an entity (a token role's entity alias)
// that may read identity tokens, saved as t, its entity id as eid.
func oidcCaller() []Step {
	return []Step{
		Policy("oidc-tok", `path "identity/oidc/token/*" { capabilities = ["read"] }`),
		POST("auth/token/roles/oidc-app", M{"allowed_policies": "oidc-tok", "allowed_entity_aliases": "oidc-svc"}).Want(204),
		POST("auth/token/create/oidc-app", M{"policies": "oidc-tok", "entity_alias": "oidc-svc"}).
			SaveToken("t").Save("eid", "auth.entity_id").Want(200),
	}
}

// oidcScenario sets the issuer first and puts it back afterwards; the
// entity the caller's alias made is deleted (Vault keeps it otherwise).
func oidcScenario(name string, steps ...Step) Scenario {
	all := append([]Step{POST("identity/oidc/config", M{"issuer": oidcIssuer}).Want(200)}, steps...)
	return S("identity/oidc/"+name, all...).Then(
		POST("identity/oidc/config", M{"issuer": ""}),
		DELETE("identity/entity/id/{{eid}}"),
	)
}

func init() {
	RegisterCleanup("identity/oidc/role/", func(p string) Step { return DELETE(p) })
	RegisterCleanup("identity/oidc/key/", func(p string) Step { return DELETE(strings.TrimSuffix(p, "/rotate")) })
	MaskKeys("kid")

	Register(
		S("identity/oidc/config",
			GET("identity/oidc/config").Want(200).Because("no issuer configured: the server's api_addr is used"),
			POST("identity/oidc/config", M{"issuer": "https://x.example/v1"}).Want(400).Because("only scheme, host and port"),
			POST("identity/oidc/config", M{"issuer": "ftp://x.example"}).Want(400),
			POST("identity/oidc/config", M{"issuer": "x.example"}).Want(400),
			POST("identity/oidc/config", M{"issuer": "https://x.example?q=1"}).Want(400),
			POST("identity/oidc/config", M{"issuer": oidcIssuer}).Want(200).Because("a warning about validating against that address"),
			GET("identity/oidc/config").Want(200),
			GET("identity/oidc/config/").Want(200),
			POST("identity/oidc/config", M{}).Want(204).Because("no issuer sent: nothing changes"),
			GET("identity/oidc/config").Want(200),
			POST("identity/oidc/config", M{"issuer": ""}).Want(204),
			GET("identity/oidc/config").Want(200),
			LIST("identity/oidc/config").Want(405),
		).Then(POST("identity/oidc/config", M{"issuer": ""})),

		S("identity/oidc/keys/crud",
			LIST("identity/oidc/key").Want(200).Because("the default key always exists"),
			GET("identity/oidc/key/default").Want(200),
			GET("identity/oidc/key/k1").Want(404),
			POST("identity/oidc/key/k1", nil).Want(204),
			GET("identity/oidc/key/k1").Want(200).Because("defaults: RS256, 24h, 24h, no allowed client ids"),
			POST("identity/oidc/key/k1", M{"rotation_period": "2h", "verification_ttl": 3600, "allowed_client_ids": "a,b"}).Want(204),
			GET("identity/oidc/key/k1").Want(200),
			POST("identity/oidc/key/k1", M{"algorithm": "ES384"}).Want(204).Because("an update keeps what it does not send"),
			GET("identity/oidc/key/k1").Want(200),
			POST("identity/oidc/key/k1", M{"allowed_client_ids": ""}).Want(204),
			GET("identity/oidc/key/k1").Want(200),
			POST("identity/oidc/key/k1", M{"allowed_client_ids": []string{"*"}}).Want(204),
			GET("identity/oidc/key/k1").Want(200),
			POST("identity/oidc/key/k2", M{"algorithm": "EdDSA", "rotation_period": "1m", "verification_ttl": "10m"}).Want(204),
			GET("identity/oidc/key/k2").Want(200),
			LIST("identity/oidc/key").Want(200),
			LIST("identity/oidc/key/").Want(200),
			GET("identity/oidc/key").Want(405),
			POST("identity/oidc/key/k1/rotate", nil).Want(204),
			POST("identity/oidc/key/k1/rotate", M{"verification_ttl": "5m"}).Want(204),
			POST("identity/oidc/key/nope/rotate", nil).Want(400),
			GET("identity/oidc/key/k1/rotate").Want(405),
			DELETE("identity/oidc/key/k2").Want(204),
			DELETE("identity/oidc/key/k2").Want(204).Because("deleting a missing key is no error"),
			DELETE("identity/oidc/key/default").Want(400),
			GET("identity/oidc/key/k2").Want(404),
		),

		S("identity/oidc/keys/algorithms",
			POST("identity/oidc/key/rs256", M{"algorithm": "RS256"}).Want(204),
			POST("identity/oidc/key/rs384", M{"algorithm": "RS384"}).Want(204),
			POST("identity/oidc/key/rs512", M{"algorithm": "RS512"}).Want(204),
			POST("identity/oidc/key/es256", M{"algorithm": "ES256"}).Want(204),
			POST("identity/oidc/key/es512", M{"algorithm": "ES512"}).Want(204),
			POST("identity/oidc/key/eddsa", M{"algorithm": "EdDSA"}).Want(204),
			GET("identity/oidc/key/es512").Want(200),
			POST("identity/oidc/key/bad", M{"algorithm": "HS256"}).Want(400),
			POST("identity/oidc/key/bad", M{"algorithm": "rs256"}).Want(400).Because("algorithm names are case-sensitive"),
			POST("identity/oidc/key/bad", M{"algorithm": ""}).Want(400),
			POST("identity/oidc/key/bad", M{"rotation_period": "59s"}).Want(400),
			POST("identity/oidc/key/bad", M{"rotation_period": "1m", "verification_ttl": "11m"}).Want(400),
			POST("identity/oidc/key/bad", M{"rotation_period": "bogus"}).Want(400),
			POST("identity/oidc/key/rs256", M{"rotation_period": "1m"}).Want(400).Because("the stored verification_ttl of 24h is more than 10x the new period"),
			GET("identity/oidc/key/bad").Want(404),
			POST("identity/oidc/key/b%21d", nil).Because("not a name"),
			LIST("identity/oidc/key").Want(200),
		),

		S("identity/oidc/roles/crud",
			POST("identity/oidc/key/rk", M{"allowed_client_ids": "*", "verification_ttl": "2h", "rotation_period": "1h"}).Want(204),
			GET("identity/oidc/role/r1").Want(404),
			LIST("identity/oidc/role").Want(404),
			POST("identity/oidc/role/r1", M{}).Want(400).Because("key is required"),
			POST("identity/oidc/role/r1", M{"key": "nope"}).Want(400),
			POST("identity/oidc/role/r1", M{"key": "rk"}).Want(400).Because("the default ttl of 24h exceeds the key's verification_ttl"),
			POST("identity/oidc/role/r1", M{"key": "rk", "ttl": "1h"}).Want(204),
			GET("identity/oidc/role/r1").Want(200).Save("cid", "data.client_id").Because("a random 26-character client_id"),
			POST("identity/oidc/role/r1", M{"ttl": "30m", "template": `{"a": 1}`}).Want(204),
			GET("identity/oidc/role/r1").Want(200).Because("the client_id is kept"),
			POST("identity/oidc/role/r1", M{"template": base64.StdEncoding.EncodeToString([]byte(`{"b": {{ identity.entity.id }}}`))}).Want(204),
			GET("identity/oidc/role/r1").Want(200).Because("a base64 template is stored decoded"),
			POST("identity/oidc/role/r1", M{"client_id": "my-client"}).Want(204),
			GET("identity/oidc/role/r1").Want(200),
			POST("identity/oidc/role/r2", M{"key": "rk", "ttl": "2h", "client_id": ""}).Want(204),
			GET("identity/oidc/role/r2").Want(200).Mask("data.client_id").Because("an empty client_id is generated"),
			LIST("identity/oidc/role").Want(200),
			POST("identity/oidc/key/rk", M{"verification_ttl": "1h"}).Want(400).Because("r2's ttl is longer"),
			DELETE("identity/oidc/key/rk").Want(400).Because("roles use it"),
			DELETE("identity/oidc/role/r2").Want(204),
			DELETE("identity/oidc/role/r2").Want(204),
			POST("identity/oidc/key/rk", M{"verification_ttl": "1h"}).Want(204),
			GET("identity/oidc/role").Want(405),
		),

		S("identity/oidc/roles/templates",
			POST("identity/oidc/key/tk", M{"allowed_client_ids": "*"}).Want(204),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{identity.entity.id}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": identity.entity.id}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": 1`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `[1, 2]`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"sub": "me"}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"nonce": 1}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ identity.entity.bogus }}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ identity.groups.names.g.id }}}`}).Want(400).Because("no groups to check a groups directive with"),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ time.later }}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ time.now.plus }}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ time.now.plus.x }}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ time.now.times.1h }}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ identity.entity.aliases.x }}}`}).Want(400),
			POST("identity/oidc/role/t", M{"key": "tk", "template": `{"a": {{ identity.entity.id }}, "m": {{ identity.entity.metadata }}, ` +
				`"x": {{ identity.entity.metadata.x }}, "g": {{ identity.entity.groups.names }}, "al": {{ identity.entity.aliases.auth_x.name }}, ` +
				`"t": {{ time.now.minus.1h }}}`}).Want(204),
			GET("identity/oidc/role/t").Want(200).Mask("data.client_id"),
			POST("identity/oidc/role/d", M{"key": "default"}).Want(204).Because("the default key gets its material"),
			GET("identity/oidc/role/d").Want(200).Mask("data.client_id"),
		),

		oidcScenario("token/claims", append(oidcCaller(),
			POST("identity/oidc/key/ck", M{"algorithm": "ES256", "allowed_client_ids": "*", "verification_ttl": "2h", "rotation_period": "1h"}).Want(204),
			POST("identity/oidc/role/cr", M{"key": "ck", "ttl": "45m", "template": `{"who": {{ identity.entity.id }}, "meta": {{ identity.entity.metadata }}, ` +
				`"groups": {{ identity.entity.groups.names }}, "deep": {"n": 1.5, "list": [true, null, "s"]}, "iss": "ignored"}`}).Want(400).
				Because("iss is reserved"),
			POST("identity/oidc/role/cr", M{"key": "ck", "ttl": "45m", "template": `{"who": {{ identity.entity.id }}, "meta": {{ identity.entity.metadata }}, ` +
				`"groups": {{ identity.entity.groups.names }}, "deep": {"n": 1.5, "list": [true, null, "s"]} }`}).Want(204),
			GET("identity/oidc/role/cr").Save("cid", "data.client_id").Want(200),
			oidcJWT(GET("identity/oidc/token/cr").As("t")).Want(200).Because("claims: iss, sub = entity, aud = client_id, iat, exp, namespace, the template's"),
			oidcIntrospect(M{"token": "{{jwt}}"}).Want(200),
			oidcIntrospect(M{"token": "{{jwt}}", "client_id": "{{cid}}"}).Want(200),
			oidcIntrospect(M{"token": "{{jwt}}", "client_id": "someone-else"}).Want(200),
			oidcIntrospect(M{"token": "not-a-jwt"}).Want(200),
			oidcIntrospect(M{"token": "a.b"}).Want(200),
			oidcIntrospect(M{"token": "a.b.c"}).Want(200),
			oidcIntrospect(M{"token": "e30.e30.e30"}).Want(200).Because("well formed, signed by nobody"),
			oidcIntrospect(M{}).Want(200),
			POST("identity/oidc/key/ck/rotate", nil).Want(204),
			oidcIntrospect(M{"token": "{{jwt}}"}).Want(200).Because("the rotated key is still published"),
			oidcJWT(GET("identity/oidc/token/cr").As("t")).Want(200),
			POST("identity/oidc/key/ck", M{"algorithm": "RS512"}).Want(204),
			oidcJWT(GET("identity/oidc/token/cr").As("t")).Want(200).Because("a new algorithm signs at once"),
			DELETE("identity/oidc/role/cr").Want(204),
			oidcIntrospect(M{"token": "{{jwt}}"}).Want(200).Because("no role uses the key: its keys are no longer published"),
		)...),

		oidcScenario("token/errors", append(oidcCaller(),
			GET("identity/oidc/token/none").As("t").Want(400),
			POST("identity/oidc/key/ek", M{"allowed_client_ids": "only-this"}).Want(204),
			POST("identity/oidc/role/er", M{"key": "ek", "ttl": "1h"}).Want(204),
			GET("identity/oidc/token/er").As("t").Want(400).Because("the key does not allow the role's client id"),
			POST("identity/oidc/role/er", M{"client_id": "only-this"}).Want(204),
			oidcJWT(GET("identity/oidc/token/er").As("t")).Want(200),
			GET("identity/oidc/token/er").Want(400).Because("the root token has no entity"),
			POST("identity/oidc/token/er", nil).As("t").Want(403),
			POST("identity/oidc/token/er", nil).Want(405),
			GET("identity/oidc/token/er").WithToken("bogus").Want(403),
			GET("identity/oidc/role/er").As("t").Want(403),
			LIST("identity/oidc/token"),
		)...),

		oidcScenario("token/default-key", append(oidcCaller(),
			POST("identity/oidc/role/dr", M{"key": "default", "ttl": "10m"}).Want(204),
			GET("identity/oidc/role/dr").Save("cid", "data.client_id").Want(200),
			oidcJWT(GET("identity/oidc/token/dr").As("t")).Want(200).Because("the default key lets every client id sign"),
			oidcIntrospect(M{"token": "{{jwt}}", "client_id": "{{cid}}"}).Want(200),
		)...),

		oidcScenario("wellknown",
			GET("identity/oidc/.well-known/openid-configuration").Anonymous().Want(200),
			GET("identity/oidc/.well-known/openid-configuration/").Anonymous().Want(200),
			GET("identity/oidc/.well-known/openid-configuration").Want(200).Because("a token does not matter"),
			GET("identity/oidc/child/.well-known/openid-configuration").Anonymous().Want(400),
			POST("identity/oidc/.well-known/openid-configuration", nil).Anonymous().Want(405),
			POST("identity/oidc/key/wk", M{"algorithm": "ES384", "allowed_client_ids": "*"}).Want(204),
			POST("identity/oidc/role/wr", M{"key": "wk", "ttl": "1h"}).Want(204),
			oidcJWKS(GET("identity/oidc/.well-known/keys")).
				Because("the role's key (current and next) and the default key's, if a mount gave it material"),
			oidcJWKS(GET("identity/oidc/.well-known/keys/")),
			GET("identity/oidc/child/.well-known/keys").Anonymous().Want(400),
			DELETE("identity/oidc/.well-known/keys").Anonymous().Want(405),
			POST("identity/oidc/config", M{"issuer": ""}).Want(204),
			GET("identity/oidc/.well-known/openid-configuration").Anonymous().Want(200).Mask("issuer", "jwks_uri").
				Because("the default issuer is the server's own address"),
		),
	)
}

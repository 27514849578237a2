package e2e

// The seed article (shared/seed/000_b3ead8686f7fe84d.txt): its token
// commands as the API calls the CLI makes. Where the article is wrong about
// real Vault the scenario follows real Vault and says so.
//
// Article claims checked here:
//   - "batch tokens cannot be looked up" - WRONG: lookup and lookup-self of a
//     batch token answer 200 (accessor "", renewable false).
//   - "batch tokens cannot be renewed / revoked" - right: 400 "batch tokens
//     cannot be renewed" / "batch tokens cannot be revoked".
//   - "policy changes after issuance do not apply to batch tokens" - WRONG:
//     a batch token carries policy NAMES; the policy's rules are read on
//     every request, so editing the policy changes what the token may do.
//   - `vault token renew s.ABC... 30m` - today's CLI rejects the positional
//     increment (it wants -increment=30m); the API call is renew with
//     increment "30m".
//   - "batch tokens have no periodic option" - right: 400 "batch tokens
//     cannot have "period" set".
//   - token prefixes: the article writes s.XYZ / s.BATCH; Vault 1.10+ issues
//     hvs. (service) and hvb. (batch) tokens.

func init() {
	Register(
		S("seed/service-token",
			// vault token create -policy=default -ttl=1h
			Create("s", M{"policies": []string{"default"}, "ttl": "1h"}).Want(200),
			// vault token lookup s.XYZ...
			Lookup("s").Want(200),
			LookupSelf("s").Want(200),
		),
		S("seed/typical-operations",
			// vault token create -policy=app -ttl=1h
			Create("a", M{"policies": []string{"app"}, "ttl": "1h"}).Want(200).Because("policy app does not exist: warning only"),
			// vault token renew s.ABC... 30m  (article syntax; the CLI wants -increment=30m)
			POST("auth/token/renew", M{"token": "{{a}}", "increment": "30m"}).Want(200).
				Because("renew to 30m: an increment shorter than the remaining TTL shortens it"),
			// vault token revoke s.ABC...
			POST("auth/token/revoke", M{"token": "{{a}}"}).Want(204),
			Lookup("a").Want(403),
			// vault token revoke -accessor <accessor>  (the article shows an hvs. value; accessors have no prefix)
			Create("b", M{"policies": []string{"app"}, "ttl": "1h"}).Want(200),
			POST("auth/token/revoke-accessor", M{"accessor": "{{b_acc}}"}).Want(204),
			Lookup("b").Want(403),
			// vault token create -policy=agent -period=24h
			Create("p", M{"policies": []string{"agent"}, "period": "24h"}).Want(200),
			Lookup("p").Want(200),
			// vault token create -policy=ops -orphan
			Create("o", M{"policies": []string{"ops"}, "no_parent": true}).Want(200),
			Lookup("o").Want(200),
		),
		S("seed/batch-constraints",
			// vault token create -type=batch -policy=build -ttl=15m
			Create("b", M{"type": "batch", "policies": []string{"build"}, "ttl": "15m"}).Want(200),
			// vault token lookup <batch>  -- article: "fails"; real Vault: 200.
			Lookup("b").Want(200).Because("article is wrong: batch tokens CAN be looked up"),
			LookupSelf("b").Want(200).Because("article is wrong: lookup-self works too"),
			// vault token revoke <batch>  -- article right: refused.
			POST("auth/token/revoke", M{"token": "{{b}}"}).Want(400),
			// renew refused (article right)
			POST("auth/token/renew", M{"token": "{{b}}", "increment": "30m"}).Want(400),
			// cubbyhole refused (article right)
			GET("cubbyhole/x").As("b").Want(400),
			// no periodic batch tokens (article right)
			Create("c", M{"type": "batch", "policies": []string{"build"}, "period": "24h"}).Want(400),
		),
		S("seed/minimal-commands",
			// vault token create -type=batch -policy=dev -ttl=10m
			Create("b", M{"type": "batch", "policies": []string{"dev"}, "ttl": "10m"}).Want(200),
			// vault token lookup <batch_token>  # article: "should fail" -- WRONG, it succeeds
			Lookup("b").Want(200).Because("article is wrong: succeeds"),
			// vault token create -policy=dev -ttl=10m
			Create("s", M{"policies": []string{"dev"}, "ttl": "10m"}).Want(200),
			// vault token lookup <service_token>  # succeeds
			Lookup("s").Want(200),
		),
		S("seed/approle-token-type",
			POST("sys/auth/approle", M{"type": "approle"}).Want(204),
			// vault write auth/approle/role/ci token_policies=build token_ttl=15m token_max_ttl=30m token_type=batch
			POST("auth/approle/role/ci", M{"token_policies": "build", "token_ttl": "15m", "token_max_ttl": "30m", "token_type": "batch"}).Want(204),
			// vault write auth/approle/role/app token_policies=app token_ttl=1h token_max_ttl=24h token_type=service
			POST("auth/approle/role/app", M{"token_policies": "app", "token_ttl": "1h", "token_max_ttl": "24h", "token_type": "service"}).Want(204),
			GET("auth/approle/role/ci").Want(200),
			GET("auth/approle/role/ci/role-id").Save("ci_rid", "data.role_id").Want(200),
			POST("auth/approle/role/ci/secret-id", nil).Save("ci_sid", "data.secret_id").Want(200),
			POST("auth/approle/login", M{"role_id": "{{ci_rid}}", "secret_id": "{{ci_sid}}"}).Anonymous().SaveToken("b").Want(200).
				Because("a batch token: no accessor, not renewable, ttl 15m"),
			Lookup("b").Want(200).Because("article is wrong: batch tokens can be looked up"),
			GET("auth/approle/role/app/role-id").Save("app_rid", "data.role_id").Want(200),
			POST("auth/approle/role/app/secret-id", nil).Save("app_sid", "data.secret_id").Want(200),
			POST("auth/approle/login", M{"role_id": "{{app_rid}}", "secret_id": "{{app_sid}}"}).Anonymous().SaveToken("s").Want(200),
			POST("auth/token/renew-self", M{"increment": "48h"}).As("s").Want(200).Because("capped at token_max_ttl 24h with a warning"),
		).Then(DELETE("sys/auth/approle")),
		S("seed/batch-policy-propagation",
			Policy("dev", `path "sys/auth" { capabilities = ["read"] }`),
			Create("b", M{"type": "batch", "policies": []string{"dev"}, "ttl": "10m"}).Want(200),
			Create("s", M{"policies": []string{"dev"}, "ttl": "10m"}).Want(200),
			GET("sys/auth").As("b").Want(200).Ignore("*").Because("status only here; the body is compared in sys/auth"),
			GET("sys/auth").As("s").Want(200).Ignore("*"),
			Policy("dev", `path "sys/mounts" { capabilities = ["read"] }`),
			GET("sys/auth").As("b").Want(403).Because("article is wrong: the policy edit reaches the batch token"),
			GET("sys/auth").As("s").Want(403),
			GET("sys/mounts").As("b").Want(200).Ignore("*").Because("status only; the body is compared in sys/mounts"),
		),
	)
}

package e2e

// ACL policies (issue 4): sys/policies/acl and sys/policy CRUD, parse
// errors, the built-in default and root policies, enforcement with narrow
// tokens (exact paths, globs, + segments, priority, deny, sudo, parameter
// constraints), policy edits reaching tokens already issued, and
// sys/capabilities*.
//
// Policy text reaches the servers through the runner's {{var}} expansion:
// identity templates are written with spaces ({{ identity.entity.id }}),
// which Vault trims, so the runner leaves them alone.
//
// Enforcement scenarios mount a KV v1 engine at pol/ (paths without the v2
// data/ indirection) and remove it afterwards.

// kvv1 mounts a KV version 1 engine at path.
func kvv1(path string) Step {
	return POST("sys/mounts/"+path, M{"type": "kv"}).Want(204)
}

func unmount(path string) Step { return DELETE("sys/mounts/" + path) }

// ACLPolicy writes a policy through sys/policies/acl/<name> (undone after
// the scenario).
func ACLPolicy(name, hcl string) Step {
	return PUT("sys/policies/acl/"+name, M{"policy": hcl})
}

// seedKV writes pol/<p> {"v": p} as root for each path.
func seedKV(paths ...string) []Step {
	var out []Step
	for _, p := range paths {
		out = append(out, POST("pol/"+p, M{"v": p}).Want(204))
	}
	return out
}

func init() {
	Register(
		// ---------------------------------------------------------- CRUD
		S("policy/crud/acl-api",
			LIST("sys/policies/acl").Want(200).Because("default and root"),
			GET("sys/policies/acl?list=true").Want(200),
			ACLPolicy("p1", `path "secret/*" { capabilities = ["read"] }`).Want(204),
			GET("sys/policies/acl/p1").Want(200).Because("name and policy text as written"),
			LIST("sys/policies/acl").Want(200),
			ACLPolicy("p1", `path "secret/*" { capabilities = ["read", "list"] }`).Want(204).Because("overwrite"),
			GET("sys/policies/acl/p1").Want(200),
			ACLPolicy("MiXeD", `path "a" { capabilities = ["read"] }`).Want(200).Because("names are lowercased, with a warning"),
			GET("sys/policies/acl/mixed").Want(200),
			GET("sys/policies/acl/MIXED").Want(200),
			DELETE("sys/policies/acl/mixed").Want(204),
			DELETE("sys/policies/acl/p1").Want(204),
			GET("sys/policies/acl/p1").Want(404),
			DELETE("sys/policies/acl/p1").Want(204).Because("deleting a missing policy succeeds"),
			GET("sys/policies/acl/nope").Want(404),
			LIST("sys/policies/acl").Want(200),
			POST("sys/policies/acl/p2", M{"policy": `path "x" { capabilities = ["read"] }`}).Want(204).Because("POST works as PUT"),
			GET("sys/policies/acl/p2").Want(200),
			ACLPolicy("with.dot-dash_under", `path "x" { capabilities = ["read"] }`).Want(204),
			GET("sys/policies/acl/with.dot-dash_under").Want(200),
		),
		S("policy/crud/legacy-api",
			GET("sys/policy").Want(200).Because("policies and keys"),
			PUT("sys/policy/old1", M{"policy": `path "secret/*" { capabilities = ["read"] }`}).Want(204),
			GET("sys/policy/old1").Want(200).Because("name and rules"),
			PUT("sys/policy/old2", M{"rules": `path "secret/*" { capabilities = ["list"] }`}).Want(200).Because("the legacy rules field: deprecation warning"),
			GET("sys/policy/old2").Want(200),
			GET("sys/policies/acl/old2").Want(200).Because("the same store"),
			GET("sys/policy").Want(200),
			LIST("sys/policy").Want(200),
			DELETE("sys/policy/old1").Want(204),
			GET("sys/policy/old1").Want(404),
			PUT("sys/policy/old3", M{}).Want(400).Because("no rules"),
			GET("sys/policy/default").Want(200),
			GET("sys/policy/root").Want(200).Because("root has no rules text"),
		),
		S("policy/crud/json",
			ACLPolicy("js", `{"path": {"secret/data/js/*": {"capabilities": ["read", "list"]}, "secret/metadata/js/*": {"capabilities": ["list"]}}}`).Want(204),
			GET("sys/policies/acl/js").Want(200).Because("the JSON text kept as written"),
			Create("t", M{"policies": []string{"js"}}).Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"secret/data/js/a", "secret/metadata/js/a", "secret/data/other"}}).As("t").Want(200),
			ACLPolicy("js2", `{"path": {"a": {"capabilities": "read"}}}`).Because("capabilities not a list"),
			ACLPolicy("js3", `{"path": [1]}`),
		),
		S("policy/crud/errors",
			ACLPolicy("bad", `path "x" { capabilities = ["read" }`).Want(400).Because("HCL syntax error"),
			ACLPolicy("bad", `path "x" { capabilities = ["fly"] }`).Want(400).Because("unknown capability"),
			ACLPolicy("bad", `path "x" { capabilities = ["read"], colour = "red" }`).Want(400).Because("unknown key in a path"),
			ACLPolicy("bad", `pathz "x" { capabilities = ["read"] }`).Want(400).Because("unknown top-level key"),
			ACLPolicy("bad", `path "x" { policy = "sudo" }`).Want(204).Because("the old policy = form is still accepted"),
			GET("sys/policies/acl/bad").Want(200),
			ACLPolicy("bad2", `path "x" { policy = "superuser" }`).Want(400).Because("unknown legacy policy value"),
			ACLPolicy("bad2", `path "x" { capabilities = ["read"], max_wrapping_ttl = "abc" }`).Want(400),
			ACLPolicy("bad2", `path "x" { capabilities = ["read"], min_wrapping_ttl = "2h", max_wrapping_ttl = "1h" }`).Want(400),
			ACLPolicy("bad2", `path "x" { capabilities = ["read"], allowed_parameters = "color" }`).Want(400),
			ACLPolicy("bad2", ``).Want(400).Because("empty policy text"),
			PUT("sys/policies/acl/bad2", M{}).Want(400).Because("missing policy field"),
			ACLPolicy("bad2", `# only a comment`).Want(204).Because("a policy without paths is accepted"),
			ACLPolicy("root", `path "x" { capabilities = ["read"] }`).Want(400).Because("cannot update the root policy"),
			DELETE("sys/policies/acl/root").Want(400),
			DELETE("sys/policies/acl/default").Want(400).Because("cannot delete the default policy"),
			DELETE("sys/policy/default").Want(400),
			PUT("sys/policy/root", M{"policy": `path "x" { capabilities = ["read"] }`}).Want(400),
			ACLPolicy("response-wrapping", `path "x" { capabilities = ["read"] }`).Because("reserved names"),
			ACLPolicy("control-group", `path "x" { capabilities = ["read"] }`),
			ACLPolicy("name with spaces", `path "x" { capabilities = ["read"] }`).Want(204),
			GET("sys/policies/acl/name%20with%20spaces").Want(200),
			DELETE("sys/policies/acl/name%20with%20spaces").Want(204),
			GET("sys/policies/acl/bad2").Want(200).Because("the comment-only text"),
		),

		// ---------------------------------------------------------- built-ins
		S("policy/builtin/default-and-root",
			GET("sys/policies/acl/default").Want(200).Because("Vault's default policy text"),
			GET("sys/policies/acl/root").Because("root is not readable as text"),
			Create("t", M{"policies": []string{"foo"}}).Want(200).Because("a default-policy token"),
			LookupSelf("t").Want(200),
			POST("auth/token/renew-self", nil).As("t").Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"auth/token/lookup-self", "auth/token/renew-self", "auth/token/revoke-self",
				"auth/token/lookup-accessor", "cubbyhole/x", "sys/wrapping/wrap", "sys/wrapping/lookup", "sys/wrapping/unwrap",
				"sys/tools/hash", "sys/tools/hash/sha2-256", "sys/internal/ui/resultant-acl", "sys/leases/lookup", "sys/leases/renew",
				"sys/renew", "sys/control-group/request", "identity/oidc/provider/x/authorize", "sys/mfa/validate",
				"secret/data/x", "sys/policies/acl/default", "auth/token/lookup"}}).As("t").Want(200).
				Because("the default policy's rules path by path"),
			POST("cubbyhole/x", M{"a": "b"}).As("t").Want(204),
			LIST("cubbyhole").As("t").Want(200),
			POST("sys/wrapping/wrap", M{"a": "b"}).As("t").Header("X-Vault-Wrap-TTL", "60").Save("wt", "wrap_info.token").Want(200),
			POST("sys/wrapping/lookup", M{"token": "{{wt}}"}).As("t").Want(200),
			POST("sys/wrapping/unwrap", M{"token": "{{wt}}"}).As("t").Want(200),
			POST("sys/leases/lookup", M{"lease_id": "nope"}).As("t").Because("default grants update on sys/leases/lookup"),
			GET("sys/policies/acl/default").As("t").Want(403),
			GET("sys/mounts").As("t").Want(403),
			POST("auth/token/revoke-self", nil).As("t").Want(204),
			Create("r", M{"policies": []string{"root"}}).Want(200).Because("root may create root tokens"),
			GET("sys/policies/acl/default").As("r").Want(200),
			Create("n", M{"policies": []string{"creator"}}).Want(200),
			Policy("creator", creatorPolicy),
			Create("nr", M{"policies": []string{"root"}}).As("n").Want(400).Because("a non-root token cannot create a root token"),
		),

		// ---------------------------------------------------------- enforcement
		S("policy/enforce/exact-and-glob", steps(
			kvv1("pol"),
			seedKV("exact", "exact2", "team/a", "team/a/b", "prefix", "pre/x", "pr"),
			ACLPolicy("narrow", `
path "pol/exact" { capabilities = ["read"] }
path "pol/team/*" { capabilities = ["read", "list"] }
path "pol/pre*" { capabilities = ["read"] }
`).Want(204),
			Create("t", M{"policies": []string{"narrow"}}).Want(200),
			GET("pol/exact").As("t").Want(200),
			GET("pol/exact2").As("t").Want(403).Because("exact path: no prefix match"),
			POST("pol/exact", M{"v": "x"}).As("t").Want(403),
			DELETE("pol/exact").As("t").Want(403),
			LIST("pol").As("t").Want(403),
			GET("pol/team/a").As("t").Want(200),
			GET("pol/team/a/b").As("t").Want(200).Because("* crosses segments"),
			LIST("pol/team").As("t").Want(200).Because("team/ matches team/*"),
			GET("pol/team").As("t").Want(403),
			GET("pol/prefix").As("t").Want(200).Because("pre* is a plain prefix"),
			GET("pol/pre/x").As("t").Want(200),
			GET("pol/pr").As("t").Want(403),
			GET("pol/team/missing").As("t").Want(404).Because("allowed but absent"),
			GET("pol/nothere").As("t").Want(403).Because("403 before 404"),
		)...).Then(unmount("pol")),
		S("policy/enforce/plus-segments", steps(
			kvv1("pol"),
			seedKV("a/shared", "b/shared", "a/b/shared", "x/y/deep", "x/y/z/deep", "u/x/tail", "u/x/tail/more"),
			ACLPolicy("plus", `
path "pol/+/shared" { capabilities = ["read"] }
path "pol/+/+/deep" { capabilities = ["read"] }
path "pol/u/+/tail*" { capabilities = ["read"] }
`).Want(204),
			Create("t", M{"policies": []string{"plus"}}).Want(200),
			GET("pol/a/shared").As("t").Want(200),
			GET("pol/b/shared").As("t").Want(200),
			GET("pol/a/b/shared").As("t").Want(403).Because("+ is exactly one segment"),
			GET("pol/x/y/deep").As("t").Want(200),
			GET("pol/x/y/z/deep").As("t").Want(403),
			GET("pol/u/x/tail").As("t").Want(200),
			GET("pol/u/x/tail/more").As("t").Want(200).Because("+ then a trailing glob"),
			POST("sys/capabilities-self", M{"paths": []string{"pol/q/shared", "pol/q/r/shared", "pol/1/2/deep"}}).As("t").Want(200),
		)...).Then(unmount("pol")),
		S("policy/enforce/priority", steps(
			kvv1("pol"),
			seedKV("prio/special", "prio/other", "prio/spx", "seg/a/b", "long/abc"),
			ACLPolicy("prio", `
path "pol/prio/*" { capabilities = ["read"] }
path "pol/prio/special" { capabilities = ["update"] }
path "pol/prio/sp*" { capabilities = ["list"] }
path "pol/seg/+/b" { capabilities = ["update"] }
path "pol/seg/a/*" { capabilities = ["read"] }
path "pol/long/a*" { capabilities = ["read"] }
path "pol/long/ab*" { capabilities = ["update"] }
`).Want(204),
			Create("t", M{"policies": []string{"prio"}}).Want(200),
			GET("pol/prio/other").As("t").Want(200),
			GET("pol/prio/special").As("t").Want(403).Because("the exact path wins over the glob: update only"),
			POST("pol/prio/special", M{"v": 1}).As("t").Want(204),
			GET("pol/prio/spx").As("t").Want(403).Because("the longer glob prio/sp* wins: list only"),
			GET("pol/seg/a/b").As("t").Want(200).Because("a wildcard earlier in the path loses: seg/a/* beats seg/+/b"),
			POST("pol/seg/a/b", M{"v": 1}).As("t").Want(403),
			GET("pol/long/abc").As("t").Want(403).Because("the longer prefix long/ab* wins"),
			POST("sys/capabilities-self", M{"paths": []string{"pol/prio/special", "pol/prio/spx", "pol/prio/x", "pol/seg/a/b", "pol/seg/c/b", "pol/long/abc", "pol/long/ax"}}).As("t").Want(200),
			ACLPolicy("prio2", `path "pol/prio/special" { capabilities = ["read"] }`).Want(204),
			Create("t2", M{"policies": []string{"prio", "prio2"}}).Want(200),
			GET("pol/prio/special").As("t2").Want(200).Because("the same path in two policies: capabilities merge"),
			POST("pol/prio/special", M{"v": 2}).As("t2").Want(204),
		)...).Then(unmount("pol")),
		S("policy/enforce/deny", steps(
			kvv1("pol"),
			seedKV("d/open", "d/secret", "d/sub/x"),
			ACLPolicy("allow", `path "pol/d/*" { capabilities = ["read", "list", "update"] }`).Want(204),
			ACLPolicy("deny", `
path "pol/d/secret" { capabilities = ["deny"] }
path "pol/d/sub/*" { capabilities = ["deny", "read"] }
`).Want(204),
			Create("t", M{"policies": []string{"allow", "deny"}}).Want(200),
			GET("pol/d/open").As("t").Want(200),
			GET("pol/d/secret").As("t").Want(403).Because("deny wins"),
			GET("pol/d/sub/x").As("t").Want(403).Because("deny with other capabilities is still deny"),
			LIST("pol/d").As("t").Want(200),
			ACLPolicy("deny2", `path "pol/d/*" { capabilities = ["deny"] }`).Want(204),
			Create("t2", M{"policies": []string{"allow", "deny2"}}).Want(200),
			GET("pol/d/open").As("t2").Want(403).Because("deny on the same glob in another policy"),
			POST("sys/capabilities-self", M{"paths": []string{"pol/d/open", "pol/d/secret"}}).As("t2").Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"pol/d/open", "pol/d/secret", "pol/d/sub/y"}}).As("t").Want(200),
		)...).Then(unmount("pol")),
		S("policy/enforce/create-vs-update", steps(
			kvv1("pol"),
			seedKV("cu/existing"),
			ACLPolicy("c", `path "pol/cu/*" { capabilities = ["create"] }`).Want(204),
			ACLPolicy("u", `path "pol/cu/*" { capabilities = ["update"] }`).Want(204),
			Create("c", M{"policies": []string{"c"}}).Want(200),
			Create("u", M{"policies": []string{"u"}}).Want(200),
			POST("pol/cu/new1", M{"v": 1}).As("c").Want(204).Because("create: the key does not exist"),
			POST("pol/cu/existing", M{"v": 1}).As("c").Want(403).Because("overwriting needs update"),
			POST("pol/cu/new2", M{"v": 1}).As("u").Want(403).Because("a new key needs create"),
			POST("pol/cu/existing", M{"v": 2}).As("u").Want(204),
			GET("pol/cu/existing").As("u").Want(403),
		)...).Then(unmount("pol")),
		S("policy/enforce/sudo", steps(
			ACLPolicy("authadmin", `path "sys/auth/*" { capabilities = ["create", "read", "update", "delete"] }
path "sys/auth" { capabilities = ["read"] }`).Want(204),
			ACLPolicy("authsudo", `path "sys/auth/*" { capabilities = ["create", "read", "update", "delete", "sudo"] }`).Want(204),
			Create("a", M{"policies": []string{"authadmin"}}).Want(200),
			Create("s", M{"policies": []string{"authsudo"}}).Want(200),
			POST("sys/auth/sudo-approle", M{"type": "approle"}).As("a").Want(403).Because("sys/auth/* is root-protected"),
			POST("sys/auth/sudo-approle", M{"type": "approle"}).As("s").Want(204),
			GET("sys/auth/sudo-approle/tune").As("a").Want(403),
			GET("sys/auth/sudo-approle/tune").As("s").Want(200),
			GET("sys/auth").As("a").Want(200).Ignore("*").Because("sys/auth itself needs no sudo (body compared in sys/auth)"),
			DELETE("sys/auth/sudo-approle").As("a").Want(403),
			DELETE("sys/auth/sudo-approle").As("s").Want(204),
			Policy("lister", `path "auth/token/accessors" { capabilities = ["list"] }
path "auth/token/accessors/" { capabilities = ["list"] }`),
			Create("l", M{"policies": []string{"lister"}}).Want(200),
			LIST("auth/token/accessors").As("l").Want(403).Because("needs sudo"),
			Policy("lister", `path "auth/token/accessors/" { capabilities = ["list", "sudo"] }
path "auth/token/accessors" { capabilities = ["list", "sudo"] }`),
			LIST("auth/token/accessors").As("l").Want(200).Mask("data.keys").Unordered("data.keys"),
			Policy("creator2", `path "auth/token/create" { capabilities = ["update"] }`),
			Create("c", M{"policies": []string{"creator2"}}).Want(200),
			Create("o", M{"policies": []string{"creator2"}, "no_parent": true}).As("c").Want(400).Because("orphan needs sudo"),
			Policy("creator2", `path "auth/token/create" { capabilities = ["update", "sudo"] }`),
			Create("o", M{"policies": []string{"creator2"}, "no_parent": true}).As("c").Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"auth/token/create"}}).As("c").Want(200),
		)...).Then(DELETE("sys/auth/sudo-approle")),
		S("policy/enforce/parameters", steps(
			kvv1("pol"),
			ACLPolicy("params", `
path "pol/params" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "color" = ["red", "blue", "gr*"]
    "size" = []
  }
  denied_parameters = {
    "size" = ["13"]
  }
  required_parameters = ["color"]
}
path "pol/open/*" {
  capabilities = ["create", "update", "read"]
  denied_parameters = {
    "secret" = []
  }
}
path "pol/star/*" {
  capabilities = ["create", "update"]
  allowed_parameters = {
    "*" = []
  }
  denied_parameters = {
    "bad" = ["x", "y"]
  }
}
path "pol/none/*" {
  capabilities = ["create", "update"]
  denied_parameters = {
    "*" = []
  }
}
`).Want(204),
			Create("t", M{"policies": []string{"params"}}).Want(200),
			POST("pol/params", M{"color": "red"}).As("t").Want(204),
			POST("pol/params", M{"color": "green"}).As("t").Want(204).Because("gr* glob value"),
			POST("pol/params", M{"color": "pink"}).As("t").Want(403).Because("value not allowed"),
			POST("pol/params", M{"color": "red", "size": 5}).As("t").Want(204),
			POST("pol/params", M{"color": "red", "size": 13}).As("t").Want(204).Because("the JSON number 13 is not the HCL string \"13\": not denied"),
			POST("pol/params", M{"color": "red", "size": "13"}).As("t").Want(403).Because("the string \"13\" is denied"),
			POST("pol/params", M{"color": "red", "other": 1}).As("t").Want(403).Because("not in allowed_parameters"),
			POST("pol/params", M{"size": 1}).As("t").Want(403).Because("required color missing"),
			POST("pol/params", M{"color": []string{"red", "blue"}}).As("t").Want(204).Because("a list: every element must be allowed"),
			POST("pol/params", M{"color": []string{"red", "pink"}}).As("t").Want(403),
			POST("pol/open/a", M{"x": 1}).As("t").Want(204),
			POST("pol/open/a", M{"x": 1, "secret": 2}).As("t").Want(403).Because("denied parameter"),
			GET("pol/open/a?secret=1").As("t").Because("parameters on a read"),
			POST("pol/star/a", M{"anything": 1}).As("t").Want(204),
			POST("pol/star/a", M{"bad": "x"}).As("t").Want(403),
			POST("pol/star/a", M{"bad": "z"}).As("t").Want(204),
			POST("pol/none/a", M{"x": 1}).As("t").Want(403).Because("every parameter denied"),
			POST("pol/none/a", M{}).As("t").Because("no parameters at all"),
			POST("sys/capabilities-self", M{"paths": []string{"pol/params"}}).As("t").Want(200),
		)...).Then(unmount("pol")),
		S("policy/enforce/wrapping-ttl", steps(
			kvv1("pol"),
			seedKV("w/x"),
			ACLPolicy("wrapped", `path "pol/w/*" {
  capabilities = ["read"]
  min_wrapping_ttl = "1m"
  max_wrapping_ttl = "1h"
}`).Want(204),
			Create("t", M{"policies": []string{"wrapped"}}).Want(200),
			GET("pol/w/x").As("t").Want(403).Because("wrapping required"),
			GET("pol/w/x").As("t").Header("X-Vault-Wrap-TTL", "30s").Want(403).Because("below min_wrapping_ttl"),
			GET("pol/w/x").As("t").Header("X-Vault-Wrap-TTL", "2h").Want(403).Because("above max_wrapping_ttl"),
			GET("pol/w/x").As("t").Header("X-Vault-Wrap-TTL", "5m").Save("wt", "wrap_info.token").Want(200),
			POST("sys/wrapping/unwrap", nil).As("wt").Want(200),
		)...).Then(unmount("pol")),
		S("policy/enforce/templated", steps(
			kvv1("pol"),
			enableAppRole("approle"),
			ACLPolicy("tmpl", `path "pol/ent/{{ identity.entity.id }}/*" { capabilities = ["create", "read", "update"] }`).Want(204),
			POST("auth/approle/role/r", M{"token_policies": "tmpl"}).Want(204),
			roleCreds("approle", "r", "r"),
			login("approle", "r").SaveToken("t").Save("eid", "auth.entity_id").Want(200),
			POST("pol/ent/{{eid}}/k", M{"v": 1}).As("t").Want(204).Because("the path names the token's own entity"),
			GET("pol/ent/{{eid}}/k").As("t").Want(200),
			POST("pol/ent/someone-else/k", M{"v": 1}).As("t").Want(403),
			Create("plain", M{"policies": []string{"tmpl"}}).Want(200).Because("a token without an entity"),
			GET("pol/ent/{{eid}}/k").As("plain").Want(403),
		)...).Then(unmount("pol"), disableAuth("approle")),

		// ---------------------------------------------------------- propagation
		S("policy/propagation/service-and-batch", steps(
			kvv1("pol"),
			seedKV("prop/a", "prop/b"),
			ACLPolicy("dev", `path "pol/prop/a" { capabilities = ["read"] }`).Want(204),
			Create("s", M{"policies": []string{"dev"}}).Want(200),
			Create("b", M{"policies": []string{"dev"}, "type": "batch"}).Want(200),
			Create("c", M{"policies": []string{"dev"}}).As("s").Want(403).Because("no create rights"),
			GET("pol/prop/a").As("s").Want(200),
			GET("pol/prop/a").As("b").Want(200),
			GET("pol/prop/b").As("b").Want(403),
			ACLPolicy("dev", `path "pol/prop/b" { capabilities = ["read"] }`).Want(204),
			GET("pol/prop/a").As("s").Want(403).Because("the edit reaches the service token"),
			GET("pol/prop/a").As("b").Want(403).Because("and the batch token: only policy names are frozen"),
			GET("pol/prop/b").As("s").Want(200),
			GET("pol/prop/b").As("b").Want(200),
			DELETE("sys/policies/acl/dev").Want(204),
			GET("pol/prop/b").As("s").Want(403).Because("policy deleted"),
			GET("pol/prop/b").As("b").Want(403),
			LookupSelf("b").Want(200).Because("default policy still applies; the deleted name stays in the list"),
			ACLPolicy("dev", `path "pol/prop/*" { capabilities = ["read"] }`).Want(204),
			GET("pol/prop/a").As("b").Want(200).Because("recreated under the same name: applies again"),
			GET("pol/prop/a").As("s").Want(200),
		)...).Then(unmount("pol")),
		S("policy/propagation/approle-tokens", steps(
			kvv1("pol"),
			seedKV("ar/x"),
			enableAppRole("approle"),
			POST("auth/approle/role/svc", M{"token_policies": "arp"}).Want(204),
			POST("auth/approle/role/bat", M{"token_policies": "arp", "token_type": "batch"}).Want(204),
			roleCreds("approle", "svc", "s"),
			roleCreds("approle", "bat", "b"),
			login("approle", "s").SaveToken("s").Want(200),
			login("approle", "b").SaveToken("b").Want(200),
			GET("pol/ar/x").As("s").Want(403).Because("policy arp does not exist yet"),
			GET("pol/ar/x").As("b").Want(403),
			ACLPolicy("arp", `path "pol/ar/*" { capabilities = ["read"] }`).Want(204),
			GET("pol/ar/x").As("s").Want(200).Because("written after login"),
			GET("pol/ar/x").As("b").Want(200),
			POST("auth/approle/role/bat", M{"token_policies": "other"}).Want(204),
			GET("pol/ar/x").As("b").Want(200).Because("changing the role does not change issued tokens"),
		)...).Then(unmount("pol"), disableAuth("approle")),

		// ---------------------------------------------------------- capabilities
		S("policy/capabilities/endpoints", steps(
			ACLPolicy("caps", `
path "secret/data/caps/*" { capabilities = ["read", "list", "create"] }
path "secret/data/caps/deny" { capabilities = ["deny"] }
path "sys/auth/*" { capabilities = ["read", "sudo"] }
`).Want(204),
			Create("t", M{"policies": []string{"caps"}}).Want(200),
			POST("sys/capabilities", M{"token": "{{t}}", "paths": []string{"secret/data/caps/a", "secret/data/caps/deny", "sys/auth/x", "nope"}}).Want(200),
			POST("sys/capabilities", M{"token": "{{t}}", "path": "secret/data/caps/a"}).Want(200).Because("legacy single path"),
			POST("sys/capabilities", M{"token": "{{t}}", "paths": "secret/data/caps/a,sys/auth/x"}).Want(200).Because("comma-separated paths"),
			POST("sys/capabilities-self", M{"paths": []string{"secret/data/caps/a", "auth/token/lookup-self"}}).As("t").Want(200),
			POST("sys/capabilities-self", M{"path": "secret/data/caps/a"}).As("t").Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"x"}}).Want(200).Because("root: [root]"),
			POST("sys/capabilities-accessor", M{"accessor": "{{t_acc}}", "paths": []string{"secret/data/caps/a", "nope"}}).Want(200),
			POST("sys/capabilities-accessor", M{"accessor": "nope", "paths": []string{"x"}}).Want(400),
			POST("sys/capabilities-accessor", M{"paths": []string{"x"}}).Want(400),
			POST("sys/capabilities", M{"token": "bogus", "paths": []string{"x"}}).Want(400),
			POST("sys/capabilities", M{"token": "{{t}}"}).Want(400).Because("no paths"),
			POST("sys/capabilities", M{"paths": []string{"x"}}).Want(500).Because("no token: 500 no token found"),
			POST("sys/capabilities", M{"token": "{{t}}", "paths": []string{"x"}}).As("t").Want(403).Because("the default policy does not grant sys/capabilities"),
			POST("sys/capabilities-accessor", M{"accessor": "{{t_acc}}", "paths": []string{"x"}}).As("t").Want(403),
			Create("b", M{"policies": []string{"caps"}, "type": "batch"}).Want(200),
			POST("sys/capabilities", M{"token": "{{b}}", "paths": []string{"secret/data/caps/a"}}).Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"secret/data/caps/a"}}).As("b").Want(200),
			POST("sys/capabilities-self", M{"paths": []string{"secret/data/caps/a"}}).Anonymous().Want(403),
			GET("sys/capabilities-self").As("t").Because("read is not served"),
		)...),
	)
}

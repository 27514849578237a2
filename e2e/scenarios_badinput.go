package e2e

import (
	"strings"
)

// Bad input, table-driven (issue 9): every endpoint family is sent the same
// catalogue of malformed JSON, wrong types, unknown fields, absurd TTLs,
// awkward names and bad tokens. The scenarios assert nothing of their own:
// the suite compares each answer with real Vault's, status and error text.

// badFamily is one endpoint family: where to write, a valid body, and the
// fields to abuse.
type badFamily struct {
	name     string
	path     string // write path; NAME is replaced by a name under test
	valid    M
	ttlField string
	intField string
	setup    []Step
	cleanup  []Step
}

var badFamilies = []badFamily{
	{name: "token-create", path: "auth/token/create", valid: M{"policies": []string{"default"}}, ttlField: "ttl", intField: "num_uses"},
	{name: "token-role", path: "auth/token/roles/NAME", valid: M{"allowed_policies": "a"}, ttlField: "token_period", intField: "token_num_uses"},
	{name: "token-renew", path: "auth/token/renew-self", valid: M{}, ttlField: "increment"},
	{name: "policy", path: "sys/policies/acl/NAME", valid: M{"policy": `path "x" { capabilities = ["read"] }`}},
	{name: "kv2", path: "secret/data/NAME", valid: M{"data": M{"a": "b"}}, intField: "version",
		cleanup: []Step{DELETE("secret/metadata/badin")}},
	{name: "cubbyhole", path: "cubbyhole/NAME", valid: M{"a": "b"}},
	{name: "auth-enable", path: "sys/auth/NAME", valid: M{"type": "approle"},
		cleanup: []Step{DELETE("sys/auth/badin")}},
	{name: "mount-tune", path: "sys/mounts/secret/tune", valid: M{"max_lease_ttl": "1h"}, ttlField: "default_lease_ttl",
		cleanup: []Step{POST("sys/mounts/secret/tune", M{"max_lease_ttl": 0, "default_lease_ttl": 0})}},
	{name: "wrap", path: "sys/wrapping/wrap", valid: M{"a": "b"}},
	{name: "approle-role", path: "auth/approle/role/NAME", valid: M{"token_policies": "a"}, ttlField: "token_ttl", intField: "secret_id_num_uses",
		setup:   []Step{POST("sys/auth/approle", M{"type": "approle"})},
		cleanup: []Step{DELETE("sys/auth/approle")}},
	{name: "approle-login", path: "auth/approle/login", valid: M{"role_id": "nope", "secret_id": "nope"},
		setup:   []Step{POST("sys/auth/approle", M{"type": "approle"})},
		cleanup: []Step{DELETE("sys/auth/approle")}},
}

func (f badFamily) at(name string) string { return strings.ReplaceAll(f.path, "NAME", name) }

func init() {
	for _, f := range badFamilies {
		steps := append([]Step(nil), f.setup...)
		p := f.at("badin")
		steps = append(steps,
			// Malformed JSON of every kind Vault's two parsers tell apart.
			POST(p, RawBody(`{`)),
			POST(p, RawBody(`{"a":1,}`)),
			POST(p, RawBody(`[1,2]`)).Header("Content-Type", "application/json"),
			POST(p, RawBody(`"str"`)).Header("Content-Type", "application/json"),
			POST(p, RawBody(`{"a":1} {"b":2}`)),
			// Unknown fields next to valid ones.
			POST(p, merge(f.valid, M{"zzz_unknown": 1})),
			// Unicode and control characters in values.
			POST(p, merge(f.valid, M{"meta": M{"ключ": "値\u0000"}})),
		)
		if f.ttlField != "" {
			for _, v := range []any{"-1h", "abc", "99999999h", 1e30, M{"x": 1}, []any{1}} {
				steps = append(steps, POST(p, merge(f.valid, M{f.ttlField: v})))
			}
		}
		if f.intField != "" {
			for _, v := range []any{"many", -5, 1.5, true, M{}} {
				steps = append(steps, POST(p, merge(f.valid, M{f.intField: v})))
			}
		}
		if strings.Contains(f.path, "NAME") {
			for _, name := range []string{"", "-bad", strings.Repeat("n", 300), "..", "a/../b", "név-ü", "%2e%2e", "a%00b"} {
				steps = append(steps, POST(f.at(name), f.valid))
			}
		}
		steps = append(steps,
			POST(p, f.valid).Anonymous(),
			POST(p, f.valid).WithToken("hvs.notarealtoken"),
			POST(p, f.valid).WithToken("hvb.AAAA"),
		)
		sc := S("badinput/"+f.name, steps...).
			Describe("malformed JSON, wrong types, unknown fields, absurd TTLs, awkward names, bad tokens")
		cleanup := append([]Step(nil), f.cleanup...)
		if strings.Contains(f.path, "NAME") {
			for _, name := range []string{"badin", "-bad", "%2e%2e", strings.Repeat("n", 300), "név-ü"} {
				switch {
				case strings.HasPrefix(f.path, "sys/auth/"), strings.HasPrefix(f.path, "cubbyhole/"):
					cleanup = append(cleanup, DELETE(f.at(name)))
				case strings.HasPrefix(f.path, "secret/data/"):
					cleanup = append(cleanup, DELETE("secret/metadata/"+name))
				}
			}
		}
		Register(sc.Then(cleanup...))
	}
	// One body over Vault's 32 MiB default max_request_size.
	Register(S("badinput/huge-body",
		POST("auth/token/create", RawBody(`{"meta":{"k":"`+strings.Repeat("x", 33<<20)+`"}}`)),
	))
}

func merge(a, b M) M {
	out := M{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

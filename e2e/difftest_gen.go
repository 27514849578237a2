package e2e

// Differential random testing (difftest), part 1: the generator.
//
// GenerateSequence turns a seed into a list of Steps over what the mock
// implements: token trees and roles, AppRole logins, renew/revoke by every
// route, policies and requests under tokens holding them, response
// wrapping, KV v2 and v1, cubbyhole, malformed and oversized bodies, every
// HTTP method on served routes, and URL encodings. The list depends on the
// seed alone, never on answers: a sequence replays identically, and any
// subsequence is again a valid sequence (a {{var}} whose saving step was
// dropped expands to MISSING-<var> on every target), which is what the
// minimiser (difftest.go) relies on.
//
// Rules that keep the comparison free of timing artefacts:
//   - every TTL, period and wrap TTL the generator uses is at least a minute
//     (sequences last seconds), so nothing expires while a sequence runs;
//   - no reads of lease listings, no tidy endpoints and no
//     delete_version_after below an hour (Vault does those in the
//     background);
//   - lists whose elements are random ids (accessors) are masked.

import (
	"fmt"
	"math/rand"
	"sort"
	"strings"
)

// genToken is a token variable the sequence may have saved.
type genToken struct {
	v     string // variable; the accessor is v+"_acc"
	batch bool
}

// genRole is an AppRole role; its credentials are saved as p_rid, p_sid,
// p_sacc.
type genRole struct{ mount, name, p string }

type gen struct {
	r      *rand.Rand
	steps  []Step
	n      int
	tokens []genToken
	roles  []string // token roles
	pols   []string
	ar     []string // AppRole mounts
	arRole []genRole
	kv2    []string
	kv1    string // KV v1 mount ("" until mounted)
	kv1k   []string
	wraps  []string
	cubby  []string
	// unwrapped marks wrapping tokens the sequence unwraps or rewraps:
	// real Vault revokes them in the background after answering, so a
	// lookup of their accessor, or a list of all accessors, races it.
	unwrapped map[string]bool
	badBudget int // invalid values the current operation may still use
}

// GenerateSequence returns the steps of sequence seed, at most max of them
// (at least one).
func GenerateSequence(seed int64, max int) []Step {
	if max < 1 {
		max = 1
	}
	g := &gen{r: rand.New(rand.NewSource(seed)), unwrapped: map[string]bool{}}
	// A few sequences start with mounts so that later operations have
	// somewhere to go; the others mount lazily.
	if g.chance(0.3) {
		g.ensureAppRole()
	}
	if g.chance(0.2) {
		g.ensureKV1()
	}
	total := 0
	for _, op := range genOps {
		total += op.weight
	}
	for len(g.steps) < max {
		x := g.r.Intn(total)
		for _, op := range genOps {
			if x < op.weight {
				g.badBudget = 1
				op.fn(g)
				break
			}
			x -= op.weight
		}
	}
	return g.steps[:max]
}

type genOp struct {
	name   string
	weight int
	fn     func(*gen)
}

// genOps is the catalogue of operations with their weights.
var genOps = []genOp{
	{"token-create", 14, (*gen).opTokenCreate},
	{"token-role", 8, (*gen).opTokenRole},
	{"approle", 10, (*gen).opAppRole},
	{"renew", 8, (*gen).opRenew},
	{"revoke", 7, (*gen).opRevoke},
	{"lookup", 8, (*gen).opLookup},
	{"policy", 8, (*gen).opPolicy},
	{"as-token", 12, (*gen).opAsToken},
	{"capabilities", 3, (*gen).opCapabilities},
	{"wrapping", 7, (*gen).opWrapping},
	{"kv2", 10, (*gen).opKV2},
	{"kv1", 5, (*gen).opKV1},
	{"cubbyhole", 3, (*gen).opCubbyhole},
	{"malformed", 6, (*gen).opMalformed},
	{"method", 6, (*gen).opMethod},
	{"url", 6, (*gen).opURL},
	{"sys", 4, (*gen).opSys},
	{"leases", 3, (*gen).opLeases},
}

// ---------------------------------------------------------------- helpers

// emit appends st. Lists of random ids (token accessors, secret ID
// accessors) are compared by count only, whatever path led to them.
func (g *gen) emit(st Step) {
	p := strings.ToLower(cleanPath(st.Path))
	list := st.Method == "LIST" || strings.Contains(p, "list=")
	if list && (strings.Contains(p, "accessors") || strings.Contains(p, "secret-id")) && len(st.Masked) == 0 {
		st = st.Mask("data.keys").Unordered("data.keys")
	}
	g.steps = append(g.steps, st)
}

func (g *gen) chance(p float64) bool      { return g.r.Float64() < p }
func (g *gen) pick(xs ...string) string   { return xs[g.r.Intn(len(xs))] }
func (g *gen) pickAny(xs ...any) any      { return xs[g.r.Intn(len(xs))] }
func (g *gen) fresh(prefix string) string { g.n++; return fmt.Sprintf("%s%d", prefix, g.n) }
func (g *gen) pickOr(xs []string, d string) string {
	if len(xs) == 0 {
		return d
	}
	return xs[g.r.Intn(len(xs))]
}

// subset returns a random subset of xs (in a random order).
func (g *gen) subset(xs []string) []string {
	var out []string
	for _, i := range g.r.Perm(len(xs)) {
		if g.chance(0.5) {
			out = append(out, xs[i])
		}
	}
	return out
}

// tok picks a saved token variable ("" if none).
func (g *gen) tok() string {
	if len(g.tokens) == 0 {
		return ""
	}
	return g.tokens[g.r.Intn(len(g.tokens))].v
}

// who sends st as root (mostly), a saved token, no token or a bogus one.
func (g *gen) who(st Step) Step {
	switch x := g.r.Intn(20); {
	case x < 13:
		return st
	case x < 18:
		if t := g.tok(); t != "" {
			return st.As(t)
		}
		return st
	case x < 19:
		return st.Anonymous()
	default:
		return st.WithToken(g.pick("hvs.bogus", "root ", "hvb.AAAA", "{{root}}x", ""))
	}
}

// maybeWrap asks for a wrapped answer now and then and saves the wrapping
// token.
func (g *gen) maybeWrap(st Step, p float64) Step {
	if !g.chance(p) || len(st.Masked) > 0 {
		// a masked answer holds random values that its unwrapping would
		// show unmasked
		return st
	}
	w := g.fresh("w")
	g.wraps = append(g.wraps, w)
	return st.Header("X-Vault-Wrap-TTL", g.wrapTTL()).Save(w, "wrap_info.token").Save(w+"_acc", "wrap_info.accessor")
}

func (g *gen) wrapTTL() string {
	if g.chance(0.1) {
		return g.pick("abc", "0", "-5", "1000h", "", "5x", "1s")
	}
	return g.pick("60", "60s", "5m", "1h", "90", "300", "2m")
}

// bad spends the operation's budget of one invalid value, with
// probability p: real Vault validates fields in map order, so with two
// invalid fields in one body its error names either, at random.
func (g *gen) bad(p float64) bool {
	if g.badBudget <= 0 || !g.chance(p) {
		return false
	}
	g.badBudget--
	return true
}

// dur is a TTL-like value: mostly valid and at least a minute.
func (g *gen) dur() any {
	if g.bad(0.1) {
		return g.pickAny("-1h", "abc", "99999h", "1h30", 1.5, true, M{"x": 1}, []any{"1h"}, "-5", "")
	}
	return g.pickAny("1h", "30m", "2h", "90m", "24h", "768h", "1m", "45m", 3600, 7200, "3600", "1h30m", "0", 0, "10m")
}

// num is a small count, sometimes of the wrong type.
func (g *gen) num() any {
	if g.bad(0.1) {
		return g.pickAny("many", -5, 1.5, true, M{}, "2", nil)
	}
	return g.pickAny(0, 1, 2, 3, 5)
}

// boolish is a boolean, sometimes spelt as a string or of the wrong type.
func (g *gen) boolish() any {
	if g.bad(0.15) {
		return g.pickAny("true", "false", "yes", 1, 0, "notabool", nil)
	}
	return g.chance(0.5)
}

// str is a short string, now and then an awkward one.
func (g *gen) str() string {
	if g.chance(0.15) {
		return g.pick("", "with space", "ünïcødé", "a/b", "a.b", "../x", "%2F", "\u0000", "<b>", "UPPER", strings.Repeat("y", 300), "\t\n", `"quoted"`)
	}
	return g.pick("x", "alpha", "beta", "ci-job", "app", "v1", "team.ops", "42")
}

// huge is an oversized string (kept printable as strings.Repeat).
func (g *gen) huge() string {
	n := []int{4096, 70000, 1 << 20, 1<<20 + 1, 3 << 20}[g.r.Intn(5)]
	unit := g.pick("x", "é", "ab")
	return strings.Repeat(unit, n/len(unit))
}

func (g *gen) policyName() string {
	if g.chance(0.07) {
		return g.pick("Mixed", "root", "default", "with.dot", "-bad", strings.Repeat("p", 200), "a b")
	}
	if len(g.pols) > 0 && g.chance(0.5) {
		return g.pickOr(g.pols, "p1")
	}
	return g.pick("p1", "p2", "ops", "dev", "reader", "writer")
}

func (g *gen) policyList() any {
	var ps []string
	for _, p := range append([]string{"default", "nope"}, g.pols...) {
		if g.chance(0.35) {
			ps = append(ps, p)
		}
	}
	if g.chance(0.05) {
		ps = append(ps, "root")
	}
	switch g.r.Intn(4) {
	case 0:
		return strings.Join(ps, ",")
	case 1:
		if g.bad(0.1) {
			return g.pickAny(5, M{"a": 1}, true)
		}
	}
	if ps == nil {
		return []string{}
	}
	return ps
}

func (g *gen) roleName() string {
	if g.chance(0.07) {
		return g.pick("-bad", "bad-", "a..b", "Role.A", strings.Repeat("r", 300), "név", "a%2Fb", "x_y")
	}
	if len(g.roles) > 0 && g.chance(0.6) {
		return g.pickOr(g.roles, "r1")
	}
	return g.pick("r1", "r2", "ops", "ci", "dev-role")
}

func (g *gen) kvKey() string {
	if g.chance(0.05) {
		return g.pick("a/", "a//b", "x y", "ü", strings.Repeat("k", 300), ".", "a/./b")
	}
	if len(g.kv2) > 0 && g.chance(0.5) {
		return g.pickOr(g.kv2, "a")
	}
	return g.pick("a", "b", "app/cfg", "app/db", "team/x/y", "z")
}

func (g *gen) kvDir() string {
	return g.pick("", "app", "app/", "team", "team/x", "a", "nope")
}

// data is a random JSON object of secret-like values.
func (g *gen) data() M {
	m := M{}
	for i := g.r.Intn(4); i >= 0; i-- {
		k := g.pick("user", "pass", "n", "ttl", "obj", "list", "empty", "x")
		switch g.r.Intn(6) {
		case 0:
			m[k] = g.r.Intn(100)
		case 1:
			m[k] = M{"a": g.str()}
		case 2:
			m[k] = []any{1, "two", nil}
		case 3:
			m[k] = g.chance(0.5)
		default:
			m[k] = g.str()
		}
	}
	return m
}

// ---------------------------------------------------------------- tokens

func (g *gen) tokenBody() M {
	b := M{}
	if g.chance(0.6) {
		b["policies"] = g.policyList()
	}
	if g.chance(0.4) {
		b["ttl"] = g.dur()
	}
	if g.chance(0.2) {
		b["explicit_max_ttl"] = g.dur()
	}
	if g.chance(0.15) {
		b["period"] = g.dur()
	}
	if g.chance(0.2) {
		b["num_uses"] = g.num()
	}
	if g.chance(0.2) {
		b["renewable"] = g.boolish()
	}
	if g.chance(0.15) {
		b["no_parent"] = g.boolish()
	}
	if g.chance(0.15) {
		b["no_default_policy"] = g.boolish()
	}
	if g.chance(0.2) {
		b["display_name"] = g.str()
	}
	if g.chance(0.2) {
		if g.bad(0.1) {
			b["meta"] = g.pickAny("str", M{"k": 1}, []any{"a"})
		} else {
			b["meta"] = M{g.pick("team", "job", "k"): g.str()}
		}
	}
	if g.chance(0.25) {
		b["type"] = g.pick("service", "batch", "batch", "default", "bogus")
	}
	if g.chance(0.05) {
		b["lease"] = g.dur()
	}
	if g.chance(0.04) {
		b["id"] = g.fresh("custom-token-id-")
	}
	if g.chance(0.04) {
		b["entity_alias"] = g.str()
	}
	if g.chance(0.05) {
		b[g.pick("zzz_unknown", "Policies", "policy")] = g.str()
	}
	return b
}

func (g *gen) addToken(v string, body M) {
	batch := body["type"] == "batch"
	g.tokens = append(g.tokens, genToken{v: v, batch: batch})
}

func (g *gen) opTokenCreate() {
	body := g.tokenBody()
	path := "auth/token/create"
	switch x := g.r.Intn(10); {
	case x < 2:
		path = "auth/token/create-orphan"
	case x < 4:
		path = "auth/token/create/" + g.roleName()
	}
	st := POST(path, body)
	if g.chance(0.1) {
		st.Method = "PUT"
	}
	v := g.fresh("t")
	st = st.SaveToken(v)
	// Children of saved tokens build trees.
	if p := g.tok(); p != "" && g.chance(0.35) {
		st = st.As(p)
	}
	st = g.maybeWrap(st, 0.08)
	g.addToken(v, body)
	g.emit(st)
}

func (g *gen) roleBody() M {
	b := M{}
	set := func(p float64, k string, v func() any) {
		if g.chance(p) {
			b[k] = v()
		}
	}
	list := func() any { return g.policyList() }
	set(0.4, "allowed_policies", list)
	set(0.2, "disallowed_policies", list)
	set(0.15, "allowed_policies_glob", func() any { return g.pick("p*", "o*", "*", "dev,ops*", "") })
	set(0.1, "disallowed_policies_glob", func() any { return g.pick("p*", "*", "nope*") })
	set(0.2, "orphan", func() any { return g.boolish() })
	set(0.2, "renewable", func() any { return g.boolish() })
	set(0.15, "path_suffix", func() any { return g.pick("sfx", "a/b", "", "bad suffix", "v1.2") })
	set(0.15, g.pick("token_period", "period"), func() any { return g.dur() })
	set(0.15, g.pick("token_explicit_max_ttl", "explicit_max_ttl"), func() any { return g.dur() })
	set(0.2, "token_type", func() any { return g.pick("service", "batch", "default-service", "default-batch", "default", "bogus") })
	set(0.15, "token_num_uses", func() any { return g.num() })
	set(0.1, "token_no_default_policy", func() any { return g.boolish() })
	set(0.1, "token_ttl", func() any { return g.dur() })
	set(0.1, "token_max_ttl", func() any { return g.dur() })
	set(0.08, "token_bound_cidrs", func() any { return g.pick(passCIDRs, failCIDR, "10.255.255.1", "not-a-cidr", "") })
	set(0.05, "allowed_entity_aliases", func() any { return g.pick("a*", "x,y") })
	set(0.04, "token_policies", list)
	set(0.04, "zzz_unknown", func() any { return 1 })
	return b
}

func (g *gen) opTokenRole() {
	switch x := g.r.Intn(10); {
	case x < 5:
		name := g.roleName()
		st := POST("auth/token/roles/"+name, g.roleBody())
		if g.chance(0.3) {
			st.Method = "PUT"
		}
		g.roles = append(g.roles, name)
		g.emit(g.who(st))
	case x < 7:
		g.emit(g.who(g.maybeWrap(GET("auth/token/roles/"+g.roleName()), 0.05)))
	case x < 8:
		st := LIST("auth/token/roles")
		if g.chance(0.3) {
			st = GET("auth/token/roles?list=true")
		}
		g.emit(g.who(st))
	default:
		g.emit(g.who(DELETE("auth/token/roles/" + g.roleName())))
	}
}

// ---------------------------------------------------------------- AppRole

func (g *gen) ensureAppRole() string {
	if len(g.ar) > 0 {
		return g.pickOr(g.ar, "approle")
	}
	m := "approle"
	if g.chance(0.3) {
		m = g.pick("ar", "team/apps", "ci-auth")
	}
	st := POST("sys/auth/"+m, M{"type": "approle"})
	if g.chance(0.2) {
		st = POST("sys/auth/"+m, M{"type": "approle", "description": g.str(), "config": M{"default_lease_ttl": g.dur(), "token_type": g.pick("default-service", "default-batch", "service", "batch")}})
	}
	g.emit(st)
	g.ar = append(g.ar, m)
	return m
}

func (g *gen) ensureKV1() string {
	if g.kv1 != "" {
		return g.kv1
	}
	g.kv1 = g.pick("kv1", "kv", "team/kv")
	body := M{"type": "kv"}
	if g.chance(0.3) {
		body["options"] = M{"version": "1"}
	}
	g.emit(POST("sys/mounts/"+g.kv1, body))
	return g.kv1
}

func (g *gen) approleRoleBody() M {
	b := M{}
	set := func(p float64, k string, v func() any) {
		if g.chance(p) {
			b[k] = v()
		}
	}
	set(0.5, g.pick("token_policies", "token_policies", "policies"), func() any { return g.policyList() })
	set(0.2, "token_ttl", func() any { return g.dur() })
	set(0.15, "token_max_ttl", func() any { return g.dur() })
	set(0.2, "token_type", func() any { return g.pick("service", "batch", "default", "default-service", "bogus") })
	set(0.15, "token_num_uses", func() any { return g.num() })
	set(0.1, g.pick("token_period", "period"), func() any { return g.dur() })
	set(0.2, "secret_id_num_uses", func() any { return g.num() })
	set(0.15, "secret_id_ttl", func() any { return g.dur() })
	set(0.1, "bind_secret_id", func() any { return g.boolish() })
	set(0.08, "token_no_default_policy", func() any { return g.boolish() })
	set(0.06, "token_bound_cidrs", func() any { return g.pick(passCIDRs, failCIDR, "bad") })
	set(0.06, g.pick("secret_id_bound_cidrs", "bound_cidr_list"), func() any { return g.pick(passCIDRs, failCIDR, "bad") })
	set(0.05, "local_secret_ids", func() any { return g.boolish() })
	set(0.05, "token_explicit_max_ttl", func() any { return g.dur() })
	set(0.03, "zzz_unknown", func() any { return g.str() })
	return b
}

func (g *gen) pickARRole() (genRole, bool) {
	if len(g.arRole) == 0 {
		return genRole{}, false
	}
	return g.arRole[g.r.Intn(len(g.arRole))], true
}

func (g *gen) opAppRole() {
	m := g.ensureAppRole()
	role, ok := g.pickARRole()
	if !ok || g.chance(0.15) {
		name := g.pick("r1", "r2", "ci", "web")
		if g.chance(0.05) {
			name = g.pick("-bad", "a.b", strings.Repeat("n", 200), "Ünï")
		}
		role = genRole{m, name, g.fresh("ar")}
		g.arRole = append(g.arRole, role)
		g.emit(g.who(POST("auth/"+m+"/role/"+name, g.approleRoleBody())))
		if g.chance(0.6) {
			// the whole login dance
			g.emit(GET("auth/"+role.mount+"/role/"+role.name+"/role-id").Save(role.p+"_rid", "data.role_id"))
			g.emit(POST("auth/"+role.mount+"/role/"+role.name+"/secret-id", nil).Save(role.p+"_sid", "data.secret_id").Save(role.p+"_sacc", "data.secret_id_accessor"))
			t := g.fresh("t")
			g.tokens = append(g.tokens, genToken{v: t})
			g.emit(POST("auth/"+role.mount+"/login", M{"role_id": "{{" + role.p + "_rid}}", "secret_id": "{{" + role.p + "_sid}}"}).Anonymous().SaveToken(t))
		}
		return
	}
	base := "auth/" + role.mount + "/role/" + role.name
	switch x := g.r.Intn(20); {
	case x < 3:
		st := GET(base+"/role-id").Save(role.p+"_rid", "data.role_id")
		if g.chance(0.1) {
			st = POST(base+"/role-id", M{"role_id": g.pick("custom-role-id-1", "", "x")}).Save(role.p+"_rid", "data.role_id")
		}
		g.emit(g.who(g.maybeWrap(st, 0.05)))
	case x < 6:
		body := M{}
		if g.chance(0.3) {
			body["metadata"] = g.pickAny(`{"team":"ops"}`, "notjson", `{"n":1}`, M{"a": "b"})
		}
		if g.chance(0.2) {
			body["ttl"] = g.dur()
		}
		if g.chance(0.2) {
			body["num_uses"] = g.num()
		}
		if g.chance(0.1) {
			body["cidr_list"] = g.pick(passCIDRs, failCIDR)
		}
		path := base + "/secret-id"
		if g.chance(0.1) {
			path = base + "/custom-secret-id"
			body["secret_id"] = g.pick("custom-secret-id-1", "custom-secret-id-2", "")
		}
		st := POST(path, body).Save(role.p+"_sid", "data.secret_id").Save(role.p+"_sacc", "data.secret_id_accessor")
		g.emit(g.who(g.maybeWrap(st, 0.08)))
	case x < 10:
		t := g.fresh("t")
		g.tokens = append(g.tokens, genToken{v: t})
		body := M{"role_id": "{{" + role.p + "_rid}}", "secret_id": "{{" + role.p + "_sid}}"}
		switch g.r.Intn(8) {
		case 0:
			delete(body, "secret_id")
		case 1:
			body["secret_id"] = "wrong"
		case 2:
			body["role_id"] = 5
		}
		st := POST("auth/"+role.mount+"/login", body).Anonymous().SaveToken(t)
		if g.chance(0.1) {
			st = st.WithToken("{{root}}")
		}
		g.emit(g.maybeWrap(st, 0.06))
	case x < 12:
		g.emit(g.who(GET(base)))
	case x < 13:
		g.emit(g.who(POST(base, g.approleRoleBody())))
	case x < 14:
		g.emit(g.who(POST(base+"/secret-id/lookup", M{"secret_id": "{{" + role.p + "_sid}}"})))
	case x < 15:
		g.emit(g.who(POST(base+"/secret-id-accessor/lookup", M{"secret_id_accessor": "{{" + role.p + "_sacc}}"})))
	case x < 16:
		if g.chance(0.5) {
			g.emit(g.who(POST(base+"/secret-id/destroy", M{"secret_id": "{{" + role.p + "_sid}}"})))
		} else {
			g.emit(g.who(POST(base+"/secret-id-accessor/destroy", M{"secret_id_accessor": "{{" + role.p + "_sacc}}"})))
		}
	case x < 17:
		g.emit(g.who(LIST(base + "/secret-id").Mask("data.keys").Unordered("data.keys")))
	case x < 18:
		g.emit(g.who(LIST("auth/" + role.mount + "/role")))
	case x < 19:
		sub := g.pick("policies", "token-ttl", "token-max-ttl", "token-num-uses", "period", "secret-id-num-uses", "secret-id-ttl", "bind-secret-id", "local-secret-ids", "bound-cidr-list", "secret-id-bound-cidrs", "token-bound-cidrs")
		switch g.r.Intn(3) {
		case 0:
			g.emit(g.who(GET(base + "/" + sub)))
		case 1:
			field := strings.ReplaceAll(sub, "-", "_")
			var v any = g.dur()
			switch sub {
			case "policies":
				field, v = "token_policies", g.policyList()
			case "token-num-uses", "secret-id-num-uses":
				v = g.num()
			case "bind-secret-id", "local-secret-ids":
				v = g.boolish()
			case "bound-cidr-list", "secret-id-bound-cidrs", "token-bound-cidrs":
				v = g.pick(passCIDRs, failCIDR, "bad")
			case "period":
				field = g.pick("token_period", "period")
			}
			g.emit(g.who(POST(base+"/"+sub, M{field: v})))
		default:
			g.emit(g.who(DELETE(base + "/" + sub)))
		}
	default:
		g.emit(g.who(DELETE(base)))
	}
}

// ---------------------------------------------------------------- renew, revoke, lookup

func (g *gen) opRenew() {
	t := g.tok()
	if t == "" {
		g.opTokenCreate()
		return
	}
	body := M{}
	if g.chance(0.5) {
		body["increment"] = g.dur()
	}
	switch g.r.Intn(6) {
	case 0, 1:
		body["token"] = "{{" + t + "}}"
		g.emit(g.who(POST("auth/token/renew", body)))
	case 2, 3:
		g.emit(POST("auth/token/renew-self", body).As(t))
	case 4:
		body["accessor"] = "{{" + t + "_acc}}"
		g.emit(g.who(POST("auth/token/renew-accessor", body)))
	default:
		// the lease route with a token's lease id is not observable here;
		// renew of made-up lease ids exercises its errors
		body["lease_id"] = g.pick("auth/token/create/nope", "", "sys/wrapping/wrap/x", "{{"+t+"}}")
		g.emit(g.who(POST(g.pick("sys/leases/renew", "sys/renew"), body)))
	}
}

func (g *gen) opRevoke() {
	t := g.tok()
	if t == "" {
		g.opTokenCreate()
		return
	}
	switch g.r.Intn(10) {
	case 0, 1:
		g.emit(g.who(POST("auth/token/revoke", M{"token": "{{" + t + "}}"})))
	case 2:
		g.emit(POST("auth/token/revoke-self", nil).As(t))
	case 3, 4:
		g.emit(g.who(POST("auth/token/revoke-accessor", M{"accessor": "{{" + t + "_acc}}"})))
	case 5:
		g.emit(g.who(POST("auth/token/revoke-orphan", M{"token": "{{" + t + "}}"})))
	case 6:
		prefix := g.pick("auth/token/create", "auth/token/create/", "auth/token/create-orphan", "auth/approle/login", "auth/token", "sys/wrapping")
		st := POST(g.pick("sys/leases/revoke-prefix/", "sys/revoke-prefix/")+prefix, nil)
		g.emit(g.who(st))
	case 7:
		g.emit(g.who(POST(g.pick("sys/leases/revoke", "sys/revoke"), M{"lease_id": g.pick("auth/token/create/nope", "", "{{"+t+"}}", "nope")})))
	case 8:
		g.emit(g.who(POST("sys/leases/revoke/"+g.pick("auth/token/create/nope", "x"), nil)))
	default:
		// revoke a token given in the wrong field / form
		g.emit(g.who(POST("auth/token/revoke", g.pickAny(M{"token": ""}, M{}, M{"accessor": "{{" + t + "_acc}}"}, M{"token": 5}))))
	}
}

func (g *gen) opLookup() {
	t := g.tok()
	if t == "" {
		t = "root"
	}
	var st Step
	switch g.r.Intn(8) {
	case 0, 1:
		st = g.who(POST("auth/token/lookup", M{"token": "{{" + t + "}}"}))
	case 2:
		st = GET("auth/token/lookup-self").As(t)
	case 3:
		st = POST("auth/token/lookup-self", nil).As(t)
	case 4, 5:
		st = g.who(POST("auth/token/lookup-accessor", M{"accessor": "{{" + t + "_acc}}"}))
	case 6:
		st = g.who(GET("auth/token/lookup?token={{" + t + "}}"))
	default:
		if len(g.unwrapped) > 0 {
			st = GET("auth/token/lookup-self").As(t)
			break
		}
		st = g.who(LIST("auth/token/accessors").Mask("data.keys").Unordered("data.keys"))
	}
	g.emit(g.maybeWrap(st, 0.06))
}

// ---------------------------------------------------------------- policies

var policyPaths = []string{
	"secret/data/KEY", "secret/data/*", "secret/data/app/*", "secret/metadata/*", "secret/+/app/cfg", "secret/*",
	"KV1/*", "KV1/KEY", "auth/token/create", "auth/token/create/*", "auth/token/create-orphan",
	"auth/token/lookup-self", "auth/token/renew-self", "auth/token/roles/*", "auth/token/*",
	"sys/policy/*", "sys/policies/acl/*", "sys/capabilities-self", "cubbyhole/*", "sys/wrapping/*",
	"sys/mounts", "sys/auth", "auth/approle/role/*", "sys/leases/*", "*", "+/data/+", "secret/data/a",
}

func (g *gen) policyPath() string {
	p := g.pick(policyPaths...)
	kv1 := g.kv1
	if kv1 == "" {
		kv1 = "kv1" // a policy may name a mount that is not there
	}
	p = strings.ReplaceAll(p, "KV1", kv1)
	return strings.ReplaceAll(p, "KEY", g.kvKey())
}

var capabilityNames = []string{"create", "read", "update", "delete", "list", "patch", "sudo", "deny"}

func (g *gen) policyHCL() string {
	if g.chance(0.05) {
		return g.pick(`path "x" {`, `path "x" { capabilities = ["fly"] }`, `path "x" { bogus = 1 }`, ``, `not hcl at all`,
			`path "x" { policy = "write" }`, `path "x" { policy = "sudo" }`, `{"path": {"x": {"capabilities": ["read"]}}}`,
			`path "a" { capabilities = ["read"] min_wrapping_ttl = "2h" max_wrapping_ttl = "1h" }`)
	}
	var b strings.Builder
	for i := g.r.Intn(3); i >= 0; i-- {
		caps := g.subset(capabilityNames)
		if len(caps) == 0 {
			caps = []string{"read"}
		}
		fmt.Fprintf(&b, "path %q {\n  capabilities = [%s]\n", g.policyPath(), quoteJoin(caps))
		if g.chance(0.1) {
			fmt.Fprintf(&b, "  allowed_parameters = { %q = [%s] }\n", g.pick("user", "*", "k"), quoteJoin(g.subset([]string{"alice", "b*", ""})))
		}
		if g.chance(0.08) {
			fmt.Fprintf(&b, "  denied_parameters = { %q = [] }\n", g.pick("pass", "*", "policies"))
		}
		if g.chance(0.06) {
			fmt.Fprintf(&b, "  required_parameters = [%q]\n", g.pick("user", "data", "policies"))
		}
		if g.chance(0.05) {
			fmt.Fprintf(&b, "  min_wrapping_ttl = %q\n  max_wrapping_ttl = %q\n", g.pick("1m", "90s"), g.pick("1h", "10m"))
		}
		b.WriteString("}\n")
	}
	return b.String()
}

func quoteJoin(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = fmt.Sprintf("%q", x)
	}
	return strings.Join(q, ", ")
}

func (g *gen) opPolicy() {
	name := g.policyName()
	api := g.pick("sys/policy/", "sys/policies/acl/")
	switch x := g.r.Intn(10); {
	case x < 5:
		field := "policy"
		if api == "sys/policy/" && g.chance(0.2) {
			field = "rules"
		}
		st := PUT(api+name, M{field: g.policyHCL()})
		if g.chance(0.3) {
			st.Method = "POST"
		}
		g.pols = append(g.pols, strings.ToLower(name))
		g.emit(g.who(st))
	case x < 7:
		g.emit(g.who(GET(api + name)))
	case x < 8:
		switch g.r.Intn(3) {
		case 0:
			g.emit(g.who(GET("sys/policy")))
		case 1:
			g.emit(g.who(LIST(strings.TrimSuffix(api, "/"))))
		default:
			g.emit(g.who(GET(strings.TrimSuffix(api, "/") + "?list=true")))
		}
	default:
		g.emit(g.who(DELETE(api + name)))
	}
}

func (g *gen) opCapabilities() {
	paths := []string{}
	for i := g.r.Intn(3); i >= 0; i-- {
		paths = append(paths, strings.ReplaceAll(g.policyPath(), "*", g.pick("x", "")))
	}
	t := g.tok()
	switch g.r.Intn(4) {
	case 0:
		g.emit(g.who(POST("sys/capabilities-self", M{"paths": paths})))
	case 1:
		g.emit(g.who(POST("sys/capabilities-self", M{"path": paths[0]})))
	case 2:
		g.emit(g.who(POST("sys/capabilities", M{"token": "{{" + g.pickOr([]string{t}, "root") + "}}", "paths": paths})))
	default:
		g.emit(g.who(POST("sys/capabilities-accessor", M{"accessor": "{{" + g.pickOr([]string{t}, "root") + "_acc}}", "paths": paths})))
	}
}

// opAsToken sends an ordinary request under a saved token (policies at
// work).
func (g *gen) opAsToken() {
	t := g.tok()
	if t == "" || g.chance(0.15) {
		// a token with fresh policies, then use it
		g.opPolicy()
		v := g.fresh("t")
		body := M{"policies": g.policyList()}
		g.addToken(v, body)
		g.emit(POST("auth/token/create", body).SaveToken(v))
		t = v
	}
	k := g.kvKey()
	var st Step
	switch g.r.Intn(16) {
	case 0:
		st = GET("secret/data/" + k)
	case 1:
		st = POST("secret/data/"+k, M{"data": g.data()})
	case 2:
		st = LIST("secret/metadata/" + g.kvDir())
	case 3:
		st = DELETE("secret/data/" + k)
	case 4:
		st = PATCH("secret/data/"+k, M{"data": g.data()})
	case 5:
		m := g.ensureKV1()
		body := M{g.pick("user", "k", "pass"): g.pick("alice", "bob", "b1")}
		if g.chance(0.5) {
			st = POST(m+"/"+k, body)
		} else {
			st = GET(m + "/" + k)
		}
	case 6:
		v := g.fresh("t")
		g.tokens = append(g.tokens, genToken{v: v})
		st = POST("auth/token/create", M{"policies": g.policyList()}).SaveToken(v)
	case 7:
		st = GET("auth/token/lookup-self")
	case 8:
		st = POST("sys/capabilities-self", M{"paths": []string{g.policyPath()}})
	case 9:
		st = GET(g.pick("sys/policy/", "sys/policies/acl/") + g.policyName())
	case 10:
		st = POST("cubbyhole/"+k, g.data())
	case 11:
		st = GET("auth/token/roles/" + g.roleName())
	case 12:
		v := g.fresh("t")
		g.tokens = append(g.tokens, genToken{v: v})
		st = POST("auth/token/create/"+g.roleName(), M{}).SaveToken(v)
	case 13:
		st = POST("sys/wrapping/wrap", g.data())
	case 14:
		st = GET(g.pick("sys/mounts", "sys/auth", "sys/mounts/secret", "sys/auth/token"))
	default:
		st = POST("auth/token/renew-self", M{})
	}
	g.emit(g.maybeWrap(st.As(t), 0.1))
}

// ---------------------------------------------------------------- wrapping

func (g *gen) opWrapping() {
	if len(g.wraps) == 0 || g.chance(0.3) {
		w := g.fresh("w")
		g.wraps = append(g.wraps, w)
		st := POST("sys/wrapping/wrap", g.data())
		if g.chance(0.3) {
			st = g.pick2(GET("auth/token/lookup-self"), POST("auth/token/create", g.tokenBody()))
		}
		st = st.Header("X-Vault-Wrap-TTL", g.wrapTTL()).Save(w, "wrap_info.token").Save(w+"_acc", "wrap_info.accessor")
		g.emit(g.who(st))
		return
	}
	w := g.pickOr(g.wraps, "w0")
	switch g.r.Intn(9) {
	case 0:
		g.emit(g.who(POST("sys/wrapping/lookup", M{"token": "{{" + w + "}}"})))
	case 1:
		g.emit(GET("sys/wrapping/lookup").As(w))
	case 2, 3:
		g.unwrapped[w] = true
		g.emit(POST("sys/wrapping/unwrap", nil).As(w))
	case 4:
		g.unwrapped[w] = true
		g.emit(g.who(POST("sys/wrapping/unwrap", M{"token": "{{" + w + "}}"})))
	case 5:
		g.unwrapped[w] = true
		nw := g.fresh("w")
		g.wraps = append(g.wraps, nw)
		g.emit(g.who(POST("sys/wrapping/rewrap", M{"token": "{{" + w + "}}"}).Save(nw, "wrap_info.token")))
	case 6:
		g.emit(POST("auth/token/lookup-self", nil).As(w))
	case 7:
		if g.unwrapped[w] {
			g.emit(g.who(POST("sys/wrapping/lookup", M{"token": "{{" + w + "}}"})))
			return
		}
		g.emit(g.who(POST("auth/token/lookup-accessor", M{"accessor": "{{" + w + "_acc}}"})))
	default:
		g.emit(g.who(POST("sys/wrapping/unwrap", g.pickAny(M{"token": ""}, M{"token": "nope"}, M{}, RawBody(`{"token":`)))))
	}
}

func (g *gen) pick2(a, b Step) Step {
	if g.chance(0.5) {
		return a
	}
	return b
}

// ---------------------------------------------------------------- KV

func (g *gen) opKV2() {
	k := g.kvKey()
	var st Step
	switch x := g.r.Intn(20); {
	case x < 5:
		body := M{"data": g.data()}
		if g.chance(0.2) {
			body["options"] = M{"cas": g.pickAny(0, 1, 2, "x")}
		}
		st = POST("secret/data/"+k, body)
		if g.chance(0.2) {
			st.Method = "PUT"
		}
		g.kv2 = append(g.kv2, k)
	case x < 9:
		p := "secret/data/" + k
		if g.chance(0.3) {
			p += "?version=" + g.pick("0", "1", "2", "3", "x", "-1")
		}
		st = g.maybeWrap(GET(p), 0.06)
	case x < 10:
		st = DELETE("secret/data/" + k)
	case x < 11:
		op := g.pick("delete", "undelete", "destroy")
		st = POST("secret/"+op+"/"+k, M{"versions": g.pickAny([]int{1}, []int{1, 2}, []int{9}, []any{}, "1", nil)})
	case x < 13:
		st = GET("secret/metadata/" + k)
	case x < 14:
		body := M{}
		if g.chance(0.5) {
			body["max_versions"] = g.num()
		}
		if g.chance(0.3) {
			body["cas_required"] = g.boolish()
		}
		if g.chance(0.4) {
			body["custom_metadata"] = g.pickAny(M{"owner": g.str()}, M{"n": 1})
			if g.bad(0.2) {
				body["custom_metadata"] = "x"
			}
		}
		if g.chance(0.2) {
			body["delete_version_after"] = g.pick("1h", "0s", "768h")
			if g.bad(0.2) {
				body["delete_version_after"] = "abc"
			}
		}
		st = POST("secret/metadata/"+k, body)
		if g.chance(0.2) {
			st = PATCH("secret/metadata/"+k, body)
		}
	case x < 15:
		st = DELETE("secret/metadata/" + k)
	case x < 17:
		d := g.kvDir()
		switch g.r.Intn(3) {
		case 0:
			st = LIST("secret/metadata/" + d)
		case 1:
			st = GET("secret/metadata/" + d + "?list=true")
		default:
			st = LIST("secret/" + g.pick("data/", "", "subkeys/", "delete/") + d)
		}
	case x < 18:
		st = PATCH("secret/data/"+k, M{"data": g.data()})
		if g.chance(0.2) {
			st = newStep("PATCH", "secret/data/"+k, M{"data": g.data()})
		}
	case x < 19:
		p := "secret/subkeys/" + k
		if g.chance(0.4) {
			p += "?depth=" + g.pick("0", "1", "2", "x")
		}
		st = GET(p)
	default:
		if g.chance(0.5) {
			st = GET("secret/config")
		} else {
			st = POST("secret/config", M{g.pick("max_versions", "cas_required", "delete_version_after"): g.pickAny(3, true, "1h", "x")})
		}
	}
	g.emit(g.who(st))
}

func (g *gen) opKV1() {
	m := g.ensureKV1()
	k := g.kvKey()
	var st Step
	switch x := g.r.Intn(10); {
	case x < 4:
		body := g.data()
		if g.chance(0.2) {
			body["ttl"] = g.dur()
		}
		st = POST(m+"/"+k, body)
		if g.chance(0.2) {
			st.Method = "PUT"
		}
		g.kv1k = append(g.kv1k, k)
	case x < 7:
		st = g.maybeWrap(GET(m+"/"+k), 0.06)
	case x < 8:
		st = DELETE(m + "/" + k)
	default:
		d := g.kvDir()
		if g.chance(0.5) {
			st = LIST(m + "/" + d)
		} else {
			st = GET(m + "/" + d + "?list=true")
		}
	}
	g.emit(g.who(st))
}

func (g *gen) opCubbyhole() {
	k := g.pick("k", "dir/k2", "a")
	var st Step
	switch g.r.Intn(5) {
	case 0, 1:
		st = POST("cubbyhole/"+k, g.data())
		g.cubby = append(g.cubby, k)
	case 2:
		st = GET("cubbyhole/" + k)
	case 3:
		st = LIST("cubbyhole/" + g.pick("", "dir"))
	default:
		st = DELETE("cubbyhole/" + k)
	}
	t := g.tok()
	if t != "" && g.chance(0.6) {
		st = st.As(t)
	}
	g.emit(st)
}

// ---------------------------------------------------------------- malformed input

// writeTargets are endpoints that take a JSON body, with a valid body.
func (g *gen) writeTarget() (string, M) {
	switch g.r.Intn(12) {
	case 0:
		return "auth/token/create", g.tokenBody()
	case 1:
		return "auth/token/roles/" + g.roleName(), g.roleBody()
	case 2:
		return "auth/token/renew-self", M{"increment": "1h"}
	case 3:
		return g.pick("sys/policies/acl/", "sys/policy/") + g.policyName(), M{"policy": g.policyHCL()}
	case 4:
		return "secret/data/" + g.kvKey(), M{"data": g.data()}
	case 5:
		return "cubbyhole/" + g.pick("k", "m"), g.data()
	case 6:
		return "sys/wrapping/wrap", g.data()
	case 7:
		m := g.ensureAppRole()
		return "auth/" + m + "/role/" + g.pick("r1", "mal"), g.approleRoleBody()
	case 8:
		m := g.ensureAppRole()
		return "auth/" + m + "/login", M{"role_id": "x", "secret_id": "y"}
	case 9:
		return "auth/token/lookup", M{"token": "{{root}}"}
	case 10:
		return "sys/capabilities-self", M{"paths": []string{"secret/data/a"}}
	default:
		return g.ensureKV1() + "/" + g.kvKey(), g.data()
	}
}

func (g *gen) opMalformed() {
	g.badBudget = 0 // the valid body stays valid: one abuse at a time
	path, body := g.writeTarget()
	var b any
	switch g.r.Intn(12) {
	case 0:
		b = RawBody(g.pick(`{`, `{"a":1,}`, `{"a":1} {"b":2}`, `{"a":}`, `nul`, `{"a":"\x"}`, "{\"a\":\"\xff\"}", `  `, `{"a":1}}`, `[{]`))
	case 1:
		b = RawBody(g.pick(`[1,2]`, `"str"`, `42`, `true`, `null`, `[]`, `{}`))
	case 2, 3:
		// wrong types for a field
		k := g.pickField(body)
		body[k] = g.pickAny(M{"x": 1}, []any{1, "a"}, 1e30, -1, true, nil, "", "abc", 1.5)
		b = body
	case 4, 5:
		// huge strings
		k := g.pickField(body)
		if g.chance(0.3) {
			k = strings.Repeat("k", 300)
		}
		body[k] = g.huge()
		b = body
	case 6:
		// deep nesting around Vault's JSON limits (depth 300)
		d := g.pickAny(299, 300, 301, 1000).(int)
		b = RawBody(`{"meta":` + strings.Repeat(`[`, d-1) + strings.Repeat(`]`, d-1) + `}`)
	case 7:
		// many entries / elements around the limits (10000)
		n := g.pickAny(9999, 10000, 10001).(int)
		if g.chance(0.5) {
			var sb strings.Builder
			sb.WriteString(`{"data":{`)
			for i := 0; i < n; i++ {
				if i > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `"k%d":1`, i)
			}
			sb.WriteString(`}}`)
			b = RawBody(sb.String())
		} else {
			b = RawBody(`{"policies":[` + strings.TrimSuffix(strings.Repeat(`"a",`, n), ",") + `]}`)
		}
	case 8:
		// duplicate keys, unicode escapes, BOM
		b = RawBody(g.pick(`{"policies":["a"],"policies":["b"]}`, "\ufeff{\"a\":1}", `{"display_name":"\u00e9\ud83d\ude00"}`, `{"a":1e400}`, `{"num_uses":1.0}`, `{"ttl":"1h","ttl":"2h"}`))
	case 9:
		if g.chance(0.15) {
			// over the 32 MiB max_request_size
			b = RawBody(`{"meta":{"k":"` + strings.Repeat("x", 33<<20) + `"}}`)
		} else {
			b = body
			body[g.pick("zzz_unknown", "", " ", "a.b")] = g.str()
		}
	case 10:
		// a body on a read, and a form-encoded body
		st := GET(path)
		if g.chance(0.5) {
			st = newStep("GET", path, body)
		}
		g.emit(g.who(st))
		return
	default:
		st := POST(path, RawBody("a=b&c=d")).Header("Content-Type", g.pick("application/x-www-form-urlencoded", "text/plain", "", "application/json; charset=latin1"))
		g.emit(g.who(st))
		return
	}
	g.emit(g.who(POST(path, b)))
}

func (g *gen) pickField(body M) string {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) == 0 || g.chance(0.2) {
		return g.pick("policies", "ttl", "num_uses", "data", "token", "increment", "meta", "policy")
	}
	return keys[g.r.Intn(len(keys))]
}

// ---------------------------------------------------------------- methods and URLs

// routes are paths the mock serves (docs/routes.md), with placeholders
// filled in from the sequence's names.
func (g *gen) route() string {
	t := g.tok()
	rs := []string{
		"sys/health", "sys/seal-status", "sys/leader", "sys/auth", "sys/mounts", "sys/capabilities",
		"sys/capabilities-self", "sys/capabilities-accessor", "sys/leases/lookup", "sys/leases/lookup/nope/",
		"sys/leases/renew", "sys/renew", "sys/leases/revoke", "sys/revoke", "sys/auth/token/tune", "sys/auth/token",
		"sys/mounts/secret/tune", "sys/mounts/secret", "sys/internal/ui/mounts", "sys/internal/ui/mounts/secret",
		"sys/policy", "sys/policy/default", "sys/policies/acl", "sys/policies/acl/default", "sys/policy/" + g.policyName(),
		"sys/wrapping/wrap", "sys/wrapping/unwrap", "sys/wrapping/lookup", "sys/wrapping/rewrap",
		"cubbyhole/k", "cubbyhole/",
		"auth/token/create", "auth/token/create-orphan", "auth/token/create/" + g.roleName(), "auth/token/lookup",
		"auth/token/lookup-self", "auth/token/lookup-accessor", "auth/token/renew", "auth/token/renew-self",
		"auth/token/renew-accessor", "auth/token/revoke", "auth/token/revoke-self", "auth/token/revoke-accessor",
		"auth/token/revoke-orphan", "auth/token/accessors/", "auth/token/roles/", "auth/token/roles/" + g.roleName(),
		"secret/config", "secret/data/" + g.kvKey(), "secret/metadata/" + g.kvKey(), "secret/destroy/" + g.kvKey(),
		"secret/subkeys/" + g.kvKey(), "secret/delete/" + g.kvKey(), "secret/undelete/" + g.kvKey(), "secret/metadata/",
		"sys/nosuch", "auth/token/nosuch", "nosuchmount/x",
	}
	if len(g.ar) > 0 {
		m := g.ar[0]
		rs = append(rs, "auth/"+m+"/login", "auth/"+m+"/role", "auth/"+m+"/role/r1", "auth/"+m+"/role/r1/role-id",
			"auth/"+m+"/role/r1/secret-id", "auth/"+m+"/role/r1/secret-id/lookup", "auth/"+m+"/role/r1/policies",
			"auth/"+m+"/role/r1/secret-id-accessor/destroy", "auth/"+m+"/role/r1/local-secret-ids")
	}
	if g.kv1 != "" {
		rs = append(rs, g.kv1+"/"+g.kvKey(), g.kv1+"/")
	}
	r := rs[g.r.Intn(len(rs))]
	if strings.Contains(r, "accessors") && len(g.unwrapped) > 0 {
		r = "auth/token/lookup-self"
	}
	if t != "" && g.chance(0.2) {
		r = strings.Replace(r, "auth/token/lookup", "auth/token/lookup?token={{"+t+"}}", 1)
	}
	return r
}

var allMethods = []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "PATCH", "LIST", "TRACE", "FOO", "get"}

func (g *gen) opMethod() {
	path := g.route()
	m := g.pick(allMethods...)
	var body any
	if g.chance(0.5) && m != "HEAD" && m != "TRACE" {
		body = g.pickAny(M{}, g.data(), M{"token": "{{root}}"}, M{"policy": `path "x" { capabilities = ["read"] }`})
	}
	st := newStep(m, path, body)
	if m == "PATCH" && g.chance(0.6) {
		st = st.Header("Content-Type", "application/merge-patch+json")
	}
	g.emit(g.who(st))
}

func (g *gen) opURL() {
	path := g.route()
	if g.chance(0.3) {
		path = "secret/data/" + g.pick("app/cfg", "a", "team/x/y")
	}
	m := g.pick("GET", "GET", "LIST", "POST", "DELETE")
	q := ""
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path, q = path[:i], path[i:]
	}
	segs := strings.Split(path, "/")
	switch g.r.Intn(12) {
	case 0: // %2F for a separator
		if len(segs) > 1 {
			i := 1 + g.r.Intn(len(segs)-1)
			path = strings.Join(segs[:i], "/") + g.pick("%2F", "%2f") + strings.Join(segs[i:], "/")
		}
	case 1: // doubled separator
		if len(segs) > 1 {
			i := 1 + g.r.Intn(len(segs)-1)
			path = strings.Join(segs[:i], "/") + "//" + strings.Join(segs[i:], "/")
		} else {
			path = "/" + path
		}
	case 2: // trailing slash toggled
		if strings.HasSuffix(path, "/") {
			path = strings.TrimSuffix(path, "/")
		} else {
			path += "/"
		}
	case 3: // ?list=true vs LIST
		m = "GET"
		q = "?" + g.pick("list=true", "list=1", "list=false", "list=", "list=yes", "list=true&list=false")
		if g.chance(0.3) {
			m = "LIST"
		}
	case 4: // percent-encoded letter
		i := g.r.Intn(len(path))
		c := path[i]
		if c != '/' && c != '%' && !strings.Contains(path, "{{") {
			enc := fmt.Sprintf("%%%02X", c)
			if g.chance(0.5) {
				enc = strings.ToLower(enc)
			}
			path = path[:i] + enc + path[i+1:]
		}
	case 5: // dot segments
		if len(segs) > 1 {
			i := 1 + g.r.Intn(len(segs)-1)
			path = strings.Join(segs[:i], "/") + g.pick("/./", "/../"+segs[i-1]+"/") + strings.Join(segs[i:], "/")
		}
	case 6: // a leading slash (sent as /v1//path)
		path = "/" + path
	case 7: // case
		path = strings.ToUpper(path[:1]) + path[1:]
	case 8: // unknown query parameters and a query on writes
		q = "?" + g.pick("foo=bar", "version=1", "token=x", "list=true&foo=1", "help=0", "%zz")
	case 9: // encoded space / plus / unicode
		path += g.pick("%20", "+x", "%C3%A9", "%00", "%", "~")
	case 10: // trailing dot segment
		path += g.pick("/.", "/..", "/%2e%2e", "/%2E")
	default: // no /v1 sub-path at all / several trailing slashes
		path += "//"
	}
	var body any
	if m == "POST" {
		body = g.pickAny(M{}, g.data(), M{"data": g.data()})
	}
	g.emit(g.who(newStep(m, path+q, body)))
}

// ---------------------------------------------------------------- sys

func (g *gen) opSys() {
	switch g.r.Intn(10) {
	case 0:
		g.emit(g.who(GET(g.pick("sys/mounts", "sys/auth"))))
	case 1:
		g.emit(g.who(GET(g.pick("sys/mounts/secret", "sys/auth/token", "sys/mounts/cubbyhole", "sys/mounts/nope", "sys/auth/nope"))))
	case 2:
		p := g.pick("sys/mounts/secret/tune", "sys/auth/token/tune")
		if len(g.ar) > 0 && g.chance(0.5) {
			p = "sys/auth/" + g.ar[0] + "/tune"
		}
		if g.chance(0.5) {
			g.emit(g.who(GET(p)))
		} else {
			g.emit(g.who(POST(p, M{g.pick("default_lease_ttl", "max_lease_ttl", "description", "listing_visibility", "token_type"): g.pickAny("1h", "2h", "x", "unauth", "hidden", "default-batch", 0)})))
		}
	case 3:
		g.emit(g.who(GET(g.pick("sys/internal/ui/mounts", "sys/internal/ui/mounts/secret", "sys/internal/ui/mounts/auth/token", "sys/internal/ui/mounts/nope"))))
	case 4:
		g.emit(g.who(GET(g.pick("sys/health", "sys/seal-status", "sys/leader", "sys/health?standbyok=true", "sys/health?activecode=299"))))
	case 5:
		if len(g.ar) > 0 && g.chance(0.3) {
			m := g.ar[len(g.ar)-1]
			g.ar = g.ar[:len(g.ar)-1]
			g.emit(g.who(DELETE("sys/auth/" + m)))
			return
		}
		g.ensureAppRole()
	case 6:
		if g.kv1 != "" && g.chance(0.3) {
			g.emit(g.who(DELETE("sys/mounts/" + g.kv1)))
			g.kv1 = ""
			return
		}
		g.ensureKV1()
	case 7:
		g.emit(g.who(POST("sys/mounts/"+g.pick("m2", "secret", "sys", "cubbyhole", "auth/x", "a b"), M{"type": g.pick("kv", "kv-v2", "nope", "approle", "")})))
	case 8:
		g.emit(g.who(POST("sys/auth/"+g.pick("token", "ap2", "approle"), M{"type": g.pick("approle", "token", "nope", "")})))
	default:
		// sys paths the mock does not implement answer 404 naming
		// mockvault (docs/routes.md): only unknown ones are compared
		g.emit(g.who(GET(g.pick("sys/nosuch", "sys/internal/nosuch", "sys/policies/nosuch"))))
	}
}

func (g *gen) opLeases() {
	switch g.r.Intn(4) {
	case 0:
		g.emit(g.who(POST("sys/leases/lookup", M{"lease_id": g.pick("auth/token/create/nope", "", "nope")})))
	case 1:
		g.emit(g.who(LIST("sys/leases/lookup/" + g.pick("nope/", "auth/token/create/x/", "secret/"))))
	case 2:
		g.emit(g.who(POST("sys/leases/renew/"+g.pick("auth/token/create/nope", "nope"), nil)))
	default:
		g.emit(g.who(POST(g.pick("sys/leases/revoke-prefix/", "sys/revoke-prefix/")+g.pick("nope", "auth/nope", "secret"), nil)))
	}
}

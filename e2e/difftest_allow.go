package e2e

// Differential random testing (difftest), part 3: the allow-list of known,
// explained divergences. A divergence all of whose difference lines match
// entries is known: it does not fail `make difftest` or the CI slice. If
// every matching entry is Cosmetic (the answers differ but the servers'
// states do not), the sequence goes on; otherwise it is abandoned there
// (its later steps would only show consequences).
//
// Add an entry only with a reason (what real Vault answers, what the mock
// answers, why it is not fixed yet), and remove it when the mock is fixed:
// a stale entry hides regressions. MOCKVAULT_DIFF_STRICT=1 ignores the
// list, and every report counts how often each entry was hit.

import "regexp"

// DiffAllow is one known, explained divergence.
type DiffAllow struct {
	// ID names it (DT1, DT2, ...; the report names the entries it hit).
	ID string
	// Reason explains it.
	Reason string
	// Step matches the diverging step as written, "METHOD path" with its
	// {{var}} references unexpanded, or the same with the path
	// percent-decoded and without leading slashes (nil: any step).
	Step *regexp.Regexp
	// Diff matches difference lines as Compare prints them (nil: any).
	Diff *regexp.Regexp
	// Header, when set, is a request header the step must send (e.g.
	// X-Vault-Wrap-TTL).
	Header string
	// After, when set, must match an earlier step of the sequence (like
	// Step): for divergences that are consequences of an earlier request.
	After *regexp.Regexp
	// Need, when set, must match at least one of the difference lines
	// (Diff then only has to match the others).
	Need *regexp.Regexp
	// Cosmetic: only the answer differs, not the state; the sequence may
	// go on after it.
	Cosmetic bool
}

var allowRe = regexp.MustCompile

// diffAllowList is the allow-list. Keep it short. The entries below are
// mock bugs difftest found, reported for fixing; delete each when the mock
// is fixed (DT1, issue_time without nanoseconds; DT2, the error list of
// unknown methods; DT27, the Location of a redirect of a non-ASCII path;
// DT14-16, DT18-20, DT22, DT28, DT31, DT32, DT34-38, DT40: fixed,
// scenarios_difftest.go checks them; so are DT10, DT30 and DT33).
var diffAllowList = []DiffAllow{
	{ID: "DT3",
		Reason: "OPTIONS and HEAD: real Vault runs them through the whole request pipeline as a header operation (token check and use, ACL, routing: 403/404, handlers that check a wrapping token first: 400; then 405 unsupported operation; HEAD sys/health 200); the mock answers 405 with an empty error (OPTIONS) or 200/404 (HEAD) at once",
		Step:   allowRe(`^(?:OPTIONS|HEAD) `)},
	{ID: "DT4",
		Reason: "PATCH where no patch exists: real Vault checks unauthenticated sys paths first (405, errors []), runs login and sys/wrapping handlers (500 alias name, 400 wrapping token); the mock answers 405 or 415 first",
		Step:   allowRe(`^PATCH /?(?:sys/health|sys/seal-status|sys/leader|sys/wrapping|sys/internal|auth/[^ ]*login)`)},
	{ID: "DT5",
		Reason: "real Vault closes the connection without an answer (a recovered handler panic) when `token` in the body of auth/token/{lookup,revoke,...} is not a string, approle's role_id is an array or object, or a token role's token_type is not a string; the mock answers an ordinary error",
		Diff:   allowRe(`^request error: vault=".*(?:: EOF"|\.\.\.) mock=""$`)},
	{ID: "DT6",
		Reason: "malformed JSON that real Vault's limit scanner rejects with a 500 and the bare parser message ({\"a\":} invalid character '}' after object key; a bad escape; 1e400 invalid number syntax), the mock 400 \"error parsing JSON: ...\" or accepts it",
		Need:   allowRe(`^(?:errors\.0: vault="|body: vault=\{"errors":\["|body: only in vault: errors=\[")(?:invalid character|malformed JSON)`),
		Diff:   allowRe(`^(?:status: vault=500 mock=\d+|body: only in mock: .*)$`)},
	{ID: "DT7",
		Reason: "?help=<anything> answers help text on real Vault (docs/conformance-findings.md C3), the mock ignores it or answers 405",
		Step:   allowRe(`[?&]help=`)},
	{ID: "DT8",
		Reason: "a policy name with .. (GET/DELETE sys/policy/a..b, sys/policies/acl/a..b): real Vault's storage refuses the key (400 \"failed to read policy: relative paths not supported\"), the mock 404/204 (path_sys_policy.go; token roles, AppRole roles, KV v1 and cubbyhole keys answer like Vault: scenarios_difftest.go difftest/http/relative-path-names)",
		Step:   allowRe(`^[A-Z]+ /?sys/(?:policy|policies/acl)/[^ ]*(?:\.\.|%2[eE]%2[eE])`)},
	{ID: "DT9", Cosmetic: true,
		Reason: "renew of a token with num_uses: real Vault's answer repeats the auth its lease was issued with (auth.num_uses as at creation), the mock reports the uses left (it keeps no copy of the issued count: tokenEntry, tokens.go). A renewal spending the last use answers 400 \"token not found\" on both",
		Step:   allowRe(`^POST auth/token/renew`),
		Diff:   allowRe(`^auth\.num_uses: vault=\d+ mock=-?\d+$`)},
	{ID: "DT11", Cosmetic: true,
		Reason: "GET ?list=<not a bool> (yes): real Vault 400 with errors [], the mock 405 or a list",
		Step:   allowRe(`^GET [^ ]*[?&]list=yes`)},
	{ID: "DT12", Cosmetic: true,
		Reason: "sys/wrapping/{unwrap,rewrap,lookup,wrap} with GET/DELETE/LIST: real Vault checks the wrapping token before the operation (400 wrapping token is not valid, 403 token is empty), the mock answers 405",
		Step:   allowRe(`^(?:GET|DELETE|LIST) sys/wrapping/`),
		Diff:   allowRe(`^(?:status: vault=40[03] mock=405|errors\.0: vault="(?:wrapping token is not valid or does not exist|error validating wrapping token: .*)" mock=.*)$`)},
	{ID: "DT13",
		Reason: "LIST with query parameters: the mock takes them as request data (warning \"Endpoint ignored these unrecognized parameters\", and a 200 where real Vault has nothing to list: 404)",
		Step:   allowRe(`^LIST [^ ]*\?`)},
	{ID: "DT17", Cosmetic: true,
		Reason: "%2F in a path (sys%2finternal/ui/mounts, sys/mounts%2Fsecret): real Vault's ServeMux misses the dedicated handlers (no multierror wrapper on errors, no legacy top-level keys on sys/ reads), the mock decodes it first",
		Step:   allowRe(`^[A-Z]+ [^ ]*%2[fF]`)},
	{ID: "DT21",
		Reason: "X-Vault-Wrap-TTL on a request whose answer is empty or an error with warnings (PATCH of a missing KV v2 key, GET secret/data/a/): real Vault wraps it (200 with wrap_info); on a LIST of nothing its 404 error is the bare \"unsupported path\"; the mock answers unwrapped",
		Header: "X-Vault-Wrap-TTL"},
	{ID: "DT23", Cosmetic: true,
		Reason: "LIST (or GET ?list=) on unauthenticated sys/health, sys/seal-status, sys/leader: real Vault 405 with errors [] for LIST and the normal answer for GET ?list=true&list=false; the mock 403 or 404",
		Step:   allowRe(`^(?:LIST|GET) sys/(?:health|seal-status|leader)`)},
	{ID: "DT24",
		Reason: "a policy name with a trailing slash, or a trailing encoded dot segment (GET sys/policies/acl/default/, .../default/%2E): real Vault reads the policy, the mock 404 (path_sys_policy.go)",
		Step:   allowRe(`^[A-Z]+ /?sys/(?:policy|policies/acl)/[^ ?]+/(?:%2[eE]/?)?(?:\?[^ ]*)?$`)},
	{ID: "DT25", Cosmetic: true,
		Reason: "an empty or false list= parameter on a read (GET sys/policy/p?list=): real Vault takes it as a parameter and warns \"Endpoint ignored these unrecognized parameters: [list]\", the mock does not",
		Step:   allowRe(`[?&]list=(?:false)?(?:&|$)`),
		Diff:   allowRe(`^warnings: vault=\["Endpoint ignored these unrecognized parameters: \[list\]"\] mock=null$`)},
	{ID: "DT26", Cosmetic: true,
		Reason: "auth/token/accessors after a rewrap: real Vault still lists the old wrapping token's accessor (docs/conformance-findings.md D33: rewrap does not revoke the old token's lease), the mock does not",
		Step:   allowRe(`^LIST /?auth/token/accessors`),
		Diff:   allowRe(`^data\.keys: vault=\[.*\] mock=\[.*\]$`)},
	{ID: "DT29", Cosmetic: true,
		Reason: "sys/internal/ui/mounts with a method other than GET, or a trailing slash: real Vault \"unsupported operation\"/\"unsupported path\" without the multierror wrapper and no token check (LIST: 404), the mock with the wrapper (LIST with a bad token: 403)",
		Step:   allowRe(`^[A-Z]+ sys/internal/ui/mounts`)},
	{ID: "DT39", Cosmetic: true,
		Reason: "auth/token/lookup with {\"token\": null} and an invalid X-Vault-Token: both 403, real Vault \"invalid token\", the mock \"2 errors occurred: permission denied, invalid token\"",
		Step:   allowRe(`^POST auth/token/lookup$`),
		Diff:   allowRe(`^errors\.0: vault="invalid token" mock="2 errors occurred:.*permission denied.*invalid token.*"$`)},
	{ID: "DT41", Cosmetic: true,
		Reason: "renew with an increment at (or just above) the token's remaining max TTL: real Vault always warns \"TTL of ... exceeded the effective max_ttl of \\\"767h59m59s\\\"; TTL value is capped\" (it counts the time elapsed to the nanosecond), the mock only once a whole second has passed",
		Step:   allowRe(`^POST auth/token/renew`),
		Diff:   allowRe(`^warnings: vault=\["TTL of .* exceeded the effective max_ttl of .*; TTL value is capped accordingly"\] mock=null$`)},
	{ID: "DT42",
		Reason: "a body over Vault's JSON limits (string over 1 MiB, too deep, too many entries) sent to an unclean path (kv1/a/./b): real Vault checks the body first (500 \"JSON string value exceeds allowed length\"), the mock redirects first (307)",
		Need:   allowRe(`^body: vault=\{"errors":\["JSON .*exceeds allowed .*"\]\} mock=null$`),
		Diff:   allowRe(`^status: vault=500 mock=30[178]$`)},
	{ID: "DT43",
		Reason: "a KV v2 write to a key ending in an encoded dot segment (secret/data/app/cfg/%2E): real Vault keeps metadata under the cleaned key app/cfg and the version data under app/cfg/., so later reads of app/cfg answer 500 \"could not find version data\" and CAS writes see version 1; the mock keeps one key",
		After:  allowRe(`^(?:POST|PUT|PATCH) secret/data/[^ ]*/(?:%2[eE]){1,2}/?$`),
		Step:   allowRe(`^[A-Z]+ secret/`)},
}

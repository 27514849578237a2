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
// unknown methods; DT27, the Location of a redirect of a non-ASCII path:
// fixed, scenarios_difftest.go checks them).
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
		Reason: "a path with a .. segment: real Vault 400 \"relative paths not supported\" (token create/:role and roles: 404 unsupported path), the mock routes it",
		Step:   allowRe(`(?:\.\.|%2[eE]%2[eE])`)},
	{ID: "DT9",
		Reason: "renew-self/renew as a token with num_uses: real Vault reports auth.num_uses before the use the request spends, and when the renewal spends the last use it answers 400 \"token not found\"; the mock reports the count after the use and renews",
		Step:   allowRe(`^POST auth/token/renew`),
		Diff:   allowRe(`^(?:auth\.num_uses: vault=\d+ mock=\d+|status: vault=400 mock=200|body: only in (?:vault|mock): (?:errors|auth)=.*|errors\.0: vault="token not found" mock=.*)$`)},
	{ID: "DT10", Cosmetic: true,
		Reason: "auth/token/create/:role_name with an invalid name (bad-, a%2Fb), or LIST on it: real Vault 404 unsupported path, the mock 400 \"unknown role\" or 405",
		Step:   allowRe(`^[A-Z]+ /?auth/token/[^ ]*create/`),
		Diff:   allowRe(`^(?:status: vault=404 mock=40[05]|errors\.0: vault="1 error occurred:\\n\\t\* unsupported path\\n\\n" mock=.*)$`)},
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
	{ID: "DT14",
		Reason: "a bool field given as null (token create or token role renewable: null): real Vault takes false, the mock the default true",
		Diff:   allowRe(`^(?:auth|data)\.renewable: vault=false mock=true$`)},
	{ID: "DT15",
		Reason: "secret/config with a value of the wrong type (delete_version_after: true): real Vault 400 could not parse duration, the mock 204",
		Step:   allowRe(`^(?:POST|PUT) secret/config$`)},
	{ID: "DT16", Cosmetic: true,
		Reason: "an approle update-only sub-path with a trailing slash (role/r/secret-id/lookup/) read, listed or deleted: real Vault 405 unsupported operation, the mock 404 unsupported path",
		Step:   allowRe(`^(?:(?:GET|DELETE) auth/[^ ]*/role/[^ ?]*/(?:\?[^ ]*)?|LIST auth/[^ ]*/role/[^ ]+/[^ ]*)$`),
		Diff:   allowRe(`^(?:status: vault=405 mock=404|errors\.0: .*unsupported operation.*unsupported path.*)$`)},
	{ID: "DT17", Cosmetic: true,
		Reason: "%2F in a path (sys%2finternal/ui/mounts, sys/mounts%2Fsecret): real Vault's ServeMux misses the dedicated handlers (no multierror wrapper on errors, no legacy top-level keys on sys/ reads), the mock decodes it first",
		Step:   allowRe(`^[A-Z]+ [^ ]*%2[fF]`)},
	{ID: "DT18",
		Reason: "DELETE sys/auth/:path/tune and sys/mounts/:path/tune: real Vault 405 unsupported operation, the mock 204",
		Step:   allowRe(`^DELETE /?sys/(?:auth|mounts)/[^ ]*tune`)},
	{ID: "DT19", Cosmetic: true,
		Reason: "the root of a cubbyhole or KV v1 mount without a key (GET cubbyhole/, POST kv1): real Vault 500 or 400 \"missing path\", the mock 404 or writes",
		Step:   allowRe(`^[A-Z]+ (?:cubbyhole|kv1|kv|team/kv)/?(?:\?[^ ]*)?$`),
		Need:   allowRe(`missing path`)},
	{ID: "DT20",
		Reason: "token create/:role where the role's disallowed_policies(_glob) excludes policies the new token would get: real Vault 400 \"token policy \\\"root\\\" is disallowed by this role\" for an inherited root, or drops default (policies []); the mock ignores disallowed_policies_glob",
		Step:   allowRe(`^(?:POST|PUT) auth/token/create/`),
		Need:   allowRe(`(?:^body: only in vault: errors=\["token policy .* is disallowed by this role"\]|^auth\.policies: vault=\[\] mock=|^errors\.0: vault="token policies \(\[(?:[^d].*)?\]\) must be subset.* mock="token policies \(\[\\"default\\")`),
		Diff:   allowRe(`^(?:status: vault=400 mock=200|body: only in mock: .*|auth: only in mock: token_policies=.*)$`)},
	{ID: "DT21",
		Reason: "X-Vault-Wrap-TTL on a request whose answer is empty or an error with warnings (PATCH of a missing KV v2 key, GET secret/data/a/): real Vault wraps it (200 with wrap_info); on a LIST of nothing its 404 error is the bare \"unsupported path\"; the mock answers unwrapped",
		Header: "X-Vault-Wrap-TTL"},
	{ID: "DT22",
		Reason: "sys/mounts/:path with the type of an auth method (approle): real Vault 400 \"plugin not found in the catalog: approle\", the mock mounts it",
		Step:   allowRe(`^(?:POST|PUT) /?sys/mounts/`),
		Need:   allowRe(`plugin not found in the catalog`),
		Diff:   allowRe(`^status: vault=400 mock=20[04]$`)},
	{ID: "DT23", Cosmetic: true,
		Reason: "LIST (or GET ?list=) on unauthenticated sys/health, sys/seal-status, sys/leader: real Vault 405 with errors [] for LIST and the normal answer for GET ?list=true&list=false; the mock 403 or 404",
		Step:   allowRe(`^(?:LIST|GET) sys/(?:health|seal-status|leader)`)},
	{ID: "DT24",
		Reason: "a policy name with a trailing slash (GET sys/policies/acl/default/): real Vault reads the policy, the mock 404",
		Step:   allowRe(`^[A-Z]+ /?sys/(?:policy|policies/acl)/[^ ?]+/(?:\?[^ ]*)?$`)},
	{ID: "DT25", Cosmetic: true,
		Reason: "an empty or false list= parameter on a read (GET sys/policy/p?list=): real Vault takes it as a parameter and warns \"Endpoint ignored these unrecognized parameters: [list]\", the mock does not",
		Step:   allowRe(`[?&]list=(?:false)?(?:&|$)`),
		Diff:   allowRe(`^warnings: vault=\["Endpoint ignored these unrecognized parameters: \[list\]"\] mock=null$`)},
	{ID: "DT26", Cosmetic: true,
		Reason: "auth/token/accessors after a rewrap: real Vault still lists the old wrapping token's accessor (docs/conformance-findings.md D33: rewrap does not revoke the old token's lease), the mock does not",
		Step:   allowRe(`^LIST /?auth/token/accessors`),
		Diff:   allowRe(`^data\.keys: vault=\[.*\] mock=\[.*\]$`)},
	{ID: "DT28",
		Reason: "KV v2 write with {\"data\": null}: real Vault writes an empty version (200), the mock 400 \"no data provided\"",
		Step:   allowRe(`^(?:POST|PUT) /?secret/data/`),
		Need:   allowRe(`^body: only in mock: errors=\["no data provided"\]$`),
		Diff:   allowRe(`^(?:status: vault=200 mock=400|body: only in vault: .*)$`)},
	{ID: "DT29", Cosmetic: true,
		Reason: "sys/internal/ui/mounts with a method other than GET, or a trailing slash: real Vault \"unsupported operation\"/\"unsupported path\" without the multierror wrapper and no token check (LIST: 404), the mock with the wrapper (LIST with a bad token: 403)",
		Step:   allowRe(`^[A-Z]+ sys/internal/ui/mounts`)},
	{ID: "DT30", Cosmetic: true,
		Reason: "renew-accessor of a token without a TTL (a root child): real Vault 400 \"1 error occurred: * invalid request\", the mock \"lease is not renewable\"",
		Step:   allowRe(`^POST auth/token/renew-accessor`),
		Diff:   allowRe(`^errors\.0: vault="1 error occurred:\\n\\t\* invalid request\\n\\n" mock="lease is not renewable"$`)},
	{ID: "DT31", Cosmetic: true,
		Reason: "cubbyhole with a batch token: real Vault 400 \"cubbyhole operations are only supported by \\\"service\\\" type tokens\", the mock 403 permission denied",
		Step:   allowRe(`^[A-Z]+ cubbyhole`),
		Need:   allowRe(`cubbyhole operations are only supported by`),
		Diff:   allowRe(`^status: vault=400 mock=403$`)},
	{ID: "DT32", Cosmetic: true,
		Reason: "token create with a ttl above the token mount's tuned max_lease_ttl: real Vault warns \"TTL of \\\"768h\\\" exceeded the effective max_ttl of \\\"1h\\\"; TTL value is capped accordingly\", the mock caps without the warning",
		Step:   allowRe(`^(?:POST|PUT) auth/token/create`),
		Diff:   allowRe(`^warnings: vault=\["TTL of .* exceeded the effective max_ttl of .*"\] mock=.*$`)},
	{ID: "DT33",
		Reason: "an auth mount enabled with a negative config.default_lease_ttl (-1h): real Vault accepts it and its logins get lease_duration -3600, the mock uses the system default",
		Need:   allowRe(`lease_duration: vault=-\d+ mock=`)},
	{ID: "DT34",
		Reason: "PATCH secret/metadata/:path with a non-string custom_metadata value: real Vault 500 \"json: cannot unmarshal number into Go struct field KeyMetadata.custom_metadata of type string\", the mock 204",
		Step:   allowRe(`^PATCH secret/metadata/`),
		Need:   allowRe(`cannot unmarshal`)},
	{ID: "DT35",
		Reason: "an AppRole role with bind_secret_id false and no CIDR list: real Vault 500 \"at least one constraint should be enabled on the role\", the mock accepts it",
		Step:   allowRe(`^(?:POST|PUT) auth/[^ ]*/role/`),
		Need:   allowRe(`at least one constraint should be enabled on the role`)},
	{ID: "DT36",
		Reason: "an AppRole role written with bind_secret_id: null: real Vault stores false (secret-id then answers 400 \"bind_secret_id is not set on the role\"), the mock keeps the default true (same root cause as DT14)",
		Step:   allowRe(`^(?:POST|PUT) auth/[^ ]*/role/[^ ]*secret-id`),
		Need:   allowRe(`bind_secret_id is not set on the role`)},
	{ID: "DT37", Cosmetic: true,
		Reason: "renew of a token whose parent was revoked with revoke-orphan: real Vault's renew answer says auth.orphan false (lookup says true), the mock true",
		Step:   allowRe(`^POST auth/token/renew`),
		Diff:   allowRe(`^auth\.orphan: vault=false mock=true$`)},
	{ID: "DT38", Cosmetic: true,
		Reason: "lookup-self and renew-self with a token field in the body: real Vault takes the (deprecated) parameter silently, the mock warns \"Endpoint ignored these unrecognized parameters: [token]\"",
		Step:   allowRe(`^(?:POST|PUT) auth/token/(?:lookup|renew)-self`),
		Need:   allowRe(`^warnings: vault=null mock=\["Endpoint ignored these unrecognized parameters: \[token\]"\]$`),
		Diff:   allowRe(`^data\.issue_time: `)},
	{ID: "DT39", Cosmetic: true,
		Reason: "auth/token/lookup with {\"token\": null} and an invalid X-Vault-Token: both 403, real Vault \"invalid token\", the mock \"2 errors occurred: permission denied, invalid token\"",
		Step:   allowRe(`^POST auth/token/lookup$`),
		Diff:   allowRe(`^errors\.0: vault="invalid token" mock="2 errors occurred:.*permission denied.*invalid token.*"$`)},
	{ID: "DT40",
		Reason: "token create/:role with allowed_policies_glob \"*\" and a policy name containing a comma (policies: \"nope,writer\" is one name there): real Vault allows it, the mock's glob does not match it (400 must be subset)",
		Step:   allowRe(`^(?:POST|PUT) auth/token/create/`),
		Need:   allowRe(`^body: only in mock: errors=\["token policies .*,.* must be subset of the role's allowed policies .* or glob policies \(\[.*\*.*\]\)"\]$`),
		Diff:   allowRe(`^(?:status: vault=200 mock=400|body: only in vault: auth=.*)$`)},
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

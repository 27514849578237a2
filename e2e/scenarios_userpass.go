package e2e

// Userpass (issue 15): users with every token_* field and the deprecated
// twins, password and password_hash updates, policies sub-path, LIST,
// login with its errors and the user lockout, renewal rules.
//
// Every scenario mounts its own userpass method (up-<topic>/) and disables
// it afterwards: the lockout state lives with the mount's accessor, so a
// rerun on the same server starts clean.

// upScenario is a scenario on its own userpass mount m.
func upScenario(name, m string, steps ...Step) Scenario {
	all := append([]Step{POST("sys/auth/"+m, M{"type": "userpass"}).Want(204)}, steps...)
	return S("userpass/"+name, all...).Then(disableAuth(m))
}

// upLogin logs in as user with password pw at mount m.
func upLogin(m, user, pw string) Step {
	return POST("auth/"+m+"/login/"+user, M{"password": pw}).Anonymous()
}

// A bcrypt hash of "hashed-pw" (cost 4), made offline.
const upHash = "$2a$04$OXE9J676CeMSOWW3cqQ/GeCkUUDRIWLDwLfjuYKt/cAg7Oesbfm7O"

func init() {
	Register(
		upScenario("users/crud", "up-crud",
			LIST("auth/up-crud/users").Want(404).Because("no users yet"),
			GET("auth/up-crud/users/alice").Want(404),
			POST("auth/up-crud/users/alice", M{"token_ttl": "1m"}).Want(400).Because("a password is needed to create a user"),
			POST("auth/up-crud/users/alice", M{"password": "a", "password_hash": upHash}).Want(400),
			POST("auth/up-crud/users/Alice", M{"password": "pw"}).Want(204).Because("names are stored lower-cased"),
			GET("auth/up-crud/users/ALICE").Want(200).Because("every token_* field at its default"),
			POST("auth/up-crud/users/alice", M{"token_policies": "B,a", "token_ttl": "10m", "token_max_ttl": "1h",
				"token_explicit_max_ttl": "2h", "token_period": 0, "token_num_uses": 3, "token_no_default_policy": true,
				"token_bound_cidrs": passCIDRs, "token_type": "service"}).Want(204).Because("an update needs no password"),
			GET("auth/up-crud/users/alice").Want(200),
			POST("auth/up-crud/users/alice", M{"policies": "old", "ttl": 60, "max_ttl": "2m", "bound_cidrs": "127.0.0.1"}).Want(204).Because("the deprecated twins set both"),
			GET("auth/up-crud/users/alice").Want(200).Because("the twins read back while set"),
			POST("auth/up-crud/users/alice", M{"token_policies": "new"}).Want(204),
			GET("auth/up-crud/users/alice").Want(200).Because("a token_* field clears its twin"),
			POST("auth/up-crud/users/bob", M{"password_hash": upHash}).Want(204),
			LIST("auth/up-crud/users").Want(200),
			LIST("auth/up-crud/users/").Want(200),
			DELETE("auth/up-crud/users/BOB").Want(204),
			DELETE("auth/up-crud/users/nobody").Want(204).Because("deleting a missing user succeeds"),
			LIST("auth/up-crud/users").Want(200),
		),
		upScenario("users/validation", "up-val",
			POST("auth/up-val/users/u", M{"password": "pw", "token_type": "weird"}).Want(400),
			POST("auth/up-val/users/u", M{"password": "pw", "token_ttl": "2h", "token_max_ttl": "1h"}).Want(400),
			POST("auth/up-val/users/u", M{"password": "pw", "token_num_uses": -1}).Want(400),
			POST("auth/up-val/users/u", M{"password": "pw", "token_type": "batch", "token_period": "1h"}).Want(400),
			POST("auth/up-val/users/u", M{"password": "pw", "token_bound_cidrs": "not-a-cidr"}).Want(400),
			POST("auth/up-val/users/u", M{"password": "pw", "bound_cidrs": "nope"}).Want(400),
			POST("auth/up-val/users/u", M{"password_hash": "short"}).Want(500),
			POST("auth/up-val/users/u", M{"password_hash": "$3x$" + upHash[4:]}).Want(500),
			POST("auth/up-val/users/u", M{"password": "x" + upLong}).Want(500).Because("bcrypt refuses passwords over 72 bytes"),
			POST("auth/up-val/users/bad..name", M{"password": "pw"}).Want(400).Because("the storage refuses relative paths"),
			GET("auth/up-val/users/bad..name"),
			DELETE("auth/up-val/users/bad..name"),
			LIST("auth/up-val/users/bad..name"),
			POST("auth/up-val/users/bad..name/password", M{"password": "pw"}),
			POST("auth/up-val/users/bad..name/policies", M{"policies": "a"}),
			upLogin("up-val", "bad..name", "pw"),
			GET("auth/up-val/users/u").Want(404).Because("nothing was stored"),
		),
		upScenario("users/sub-paths", "up-sub",
			POST("auth/up-sub/users/carol", M{"password": "pw", "policies": "p0"}).Want(204),
			POST("auth/up-sub/users/carol/policies", M{"token_policies": "Z,y"}).Want(204),
			GET("auth/up-sub/users/carol").Want(200).Because("token_policies replaced, the twin cleared"),
			POST("auth/up-sub/users/carol/policies", M{"policies": "q"}).Want(204),
			GET("auth/up-sub/users/carol").Want(200),
			POST("auth/up-sub/users/carol/password", M{"password": "new"}).Want(204),
			upLogin("up-sub", "carol", "pw").Want(400).Because("the old password no longer works"),
			upLogin("up-sub", "carol", "new").Want(200).Mask("auth.client_token", "auth.accessor", "auth.entity_id"),
			POST("auth/up-sub/users/carol/password", M{"password_hash": upHash}).Want(204),
			upLogin("up-sub", "carol", "hashed-pw").Want(200).Because("the pre-hashed password works").Mask("auth.client_token", "auth.accessor", "auth.entity_id"),
			POST("auth/up-sub/users/carol/password", M{}).Want(400),
			POST("auth/up-sub/users/nobody/password", M{"password": "x"}).Want(500),
			POST("auth/up-sub/users/nobody/policies", M{"policies": "x"}).Want(500),
			GET("auth/up-sub/users/carol/password").Want(405),
		),
		upScenario("login/service", "up-login",
			POST("auth/up-login/users/dave", M{"password": "pw", "token_policies": "app", "token_ttl": "20m", "token_max_ttl": "1h"}).Want(204),
			upLogin("up-login", "DAVE", "pw").SaveToken("t").Want(200).Because("username lower-cased: metadata, display name, alias"),
			LookupSelf("t").Want(200),
			POST("auth/token/renew-self", M{"increment": "30m"}).As("t").Want(200).Mask("auth.client_token", "auth.accessor", "auth.entity_id"),
			POST("auth/up-login/users/dave", M{"token_ttl": "5m"}).Want(204),
			POST("auth/token/renew-self", nil).As("t").Want(200).Because("renewals use the user's current token_ttl").Mask("auth.client_token", "auth.accessor", "auth.entity_id"),
			POST("auth/up-login/users/dave/policies", M{"token_policies": "other"}).Want(204),
			POST("auth/token/renew-self", nil).As("t").Want(500).Because("policies have changed, not renewing"),
			DELETE("auth/up-login/users/dave").Want(204),
			POST("auth/token/renew-self", nil).As("t").Want(204).Because("the user is gone: the renewal answers nothing"),
			LookupSelf("t").Want(200).Because("deleting a user leaves its tokens alive"),
		),
		upScenario("login/batch-and-errors", "up-err",
			POST("auth/up-err/users/erin", M{"password": "pw", "token_type": "batch", "token_ttl": "5m"}).Want(204),
			upLogin("up-err", "erin", "pw").SaveToken("b").Want(200).Because("a batch token"),
			LookupSelf("b").Want(200),
			upLogin("up-err", "erin", "").Want(400).Because("an empty password"),
			POST("auth/up-err/login/erin", M{}).Anonymous().Want(400),
			upLogin("up-err", "nobody", "pw").Want(400).Because("an unknown user reads as a wrong password"),
			upLogin("up-err", "erin", "bad").Want(400),
			POST("auth/up-err/login/erin", M{"password": "pw", "extra": 1}).Anonymous().Want(200).Because("unknown parameters are ignored with a warning").Mask("auth.client_token", "auth.accessor", "auth.entity_id"),
			GET("auth/up-err/login/erin").Anonymous().Want(405),
			POST("auth/up-err/users/frank", M{"password": "pw", "token_bound_cidrs": failCIDR}).Want(204),
			upLogin("up-err", "frank", "pw").Want(403).Because("outside the user's token_bound_cidrs"),
		),
		upScenario("login/lockout", "up-lock",
			POST("auth/up-lock/users/gina", M{"password": "right"}).Want(204),
			upLogin("up-lock", "gina", "wrong").Want(400),
			upLogin("up-lock", "gina", "wrong").Want(400),
			upLogin("up-lock", "gina", "wrong").Want(400),
			upLogin("up-lock", "gina", "wrong").Want(400),
			upLogin("up-lock", "gina", "wrong").Want(400),
			upLogin("up-lock", "gina", "right").Want(403).Because("locked out after 5 failures"),
			upLogin("up-lock", "GINA", "right").Want(403).Because("the lockout key is the lower-cased name"),
			GET("auth/up-lock/login/gina").Anonymous().Want(403).Because("any operation on the login path is a login"),
			upLogin("up-lock", "nobody", "x").Want(400),
			upLogin("up-lock", "nobody", "x").Want(400),
			upLogin("up-lock", "nobody", "x").Want(400),
			upLogin("up-lock", "nobody", "x").Want(400),
			upLogin("up-lock", "nobody", "x").Want(400),
			upLogin("up-lock", "nobody", "x").Want(400).Because("unknown users never lock"),
		),
	)
}

// upLong is 72 characters: with one more, bcrypt refuses the password.
const upLong = "123456789012345678901234567890123456789012345678901234567890123456789012"

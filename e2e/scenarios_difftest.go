package e2e

// Scenarios found by differential random testing (TestDiff, difftest*.go):
// minimised sequences that once diverged only because of how they were
// compared, kept as regression checks. Mock bugs difftest finds are listed
// in e2e/difftest_allow.go until they are fixed; their minimised scenarios
// belong here once the mock matches.

func init() {
	Register(
		S("difftest/approle/destroy-destroyed-accessor",
			POST("sys/auth/approle", M{"type": "approle"}).Want(204),
			POST("auth/approle/role/ci", M{}).Want(204),
			POST("auth/approle/role/ci/secret-id", nil).Save("sacc", "data.secret_id_accessor").Save("sid", "data.secret_id").Want(200),
			POST("auth/approle/role/ci/secret-id/destroy", M{"secret_id": "{{sid}}"}).Want(204),
			POST("auth/approle/role/ci/secret-id-accessor/destroy", M{"secret_id_accessor": "{{sacc}}"}).
				Mask("errors").Because("the error quotes the accessor (difftest seed 2017)"),
		).Then(DELETE("sys/auth/approle")),
		S("difftest/approle/lookup-destroyed-accessor",
			POST("sys/auth/team/apps", M{"type": "approle"}).Want(204),
			POST("auth/team/apps/role/r1", M{}).Want(204),
			POST("auth/team/apps/role/r1/secret-id", nil).Save("sacc", "data.secret_id_accessor").Want(200),
			POST("auth/team/apps/role/r1/secret-id-accessor/destroy", M{"secret_id_accessor": "{{sacc}}"}).Want(204),
			POST("auth/team/apps/role/r1/secret-id-accessor/lookup", M{"secret_id_accessor": "{{sacc}}"}).
				Mask("data.error").Because("data.error quotes the accessor (difftest seed 2547)"),
		).Then(DELETE("sys/auth/team/apps")),
		S("difftest/token/issue-time-fraction",
			GET("auth/token/lookup-self").Want(200).Because("issue_time has nanoseconds (difftest seed 16)"),
			Create("t", M{"ttl": "1h"}).Want(200),
			Lookup("t").Want(200),
		),
		S("difftest/http/unknown-methods",
			newStep("FOO", "sys/auth", nil).Want(405).Because(`{"errors":[]} (difftest seed 24)`),
			newStep("TRACE", "sys/seal-status", nil).Anonymous().Want(405),
			newStep("get", "secret/config", M{}).Want(405).Because("methods are case-sensitive"),
			newStep("FOO", "auth/token/revoke-self", nil).WithToken("hvs.bogus").Want(405),
		),
		S("difftest/http/redirect-non-ascii",
			GET("secret/undelete/ü/%2E").Because("the redirect's Location is escaped like ServeMux does (difftest seed 2416)"),
		),
	)
}

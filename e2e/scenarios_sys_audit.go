package e2e

// Audit devices (issue 17): sys/audit (the table), enabling and disabling
// devices with their options and Vault's errors, sys/audit-hash, and the
// audited request headers. Devices write to "discard" (any spelling: Vault
// compares file_path as given), so the scenarios run alike on a local
// binary, a container and the mock. What the devices write is compared
// by TestAuditEntries (audit_test.go).

// auditDiscard is a body enabling a file device that discards entries.
func auditDiscard(filePath string, extra M) M {
	opts := M{"file_path": filePath}
	for k, v := range extra {
		opts[k] = v
	}
	return M{"type": "file", "options": opts}
}

func init() {
	Register(
		S("sys/audit/enable-list-disable",
			GET("sys/audit").Want(200).Because("no device yet: an empty table"),
			POST("sys/audit/d1", M{"type": "file", "description": "one", "options": M{"file_path": "discard"}}).Want(204),
			GET("sys/audit").Want(200),
			POST("sys/audit/d1", auditDiscard("Discard", nil)).Want(400).Because("path already in use"),
			POST("sys/audit/d1/sub", auditDiscard("DIScard", nil)).Want(400).Because("a path under an enabled one"),
			POST("sys/audit/d", auditDiscard("DISCard", nil)).Because("a prefix of the name, not of the path: allowed"),
			POST("sys/audit/d2", auditDiscard("discard", nil)).Want(400).Because("file_path already in use"),
			POST("sys/audit/d2", M{"type": "file", "local": true, "description": "two", "options": M{
				"file_path": "DISCARD", "hmac_accessor": "false", "log_raw": "true", "elide_list_responses": "true", "format": "jsonx", "mode": "0640",
			}}).Want(204),
			POST("sys/audit/d3/", auditDiscard("DISCARd", M{"skip_test": "1"})).Because("a write to a path ending in /"),
			POST("sys/audit/d3", auditDiscard("DISCARd", M{"skip_test": "1"})).Want(204).Because("skip_test normalised to true"),
			GET("sys/audit").Want(200),
			POST("sys/audit-hash/d1", M{"input": "secret"}).Mask("data.hash", "hash").Want(200),
			POST("sys/audit-hash/d1/", M{"input": "secret"}).Mask("data.hash", "hash"),
			POST("sys/audit-hash/d1", M{"input": ""}).Want(400),
			POST("sys/audit-hash/d1", M{}).Want(400),
			POST("sys/audit-hash/none", M{"input": "x"}).Want(400),
			GET("sys/audit-hash/d1").Want(405),
			GET("sys/audit/d1").Want(405),
			DELETE("sys/audit/d1").Want(204),
			DELETE("sys/audit/d1").Want(204).Because("disabling a missing device succeeds"),
			DELETE("sys/audit/d2/").Want(204),
			DELETE("sys/audit/d3").Want(204),
			DELETE("sys/audit/d").Want(204),
			GET("sys/audit").Want(200),
			POST("sys/audit-hash/d1", M{"input": "x"}).Want(400),
		).Then(DELETE("sys/audit/d1"), DELETE("sys/audit/d2"), DELETE("sys/audit/d3"), DELETE("sys/audit/d")),

		S("sys/audit/enable-errors",
			POST("sys/audit/e", M{"type": "nope"}).Want(400),
			POST("sys/audit/e", M{}).Want(400).Because("no type"),
			POST("sys/audit/e", M{"type": "file"}).Want(400).Because("no file_path"),
			POST("sys/audit/e", M{"type": "file", "options": M{"path": "discard"}}).Want(204).Because("path is file_path's old name"),
			DELETE("sys/audit/e").Want(204),
			POST("sys/audit/e", auditDiscard("discard", M{"format": "xml"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"format": "JSON"})).Want(204).Because("format is case-insensitive"),
			DELETE("sys/audit/e").Want(204),
			POST("sys/audit/e", auditDiscard("discard", M{"hmac_accessor": "maybe"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"log_raw": "2"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"elide_list_responses": "x"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"skip_test": "x"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"filter": "x"})).Want(400).Because("enterprise-only"),
			POST("sys/audit/e", auditDiscard("discard", M{"exclude": "[]"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"fallback": "true"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"prefix": "vault:"})).Want(400).Because("a dev server does not allow prefixes on file devices"),
			POST("sys/audit/e", auditDiscard("discard", M{"mode": "abc"})).Want(400),
			POST("sys/audit/e", auditDiscard("discard", M{"mode": "0755"})).Want(400),
			POST("sys/audit/e", M{"type": "file", "options": "file_path=discard"}).Because("options as k=v text"),
			DELETE("sys/audit/e"),
			POST("sys/audit/e", M{"type": "file", "options": 7}).Want(400),
			POST("sys/audit/e", M{"type": "socket"}).Want(400).Because("no address"),
			POST("sys/audit/e", M{"type": "socket", "options": M{"address": " "}}).Want(400),
			POST("sys/audit/e", M{"type": "socket", "options": M{"address": "127.0.0.1:1", "write_timeout": "x"}}).Want(400),
			POST("sys/audit/e", M{"type": "socket", "options": M{"address": "127.0.0.1:1"}}).Want(400).Because("nothing listens: the probe entry fails"),
			POST("sys/audit/e", M{"type": "socket", "options": M{"address": "127.0.0.1:1", "socket_type": "bogus"}}).Want(400),
			POST("sys/audit/e", M{"type": "syslog", "options": M{"facility": "NOPE"}}).Want(400),
			POST("sys/audit/e", M{"type": "file", "options": M{"file_path": "/proc/nope/audit.log"}}).Want(400).Because("the file cannot be created"),
			POST("sys/audit/e", M{"type": "file", "options": M{"file_path": "discard"}}).Anonymous().Want(403),
			GET("sys/audit").Want(200),
		).Then(DELETE("sys/audit/e")),

		S("sys/audit/sudo",
			Policy("auditor", `path "sys/audit*" { capabilities = ["read", "update", "delete"] }
path "sys/config/auditing/*" { capabilities = ["read", "update", "delete"] }`),
			Policy("auditsudo", `path "sys/audit*" { capabilities = ["read", "update", "delete", "sudo"] }`),
			Create("a", M{"policies": []string{"auditor"}}).Want(200),
			Create("b", M{"policies": []string{"auditsudo"}}).Want(200),
			GET("sys/audit").As("a").Want(403).Because("sys/audit needs sudo"),
			POST("sys/audit/s", auditDiscard("discard", nil)).As("a").Want(403),
			GET("sys/config/auditing/request-headers/user-agent").As("a").Want(403).Because("config/auditing/* needs sudo"),
			GET("sys/audit").As("b").Want(200),
			POST("sys/audit/s", auditDiscard("discard", nil)).As("b").Want(204),
			POST("sys/audit-hash/s", M{"input": "x"}).As("a").Mask("data.hash", "hash").Want(200).Because("audit-hash needs no sudo"),
			DELETE("sys/audit/s").As("a").Want(403),
			DELETE("sys/audit/s").As("b").Want(204),
		).Then(DELETE("sys/audit/s")),

		S("sys/audit/request-headers",
			GET("sys/config/auditing/request-headers").Want(200).Because("Vault's defaults"),
			PUT("sys/config/auditing/request-headers/X-Team", M{"hmac": true}).Want(204),
			PUT("sys/config/auditing/request-headers/x-plain", nil).Want(204),
			GET("sys/config/auditing/request-headers/x-team").Want(200),
			GET("sys/config/auditing/request-headers/X-TEAM").Want(200).Because("named as asked"),
			GET("sys/config/auditing/request-headers").Want(200),
			PUT("sys/config/auditing/request-headers/x-team", M{"hmac": "nope"}).Want(400),
			GET("sys/config/auditing/request-headers/missing").Want(400),
			DELETE("sys/config/auditing/request-headers/X-TEAM").Want(204),
			DELETE("sys/config/auditing/request-headers/x-plain").Want(204),
			DELETE("sys/config/auditing/request-headers/never").Want(204),
			GET("sys/config/auditing/request-headers/x-team").Want(400),
			LIST("sys/config/auditing/request-headers"),
			GET("sys/config/auditing/request-headers").Want(200),
		).Then(DELETE("sys/config/auditing/request-headers/x-team"), DELETE("sys/config/auditing/request-headers/x-plain")),
	)
}

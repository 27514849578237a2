package mockvault_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// auditLines reads an audit file: one JSON entry per line.
func auditLines(t *testing.T, file string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, e)
	}
	return out
}

// dig walks a decoded entry by dotted keys.
func dig(v any, keys string) any {
	for _, k := range strings.Split(keys, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// enableFileAudit enables a file device at path p writing to a new file.
func enableFileAudit(t *testing.T, c *api.Client, p string, opts map[string]string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "audit.log")
	o := map[string]string{"file_path": f}
	for k, v := range opts {
		o[k] = v
	}
	if err := c.Sys().EnableAuditWithOptions(p, &api.EnableAuditOptions{Type: "file", Options: o}); err != nil {
		t.Fatal(err)
	}
	return f
}

// entriesFor are the entries of one request path, in order.
func entriesFor(es []map[string]any, path string) []map[string]any {
	var out []map[string]any
	for _, e := range es {
		if dig(e, "request.path") == path {
			out = append(out, e)
		}
	}
	return out
}

func TestAuditFileDevice(t *testing.T) {
	v := testhelpers.RunT(t)
	sys := v.Client.Sys()
	file := enableFileAudit(t, v.Client, "file", nil)

	list, err := sys.ListAudit()
	if err != nil {
		t.Fatal(err)
	}
	a := list["file/"]
	if len(list) != 1 || a == nil || a.Type != "file" || a.Path != "file/" || a.Options["file_path"] != file || a.Local {
		t.Fatalf("list: %+v", list)
	}

	if _, err := v.Client.Logical().Write("secret/data/app", map[string]any{"data": map[string]any{"password": "s3cret", "port": 5432}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.Logical().Read("secret/data/app"); err != nil {
		t.Fatal(err)
	}

	es := auditLines(t, file)
	// The probe Vault writes on enable comes first.
	if len(es) == 0 || dig(es[0], "request.path") != "sys/audit/test" || es[0]["type"] != "request" || es[0]["auth"] != nil {
		t.Fatalf("probe: %v", es)
	}
	hash := func(in string) string {
		t.Helper()
		h, err := sys.AuditHash("file", in)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	w := entriesFor(es, "secret/data/app")
	if len(w) != 4 {
		t.Fatalf("want request+response for write and read, got %d", len(w))
	}
	req, resp := w[0], w[1]
	if req["type"] != "request" || resp["type"] != "response" || dig(req, "request.id") != dig(resp, "request.id") {
		t.Fatalf("pair: %v / %v", req, resp)
	}
	if dig(req, "request.operation") != "create" || dig(req, "request.mount_type") != "kv" || dig(req, "request.mount_point") != "secret/" ||
		dig(req, "request.mount_class") != "secret" || dig(req, "request.namespace.id") != "root" || dig(req, "request.remote_address") != "127.0.0.1" {
		t.Fatalf("request record: %v", req["request"])
	}
	// A read is routed after its request entry is written: only then does
	// the request know its mount's accessor.
	rd := w[2:]
	if dig(rd[0], "request.mount_accessor") != nil || dig(rd[1], "request.mount_accessor") == nil || dig(rd[1], "response.mount_accessor") != dig(rd[1], "request.mount_accessor") {
		t.Fatalf("read records: %v / %v", rd[0]["request"], rd[1]["response"])
	}
	// Secrets are HMACed under the device's salt: audit-hash reproduces them.
	if got := dig(req, "auth.client_token"); got != hash(v.RootToken) || !strings.HasPrefix(got.(string), "hmac-sha256:") {
		t.Fatalf("auth.client_token %v", got)
	}
	if dig(req, "request.client_token") != hash(v.RootToken) {
		t.Fatalf("request.client_token %v", dig(req, "request.client_token"))
	}
	if dig(req, "request.data.data.password") != hash("s3cret") || dig(req, "request.data.data.port") != hash("5432") {
		t.Fatalf("request data: %v", dig(req, "request.data"))
	}
	self, err := v.Client.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	if dig(req, "auth.accessor") != hash(self.Data["accessor"].(string)) || dig(req, "request.client_token_accessor") != dig(req, "auth.accessor") {
		t.Fatalf("accessor not hashed: %v", dig(req, "auth.accessor"))
	}
	if p, _ := dig(req, "auth.policies").([]any); len(p) != 1 || p[0] != "root" || dig(req, "auth.policy_results.allowed") != true {
		t.Fatalf("auth: %v", req["auth"])
	}
	if dig(resp, "response.data.version") != float64(1) {
		t.Fatalf("response data: %v", dig(resp, "response.data"))
	}
	read := w[3]
	if dig(read, "response.data.data.password") != hash("s3cret") {
		t.Fatalf("read response: %v", dig(read, "response.data"))
	}
	if dig(read, "request.headers.user-agent") == nil {
		t.Fatalf("user-agent is audited by default: %v", dig(read, "request.headers"))
	}

	// Disabled: nothing more is written, and audit-hash no longer knows it.
	if err := sys.DisableAudit("file"); err != nil {
		t.Fatal(err)
	}
	n := len(auditLines(t, file))
	if _, err := v.Client.Logical().Read("secret/data/app"); err != nil {
		t.Fatal(err)
	}
	if got := len(auditLines(t, file)); got != n {
		t.Fatalf("disabled device still logs: %d -> %d", n, got)
	}
	if _, err := sys.AuditHash("file", "x"); err == nil || !strings.Contains(err.Error(), `unknown audit backend "file/"`) {
		t.Fatalf("audit-hash after disable: %v", err)
	}
	if list, _ := sys.ListAudit(); len(list) != 0 {
		t.Fatalf("list after disable: %v", list)
	}
}

func TestAuditOptions(t *testing.T) {
	v := testhelpers.RunT(t)
	raw := enableFileAudit(t, v.Client, "raw", map[string]string{"log_raw": "true"})
	acc := enableFileAudit(t, v.Client, "acc", map[string]string{"hmac_accessor": "false", "elide_list_responses": "true"})
	x := enableFileAudit(t, v.Client, "x", map[string]string{"format": "jsonx"})
	if _, err := v.Client.Logical().Write("secret/data/a", map[string]any{"data": map[string]any{"k": "plain"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Client.Logical().List("secret/metadata"); err != nil {
		t.Fatal(err)
	}
	self, _ := v.Client.Auth().Token().LookupSelf()
	accessor := self.Data["accessor"].(string)

	r := entriesFor(auditLines(t, raw), "secret/data/a")
	if dig(r[0], "request.data.data.k") != "plain" || dig(r[0], "auth.client_token") != v.RootToken {
		t.Fatalf("log_raw: %v", r[0])
	}
	a := auditLines(t, acc)
	w := entriesFor(a, "secret/data/a")
	if dig(w[0], "auth.accessor") != accessor || strings.HasPrefix(dig(w[0], "request.data.data.k").(string), "hmac") == false {
		t.Fatalf("hmac_accessor=false: %v", w[0]["auth"])
	}
	l := entriesFor(a, "secret/metadata/")
	if dig(l[1], "response.data.keys") != float64(1) {
		t.Fatalf("elided list: %v", dig(l[1], "response"))
	}
	b, _ := os.ReadFile(x)
	if !bytes.Contains(b, []byte(`<json:string name="type">request</json:string>`)) || !bytes.Contains(b, []byte(`<json:object name="request">`)) {
		t.Fatalf("jsonx: %s", b)
	}
}

func TestAuditEnableErrors(t *testing.T) {
	v := testhelpers.RunT(t)
	f := enableFileAudit(t, v.Client, "one", nil)
	dir := t.TempDir()
	cases := []struct {
		path string
		body map[string]any
		want string
	}{
		{"bad", map[string]any{"type": "nope"}, `unknown backend type: "nope": invalid configuration`},
		{"one", map[string]any{"type": "file", "options": map[string]any{"file_path": "discard"}}, "path already in use: invalid configuration"},
		{"one/two", map[string]any{"type": "file", "options": map[string]any{"file_path": "discard"}}, "path already in use: invalid configuration"},
		{"other", map[string]any{"type": "file", "options": map[string]any{"file_path": f}}, "file_path already in use: invalid configuration"},
		{"nofile", map[string]any{"type": "file"}, `unable to create new audit backend: "file_path" is required: invalid configuration`},
		{"fmt", map[string]any{"type": "file", "options": map[string]any{"file_path": "discard", "format": "xml"}}, `unable to create new audit backend: unsupported "format": invalid configuration`},
		{"hm", map[string]any{"type": "file", "options": map[string]any{"file_path": "discard", "hmac_accessor": "maybe"}}, `unable to create new audit backend: unable to parse "hmac_accessor": invalid configuration`},
		{"ent", map[string]any{"type": "file", "options": map[string]any{"file_path": "discard", "filter": "x"}}, "enterprise-only options supplied: invalid configuration"},
		{"pre", map[string]any{"type": "file", "options": map[string]any{"file_path": "discard", "prefix": "x"}}, "audit prefixing is not enabled in configuration"},
		{"mode", map[string]any{"type": "file", "options": map[string]any{"file_path": filepath.Join(dir, "m.log"), "mode": "0755"}}, "file mode may not be executable: 0755"},
		{"sock", map[string]any{"type": "socket"}, `"address" is required`},
	}
	for _, c := range cases {
		_, err := v.Client.Logical().Write("sys/audit/"+c.path, c.body)
		re, ok := err.(*api.ResponseError)
		if !ok || re.StatusCode != 400 || len(re.Errors) != 1 || !strings.Contains(re.Errors[0], c.want) {
			t.Errorf("%s: %v", c.path, err)
		}
	}
	// Disabling what is not there is a no-op; sys/audit needs sudo.
	if err := v.Client.Sys().DisableAudit("missing"); err != nil {
		t.Fatal(err)
	}
	if err := v.Server.SetPolicy("ops", `path "sys/audit*" { capabilities = ["read", "update", "delete"] }`); err != nil {
		t.Fatal(err)
	}
	sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"ops"}})
	if err != nil {
		t.Fatal(err)
	}
	c2, _ := v.Client.Clone()
	c2.SetToken(sec.Auth.ClientToken)
	if _, err := c2.Sys().ListAudit(); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("sudo: %v", err)
	}
	// The denied request is logged with the error and the ACL verdict.
	den := entriesFor(auditLines(t, f), "sys/audit")
	last := den[len(den)-1]
	if dig(last, "auth.policy_results.allowed") != false || !strings.Contains(last["error"].(string), "permission denied") {
		t.Fatalf("denied entry: %v", last)
	}
}

func TestAuditRequestHeaders(t *testing.T) {
	v := testhelpers.RunT(t)
	l := v.Client.Logical()
	r, err := l.Read("sys/config/auditing/request-headers")
	if err != nil {
		t.Fatal(err)
	}
	h := r.Data["headers"].(map[string]any)
	if len(h) != 3 || h["user-agent"] == nil || h["x-correlation-id"] == nil || h["correlation-id"] == nil {
		t.Fatalf("defaults: %v", h)
	}
	if _, err := l.Write("sys/config/auditing/request-headers/X-App-Id", map[string]any{"hmac": true}); err != nil {
		t.Fatal(err)
	}
	r, err = l.Read("sys/config/auditing/request-headers/x-app-id")
	if err != nil || dig(r.Data, "x-app-id.hmac") != true {
		t.Fatalf("read: %v %v", r, err)
	}
	file := enableFileAudit(t, v.Client, "file", nil)
	c, _ := v.Client.Clone()
	c.SetToken(v.RootToken)
	c.AddHeader("X-App-Id", "billing")
	if _, err := c.Logical().Read("sys/mounts"); err != nil {
		t.Fatal(err)
	}
	hash, _ := v.Client.Sys().AuditHash("file", "billing")
	e := entriesFor(auditLines(t, file), "sys/mounts")
	if got, _ := dig(e[0], "request.headers.x-app-id").([]any); len(got) != 1 || got[0] != hash {
		t.Fatalf("hmac header: %v", dig(e[0], "request.headers"))
	}
	if _, err := l.Delete("sys/config/auditing/request-headers/X-APP-ID"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read("sys/config/auditing/request-headers/x-app-id"); err == nil || !strings.Contains(err.Error(), "Could not find header in config") {
		t.Fatalf("deleted: %v", err)
	}
}

// A request no device can log is refused (Vault's blocking audit).
func TestAuditBlocksWhenNoDeviceLogs(t *testing.T) {
	v := testhelpers.RunT(t)
	file := enableFileAudit(t, v.Client, "file", nil)
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(file, 0o700); err != nil { // the file can no longer be opened
		t.Fatal(err)
	}
	_, err := v.Client.Logical().Write("secret/data/x", map[string]any{"data": map[string]any{"a": "b"}})
	re, ok := err.(*api.ResponseError)
	if !ok || re.StatusCode != 500 || !strings.Contains(re.Errors[0], "internal error") {
		t.Fatalf("want 500 internal error, got %v", err)
	}
	// The write was not served.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	s, err := v.Client.Logical().Read("secret/data/x")
	if err != nil || s != nil {
		t.Fatalf("refused write was served: %v %v", s, err)
	}
}

func TestAuditSocketDevice(t *testing.T) {
	v := testhelpers.RunT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			got <- b
		}
	}()
	err = v.Client.Sys().EnableAuditWithOptions("sock", &api.EnableAuditOptions{Type: "socket", Options: map[string]string{"address": ln.Addr().String()}})
	if err != nil {
		t.Fatal(err)
	}
	if probe := <-got; !strings.Contains(probe, `"path":"sys/audit/test"`) {
		t.Fatalf("probe: %s", probe)
	}
	// The enable request's own response entry, as Vault writes it.
	if e := <-got; !strings.Contains(e, `"path":"sys/audit/sock"`) || !strings.Contains(e, `"type":"response"`) {
		t.Fatalf("enable response: %s", e)
	}
	if _, err := v.Client.Sys().ListMounts(); err != nil {
		t.Fatal(err)
	}
	if e := <-got; !strings.Contains(e, `"path":"sys/mounts"`) || !strings.Contains(e, `"type":"request"`) {
		t.Fatalf("entry: %s", e)
	}
	// Nothing listening: the enable fails on its probe.
	ln2, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln2.Addr().String()
	ln2.Close()
	err = v.Client.Sys().EnableAuditWithOptions("dead", &api.EnableAuditOptions{Type: "socket", Options: map[string]string{"address": addr}})
	if err == nil || !strings.Contains(err.Error(), "audit backend failed test message") {
		t.Fatalf("dead socket: %v", err)
	}
}

func TestAuditSnapshotRestoreReset(t *testing.T) {
	v := testhelpers.RunT(t)
	enableFileAudit(t, v.Client, "file", nil)
	before, _ := v.Client.Sys().AuditHash("file", "x")
	sn := v.Server.Snapshot()
	if err := v.Client.Sys().DisableAudit("file"); err != nil {
		t.Fatal(err)
	}
	v.Server.Restore(sn)
	list, err := v.Client.Sys().ListAudit()
	if err != nil || list["file/"] == nil {
		t.Fatalf("restored: %v %v", list, err)
	}
	// The salt comes back with the device: hashes stay comparable.
	if after, _ := v.Client.Sys().AuditHash("file", "x"); after != before {
		t.Fatalf("salt changed: %s %s", before, after)
	}
	v.Server.Reset()
	if list, _ := v.Client.Sys().ListAudit(); len(list) != 0 {
		t.Fatalf("reset: %v", list)
	}
}

// TestAuditSeal: a seal is audited as Vault's sealInitCommon logs it, a
// request entry only, with the keys real Vault 1.21.1 writes (read off its
// file device): no policy results, no mount, no data.
func TestAuditSeal(t *testing.T) {
	v := testhelpers.RunT(t)
	f := enableFileAudit(t, v.Client, "file", nil)
	if err := v.Client.Sys().Seal(); err != nil {
		t.Fatal(err)
	}
	es := entriesFor(auditLines(t, f), "sys/seal")
	if len(es) != 1 || es[0]["type"] != "request" {
		t.Fatalf("sys/seal entries: %v", es)
	}
	keys := func(v any) string {
		m, _ := v.(map[string]any)
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return strings.Join(out, ",")
	}
	if got := keys(es[0]["auth"]); got != "accessor,client_token,display_name,policies,token_policies,token_type" {
		t.Errorf("auth keys: %s", got)
	}
	if got := keys(es[0]["request"]); got != "client_token,client_token_accessor,headers,id,namespace,operation,path,remote_address,remote_port" {
		t.Errorf("request keys: %s", got)
	}
	if tok, _ := dig(es[0], "auth.client_token").(string); !strings.HasPrefix(tok, "hmac-sha256:") {
		t.Errorf("client token not hashed: %q", tok)
	}
}

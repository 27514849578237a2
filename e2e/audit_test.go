package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestAuditEntries enables a file audit device on real Vault and on the
// mock, sends both the same requests (writes, reads, a list, a token
// creation, an AppRole login, a wrapped answer, denied and invalid-token
// requests), and compares the two audit files entry by entry and field by
// field: the same keys, the same kinds of values, the same values where
// they do not depend on the server (paths, operations, policies, mount
// types, errors), and HMACs where Vault has HMACs. Ids, times, accessors
// and ports are compared by shape. On both, sys/audit-hash of the root
// token must equal auth.client_token in the log.
//
// Real Vault must write a file this test can read: the binary target
// (MOCKVAULT_E2E_REAL=binary) or a local VAULT_ADDR server. Otherwise the
// mock is compared with the recorded structure
// (testdata/vault-1.21.1/audit-entries.json, rewritten by a real run with
// MOCKVAULT_E2E_RECORD=1).
func TestAuditEntries(t *testing.T) {
	ctx := context.Background()
	real, reason, err := FindRealTarget()
	if err != nil {
		t.Fatalf("real Vault: %v", err)
	}
	if real != nil {
		if _, ok := real.(*BinaryTarget); !ok && !strings.Contains(real.Addr(), "127.0.0.1") {
			reason = "real Vault " + real.Kind() + " writes its audit file where this test cannot read it"
			real = nil
		}
	}
	targets := []Target{NewMockTarget()}
	if real != nil {
		targets = append(targets, real)
	}
	startTestTargets(t, ctx, targets)
	shapes := map[string][]map[string]string{}
	for _, tg := range targets {
		shapes[tg.Name()] = auditRun(t, tg)
	}
	recFile := filepath.Join(RecordDir(), "audit-entries.json")
	want, have := shapes["vault"], real != nil
	if have {
		if b, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_RECORD")); b {
			b, _ := json.MarshalIndent(want, "", "  ")
			if err := os.WriteFile(recFile, append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		b, err := os.ReadFile(recFile)
		if err != nil {
			t.Skipf("real Vault: %s, and no recording (%v)", reason, err)
		}
		if err := json.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		t.Logf("real Vault: %s; comparing with %s", reason, recFile)
	}
	got := shapes["mock"]
	if len(got) != len(want) {
		t.Errorf("entries: vault %d, mock %d", len(want), len(got))
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		for _, d := range diffFlat(want[i], got[i]) {
			t.Errorf("entry %d (%s %s): %s", i, want[i]["type"], want[i]["request.path"], d)
		}
	}
}

// auditStep is one request of the run.
type auditStep struct {
	method, path, token string
	body                any
	header              map[string]string
	save                string // saves auth.client_token (or data.<x>) under this name
	from                string // dotted path of the value saved
}

func auditSteps() []auditStep {
	return []auditStep{
		{method: "PUT", path: "sys/policies/acl/app", body: map[string]any{"policy": `path "secret/data/app" { capabilities = ["read"] }`}},
		{method: "POST", path: "auth/token/create", body: map[string]any{"policies": []string{"app"}, "ttl": "1h", "meta": map[string]string{"team": "billing"}}, save: "app", from: "auth.client_token"},
		{method: "POST", path: "secret/data/app", body: map[string]any{"data": map[string]any{"password": "s3cret", "port": 5432, "tls": true}}},
		{method: "GET", path: "secret/data/app", token: "app"},
		{method: "GET", path: "sys/mounts", token: "app"},
		{method: "GET", path: "secret/data/app", token: "bogus"},
		{method: "LIST", path: "secret/metadata"},
		{method: "GET", path: "secret/data/missing"},
		{method: "POST", path: "sys/wrapping/wrap", body: map[string]any{"k": "v"}, header: map[string]string{"X-Vault-Wrap-TTL": "5m"}},
		{method: "POST", path: "sys/auth/approle", body: map[string]any{"type": "approle"}},
		{method: "POST", path: "auth/approle/role/ci", body: map[string]any{"token_policies": "app"}},
		{method: "GET", path: "auth/approle/role/ci/role-id", save: "rid", from: "data.role_id"},
		{method: "POST", path: "auth/approle/role/ci/secret-id", save: "sid", from: "data.secret_id"},
		{method: "POST", path: "auth/approle/login", token: "-", body: map[string]any{"role_id": "{{rid}}", "secret_id": "{{sid}}"}},
		{method: "POST", path: "sys/config/auditing/request-headers/x-team", body: map[string]any{"hmac": true}},
		{method: "GET", path: "auth/token/lookup-self", header: map[string]string{"X-Team": "billing", "X-Correlation-Id": "c-1"}},
		{method: "DELETE", path: "sys/auth/approle"},
		{method: "DELETE", path: "sys/config/auditing/request-headers/x-team"},
		{method: "DELETE", path: "secret/metadata/app"},
		{method: "DELETE", path: "sys/policies/acl/app"},
	}
}

// auditRun enables a file device on tg, runs the steps, checks that
// sys/audit-hash reproduces the root token's hash, disables the device and
// returns its entries flattened.
func auditRun(t *testing.T, tg Target) []map[string]string {
	t.Helper()
	file := filepath.Join(t.TempDir(), tg.Name()+"-audit.log")
	vars := map[string]string{"root": tg.RootToken()}
	do := func(st auditStep) (int, map[string]any) {
		var rdr io.Reader
		if st.body != nil {
			b, _ := json.Marshal(st.body)
			for k, v := range vars {
				b = bytes.ReplaceAll(b, []byte("{{"+k+"}}"), []byte(v))
			}
			rdr = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(st.method, tg.Addr()+"/v1/"+st.path, rdr)
		req.Header.Set("User-Agent", "mockvault-e2e-audit")
		switch st.token {
		case "":
			req.Header.Set("X-Vault-Token", tg.RootToken())
		case "-":
		case "bogus":
			req.Header.Set("X-Vault-Token", "hvs.bogus")
		default:
			req.Header.Set("X-Vault-Token", vars[st.token])
		}
		for k, v := range st.header {
			req.Header.Set(k, v)
		}
		resp, err := tg.Client().Do(req)
		if err != nil {
			t.Fatalf("%s: %s %s: %v", tg.Name(), st.method, st.path, err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if st.save != "" {
			v, _ := conform.Lookup(out, st.from)
			s, _ := v.(string)
			vars[st.save] = s
		}
		return resp.StatusCode, out
	}
	if code, body := do(auditStep{method: "PUT", path: "sys/audit/file", body: map[string]any{"type": "file", "options": map[string]any{"file_path": file}}}); code != 204 {
		t.Fatalf("%s: enabling the file device: %d %v", tg.Name(), code, body)
	}
	for _, st := range auditSteps() {
		do(st)
	}
	_, hb := do(auditStep{method: "POST", path: "sys/audit-hash/file", body: map[string]any{"input": tg.RootToken()}})
	rootHash, _ := conform.Lookup(hb, "data.hash")
	do(auditStep{method: "DELETE", path: "sys/audit/file"})
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%s: %v", tg.Name(), err)
	}
	var out []map[string]string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 4<<20)
	sawRoot := false
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var e map[string]any
		if err := dec.Decode(&e); err != nil {
			t.Fatalf("%s: audit line %q: %v", tg.Name(), sc.Text(), err)
		}
		if a, _ := conform.Lookup(e, "auth.client_token"); a != nil && a == rootHash {
			sawRoot = true
		}
		out = append(out, flattenEntry(e))
	}
	if !sawRoot {
		t.Errorf("%s: sys/audit-hash of the root token (%v) is in no entry's auth.client_token", tg.Name(), rootHash)
	}
	return out
}

// auditShapeKeys are the leaves compared by shape: they differ between
// two servers (ids, times, the client's port, accessors, salts).
var auditShapeKeys = map[string]bool{
	"time": true, "id": true, "remote_port": true, "mount_accessor": true, "token_issue_time": true,
	"entity_id": true, "client_id": true, "creation_time": true, "accessor": true, "client_token": true,
	"client_token_accessor": true, "token": true, "wrapped_accessor": true, "lease_id": true,
	"role_id": true, "secret_id": true, "secret_id_accessor": true, "created_time": true,
	"issue_time": true, "expire_time": true, "last_renewal": true,
}

// flattenEntry maps each leaf's dotted path to its value (JSON text), or
// for a masked leaf or an HMAC to its shape.
func flattenEntry(e map[string]any) map[string]string {
	out := map[string]string{}
	var walk func(prefix, key string, v any)
	walk = func(prefix, key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if len(x) == 0 {
				out[prefix] = "{}"
			}
			for k, c := range x {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				walk(p, k, c)
			}
			return
		case []any:
			out[prefix+"[]"] = fmt.Sprint(len(x))
			for i, c := range x {
				walk(fmt.Sprintf("%s[%d]", prefix, i), key, c)
			}
			return
		case string:
			if strings.HasPrefix(x, "hmac-sha256:") {
				out[prefix] = "<hmac-sha256:" + fmt.Sprint(conform.Shape(strings.TrimPrefix(x, "hmac-sha256:"))) + ">"
				return
			}
		}
		if auditShapeKeys[key] {
			out[prefix] = fmt.Sprint(conform.Shape(v))
			return
		}
		b, _ := json.Marshal(v)
		out[prefix] = string(b)
	}
	walk("", "", e)
	return out
}

// diffFlat lists the leaves where two flattened entries differ.
func diffFlat(want, got map[string]string) []string {
	keys := map[string]bool{}
	for k := range want {
		keys[k] = true
	}
	for k := range got {
		keys[k] = true
	}
	var ks []string
	for k := range keys {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var out []string
	for _, k := range ks {
		w, wok := want[k]
		g, gok := got[k]
		switch {
		case !gok:
			out = append(out, fmt.Sprintf("only in vault: %s=%s", k, w))
		case !wok:
			out = append(out, fmt.Sprintf("only in mock: %s=%s", k, g))
		case w != g:
			out = append(out, fmt.Sprintf("%s: vault %s, mock %s", k, w, g))
		}
	}
	return out
}

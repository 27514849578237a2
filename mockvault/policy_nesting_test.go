package mockvault_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/mockvault/mockvault/mockvault"
)

// putPolicy writes a policy through ServeHTTP, as JSON or as a form.
func putPolicy(t *testing.T, srv *mockvault.Server, name, text string, form bool) (int, string) {
	t.Helper()
	var hr *http.Request
	if form {
		hr = httptest.NewRequest(http.MethodPut, "/v1/sys/policies/acl/"+name, strings.NewReader("policy="+url.QueryEscape(text)))
		hr.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		b, err := json.Marshal(map[string]string{"policy": text})
		if err != nil {
			t.Fatal(err)
		}
		hr = httptest.NewRequest(http.MethodPut, "/v1/sys/policies/acl/"+name, strings.NewReader(string(b)))
	}
	hr.Header.Set("X-Vault-Token", srv.RootToken())
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, hr)
	return w.Code, strings.TrimSpace(w.Body.String())
}

func nested(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// A form body carries a policy nested two million levels deep: hcl's
// recursive parser overflowed the stack, a fatal error no recover catches,
// and the process died (Vault 1.21.1 dies too). It is a limit error now,
// and the server keeps serving.
func TestDeeplyNestedPolicyFormBody(t *testing.T) {
	srv := mockvault.New(mockvault.Options{})
	defer srv.Close()
	const n = 2000000
	code, body := putPolicy(t, srv, "deep", `path "a" { capabilities = `+nested("[", "", "]", n)+` }`, true)
	want := `{"errors":["failed to parse policy: At 1:524314: lists and objects nested more than 524288 levels deep are not supported"]}`
	if code != http.StatusBadRequest || body != want {
		t.Fatalf("got %d %s\nwant 400 %s", code, body, want)
	}
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/sys/health", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("sys/health after the deep policy: %d", w.Code)
	}
}

// What fits in a JSON body (a string stops at 1 MiB: about 524,000
// levels) is answered as Vault 1.21.1 answers it (the texts below are
// real Vault's), with the parse never deeper than 1,000 levels.
func TestDeeplyNestedPolicyAnsweredAsVault(t *testing.T) {
	const d = 1500
	listErr := `{"errors":["failed to parse policy: path \"a\": At 1:28: root.Capabilities[0]: unknown type for string *ast.ListType"]}`
	cases := []struct {
		name, text string
		form       bool
		code       int
		want       string
	}{
		{"depth 2", `path "a" { capabilities = [[]] }`, false, 400, listErr},
		{"depth 10", `path "a" { capabilities = ` + nested("[", "", "]", 10) + ` }`, false, 400, listErr},
		{"depth 1000", `path "a" { capabilities = ` + nested("[", "", "]", 1000) + ` }`, false, 400, listErr},
		{"depth 1001", `path "a" { capabilities = ` + nested("[", "", "]", 1001) + ` }`, false, 400, listErr},
		{"depth 100000", `path "a" { capabilities = ` + nested("[", "", "]", 100000) + ` }`, false, 400, listErr},
		{"depth 524000", `path "a" { capabilities = ` + nested("[", "", "]", 524000) + ` }`, false, 400, listErr},
		{"depth 524000 form", `path "a" { capabilities = ` + nested("[", "", "]", 524000) + ` }`, true, 400, listErr},
		{"literals", `path "a" { capabilities = ` + nested("[", "\"read\", 1, true, 2.5, <<EOT\nhi\nEOT\n", "]", d) + ` }`, false, 400, listErr},
		{"objects in lists", `path "a" { capabilities = ` + nested("[{a=", "1", "}]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: path \"a\": At 1:28: root.Capabilities[0]: unknown type for string *ast.ObjectType"]}`},
		{"objects in objects", `path "a" { x ` + nested("{a ", "{b=1}", "}", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: 1 error occurred:\n\t* path \"a\": invalid key \"x\" on line 0\n\n"]}`},
		{"comments", `path "a" { capabilities = ` + nested("[ # c\n", "", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: path \"a\": At 2:1: root.Capabilities[0]: unknown type for string *ast.ListType"]}`},
		{"error after", `path "a" { capabilities = ` + nested("[", "", "]", d) + " }\n bogus", false, 400,
			`{"errors":["failed to parse policy: At 2:8: key 'bogus' expected start of object ('{') or assignment ('=')"]}`},
		{"columns after multibyte", "path \"a\" {\r\n capabilities = " + nested("[", `"é€😀", "	"`, "]", d) + " } bogus", false, 400,
			`{"errors":["failed to parse policy: At 2:3036: key 'bogus' expected start of object ('{') or assignment ('=')"]}`},
		{"lines in heredoc", "path \"a\" {\r\n capabilities = " + nested("[", "\"é€😀\", <<EOT\nline é\nEOT\n", "]", d) + " } bogus", false, 400,
			`{"errors":["failed to parse policy: At 5:1510: key 'bogus' expected start of object ('{') or assignment ('=')"]}`},
		{"error before", `path "a" { capabilities = ] }` + "\n" + `path "b" { capabilities = ` + nested("[", " x ", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: At 1:27: Unknown token: 1:27 RBRACK ]"]}`},
		{"scanner error before", `path "a" { capabilities = ["r\qx"] }` + "\n" + `path "b" { capabilities = ` + nested("[", " x ", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: At 1:31: illegal char escape"]}`},
		{"NUL inside", `path "a" { capabilities = ` + nested("[", "\x00", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: At 1:1527: unexpected null character (0x00)"]}`},
		{"policy field", `path "a" { policy = ` + nested("[", "", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: path \"a\": At 1:21: root.Policy: unknown type for string *ast.ListType"]}`},
		{"wrapping ttl", "path \"a\" { capabilities=[\"read\"]\n min_wrapping_ttl = " + nested("[", "", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: error parsing min_wrapping_ttl: could not parse duration from input"]}`},
		{"name", `name = ` + nested("[", "", "]", d) + "\n" + `path "a" { capabilities=["read"] }`, false, 400,
			`{"errors":["failed to parse policy: At 1:8: root.name: unknown type for string *ast.ListType"]}`},
		{"unknown key", `path "a" { capabilities=["read"] }` + "\nfoo = " + nested("[", "", "]", d), false, 400,
			`{"errors":["failed to parse policy: 1 error occurred:\n\t* invalid key \"foo\" on line 2\n\n"]}`},
		{"allowed parameters", "path \"a\" { capabilities=[\"read\"]\n allowed_parameters = { \"k\" = [" + nested("[", `"v"`, "]", d) + `, "z"] } }`, false, 204, ""},
		// Invalid HCL that deep: Vault builds an error wrapped once per
		// level (quadratic); the mock answers a limit error.
		{"invalid deep", `path "a" { capabilities = ` + nested("[", " x ", "]", d) + ` }`, false, 400,
			`{"errors":["failed to parse policy: At 1:1526: invalid list or object nested more than 1000 levels deep"]}`},
		{"unclosed deep", `path "a" { capabilities = ` + strings.Repeat("[", 3000) + ` ]`, false, 400,
			`{"errors":["failed to parse policy: At 1:3025: unclosed list or object nested more than 1000 levels deep"]}`},
		// JSON policies: their parser flattens objects; past 1,000 levels
		// they are refused.
		{"json objects", `{"path": {"a": {"capabilities": ["read"], "x": ` + nested(`{"a":`, "1", "}", 3000) + `}}}`, false, 400,
			`{"errors":["failed to parse policy: At 1:5033: objects nested more than 1000 levels deep are not supported"]}`},
		{"json lists", `{"path": {"a": {"capabilities": ` + nested("[", `"read"`, "]", 100000) + `}}}`, false, 204, ""},
	}
	srv := mockvault.New(mockvault.Options{})
	defer srv.Close()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := putPolicy(t, srv, "deep", c.text, c.form)
			if code != c.code || body != c.want {
				t.Fatalf("got %d %.300s\nwant %d %.300s", code, body, c.code, c.want)
			}
		})
	}
}

package mockvault_test

// Escaped request paths, as real Vault 1.21.1 answers them (each case was
// established against the real binary). Vault routes with Go's ServeMux,
// which splits the *escaped* path at literal slashes (so %2F never
// separates segments for routing), cleans it and redirects unclean paths;
// the logical path is the *decoded* URL path, never cleaned ("dir%2F/" is
// "dir//"); what a repeated slash means is the backend's business: KV v2
// cleans metadata keys, KV v1 and cubbyhole keep them.

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/mockvault/mockvault/testhelpers"
)

type escAnswer struct {
	code     int
	location string
	cache    string
	raw      string
	body     map[string]any
}

// escDo sends method rawPath (sent exactly as written, escapes and all)
// with the root token unless token says otherwise ("-" for none).
func escDo(t *testing.T, v *testhelpers.Vault, method, rawPath, token, body string) escAnswer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, v.Addr+rawPath, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := req.URL.RequestURI(); got != rawPath {
		t.Fatalf("the request would go out as %q, not %q", got, rawPath)
	}
	switch token {
	case "":
		req.Header.Set("X-Vault-Token", v.RootToken)
	case "-":
	default:
		req.Header.Set("X-Vault-Token", token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawPath, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := escAnswer{code: resp.StatusCode, location: resp.Header.Get("Location"), cache: resp.Header.Get("Cache-Control"), raw: string(b)}
	_ = json.Unmarshal(b, &a.body)
	return a
}

func escWant(t *testing.T, a escAnswer, method, rawPath string, code int) {
	t.Helper()
	if a.code != code {
		t.Fatalf("%s %s: status %d, want %d (%s)", method, rawPath, a.code, code, a.raw)
	}
}

// escKeys is data.keys of a list answer.
func escKeys(a escAnswer) []string {
	d, _ := a.body["data"].(map[string]any)
	l, _ := d["keys"].([]any)
	out := []string{}
	for _, k := range l {
		s, _ := k.(string)
		out = append(out, s)
	}
	return out
}

func escErrors(a escAnswer) []string {
	l, ok := a.body["errors"].([]any)
	if !ok {
		return nil
	}
	out := []string{}
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func escWrite(t *testing.T, v *testhelpers.Vault, rawPath, body string) {
	t.Helper()
	a := escDo(t, v, "POST", rawPath, "", body)
	if a.code != 200 && a.code != 204 {
		t.Fatalf("POST %s: %d %s", rawPath, a.code, a.raw)
	}
}

func TestEscapedKVv2MetadataKeysAreCleaned(t *testing.T) {
	v := testhelpers.RunT(t)
	escWrite(t, v, "/v1/secret/data/dir/a", `{"data":{"x":1}}`)
	escWrite(t, v, "/v1/secret/data/dir/sub/b", `{"data":{"x":2}}`)
	escWrite(t, v, "/v1/secret/data/dir", `{"data":{"top":true}}`)

	// vault-client-go's KvV2List(ctx, "dir/") and friends: KV v2 keeps its
	// metadata in storage that path.Cleans the key, so these all list dir/.
	for _, p := range []string{
		"/v1/secret/metadata/dir/?list=true",
		"/v1/secret/metadata/dir%2F/?list=true",
		"/v1/secret/metadata/dir%2f/?list=true",
		"/v1/secret/metadata/dir%2F?list=true",
		"/v1/secret/metadata/%2Fdir/?list=true",
		"/v1/secret/metadata/x/%2E%2E/dir/?list=true",
		"/v1/secret/metadata/dir%2F%2F?list=true&exclude_deleted=true",
		"/v1/secret%2Fmetadata%2Fdir%2F/?list=true",
	} {
		a := escDo(t, v, "GET", p, "", "")
		escWant(t, a, "GET", p, 200)
		if got := escKeys(a); !reflect.DeepEqual(got, []string{"a", "sub/"}) {
			t.Errorf("GET %s: keys %q, want [a sub/]", p, got)
		}
	}
	a := escDo(t, v, "LIST", "/v1/secret/metadata/dir%2F/", "", "")
	if escWant(t, a, "LIST", "dir%2F/", 200); !reflect.DeepEqual(escKeys(a), []string{"a", "sub/"}) {
		t.Errorf("LIST dir%%2F/: %q", escKeys(a))
	}
	// a key that cleans to nothing, or to ".", names nothing
	for _, p := range []string{"/v1/secret/metadata/%2F%2F?list=true", "/v1/secret/metadata/%2E/?list=true"} {
		a := escDo(t, v, "GET", p, "", "")
		escWant(t, a, "GET", p, 404)
		if e := escErrors(a); e == nil || len(e) != 0 {
			t.Errorf("GET %s: errors %q, want []", p, e)
		}
	}

	// metadata reads clean the key too: all of these are dir/a's metadata
	for _, p := range []string{"/v1/secret/metadata/dir%2F%2Fa", "/v1/secret/metadata/dir/a%2F", "/v1/secret/metadata/%2Fdir%2Fa"} {
		a := escDo(t, v, "GET", p, "", "")
		escWant(t, a, "GET", p, 200)
		if d, _ := a.body["data"].(map[string]any); d["current_version"] != float64(1) {
			t.Errorf("GET %s: %s", p, a.raw)
		}
	}
	// ... and a read (not a list) of "dir/" is the metadata of the secret "dir"
	for _, p := range []string{"/v1/secret/metadata/dir/", "/v1/secret/metadata/dir%2F"} {
		escWant(t, escDo(t, v, "GET", p, "", ""), "GET", p, 200)
	}

	// The ACL sees the raw path: "secret/metadata/dir" lets a token list
	// dir/ (Vault also tries the list path without its last "/"), not dir//.
	escWrite(t, v, "/v1/sys/policies/acl/escdir", `{"policy":"path \"secret/metadata/dir\" { capabilities = [\"list\"] }"}`)
	tok := escDo(t, v, "POST", "/v1/auth/token/create", "", `{"policies":["escdir"]}`)
	auth, _ := tok.body["auth"].(map[string]any)
	ct, _ := auth["client_token"].(string)
	escWant(t, escDo(t, v, "GET", "/v1/secret/metadata/dir/?list=true", ct, ""), "GET", "dir/ as escdir", 200)
	escWant(t, escDo(t, v, "GET", "/v1/secret/metadata/dir%2F/?list=true", ct, ""), "GET", "dir%2F/ as escdir", 403)

	// deleting the metadata of "dir/" deletes the secret "dir"
	escWant(t, escDo(t, v, "DELETE", "/v1/secret/metadata/dir/", "", ""), "DELETE", "metadata/dir/", 204)
	if a := escDo(t, v, "GET", "/v1/secret/metadata/?list=true", "", ""); !reflect.DeepEqual(escKeys(a), []string{"dir/"}) {
		t.Errorf("after deleting dir: %q", escKeys(a))
	}
}

func TestEscapedPathsDecode(t *testing.T) {
	v := testhelpers.RunT(t)
	escWrite(t, v, "/v1/secret/data/dir%2Fa", `{"data":{"x":1}}`)
	escWrite(t, v, "/v1/secret/data/a%20b", `{"data":{"y":2}}`)
	for _, p := range []string{"/v1/secret/data/dir/a", "/v1/secret/data/dir%2fa", "/v1/secret%2Fdata%2Fdir%2Fa", "/v1/secret/data/a%20b"} {
		escWant(t, escDo(t, v, "GET", p, "", ""), "GET", p, 200)
	}
	if a := escDo(t, v, "GET", "/v1/secret/metadata/?list=true", "", ""); !reflect.DeepEqual(escKeys(a), []string{"a b", "dir/"}) {
		t.Errorf("keys %q, want [a b dir/]", escKeys(a))
	}
	// an escaped "?" is part of the key
	escWant(t, escDo(t, v, "GET", "/v1/secret/data/dir%2Fa%3Fb", "", ""), "GET", "dir%2Fa%3Fb", 404)

	// KV v1 keeps a repeated slash: "dir//b" is its own key under "dir/"
	escWrite(t, v, "/v1/sys/mounts/kv", `{"type":"kv"}`)
	escWrite(t, v, "/v1/kv/dir/a", `{"x":1}`)
	escWrite(t, v, "/v1/kv/dir%2F%2Fb", `{"x":2}`)
	if a := escDo(t, v, "GET", "/v1/kv/dir/?list=true", "", ""); !reflect.DeepEqual(escKeys(a), []string{"/", "a"}) {
		t.Errorf("kv/dir/: %q, want [/ a]", escKeys(a))
	}
	if a := escDo(t, v, "GET", "/v1/kv/dir%2F/?list=true", "", ""); !reflect.DeepEqual(escKeys(a), []string{"b"}) {
		t.Errorf("kv/dir%%2F/: %q, want [b]", escKeys(a))
	}
	escWant(t, escDo(t, v, "GET", "/v1/kv/dir%2Fa", "", ""), "GET", "kv/dir%2Fa", 200)
	escWant(t, escDo(t, v, "GET", "/v1/kv/dir%2F%2Fb", "", ""), "GET", "kv/dir%2F%2Fb", 200)

	// escaping other characters changes nothing, for routing either
	a := escDo(t, v, "GET", "/v1/sys/h%65alth", "-", "")
	if escWant(t, a, "GET", "sys/h%65alth", 200); a.body["initialized"] != true {
		t.Errorf("sys/h%%65alth: %s", a.raw)
	}
}

func TestEscapedPathRedirects(t *testing.T) {
	v := testhelpers.RunT(t)
	for _, c := range []struct{ path, location string }{
		// unclean paths: ServeMux cleans the escaped path and escapes it once
		// more for Location
		{"/v1/secret//metadata/dir%2F?list=true", "/v1/secret/metadata/dir%252F?list=true"},
		{"/v1/secret//metadata/dir%2f?list=true", "/v1/secret/metadata/dir%252f?list=true"},
		{"/v1/secret//data/a%20b", "/v1/secret/data/a%2520b"},
		{"/v1/secret/./data/a%20b", "/v1/secret/data/a%2520b"},
		{"/v1/secret/x/../data/dir/a", "/v1/secret/data/dir/a"},
		{"/v1/secret/metadata//?list=true", "/v1/secret/metadata/?list=true"},
		{"/v1/secret/metadata/dir//?list=true", "/v1/secret/metadata/dir/?list=true"},
		{"/v1//sys/health", "/v1/sys/health"},
		{"//v1/sys/health", "/v1/sys/health"},
		{"/v1/sys/health/.", "/v1/sys/health"},
		{"/v1/sys/mounts/../../x?y=%2F", "/v1/x?y=%2F"},
		// prefix patterns without their trailing slash
		{"/v1", "/v1/"},
		{"/v1/sys", "/v1/sys/"},
		{"/v1/sy%73", "/v1/sys/"},
		{"/v1//sys?a=%2F", "/v1/sys/?a=%2F"},
		{"/v1/sys/audit-hash", "/v1/sys/audit-hash/"},
		{"/v1/sys/pprof", "/v1/sys/pprof/"},
		{"/v1/sys/p%70rof", "/v1/sys/pprof/"},
		{"/v1/sys/config/state", "/v1/sys/config/state/"},
	} {
		a := escDo(t, v, "GET", c.path, "", "")
		if a.code != http.StatusTemporaryRedirect || a.location != c.location || a.cache != "no-store" {
			t.Errorf("GET %s: %d Location %q Cache-Control %q, want 307 %q no-store", c.path, a.code, a.location, a.cache, c.location)
		}
	}
	// not redirected: an escaped slash or dot is no separator for ServeMux
	for _, c := range []struct {
		path string
		code int
	}{
		{"/v1/sys%2F", 404}, {"/v1/sys/health%2F.", 404}, {"/v1/sys/health/", 404},
		{"/v1/secret/data/%2E%2E/x", 404}, {"/v1/sys/mounts", 200}, {"/v1/sys/auth", 200},
	} {
		escWant(t, escDo(t, v, "GET", c.path, "", ""), "GET", c.path, c.code)
	}
}

func TestNonPrintablePathRefused(t *testing.T) {
	v := testhelpers.RunT(t)
	// the printable check comes first: before the redirect of "//"
	for _, p := range []string{
		"/v1/sys/health%0a", "/v1/sys/health%09", "/v1/sys/%7Fhealth", "/v1/sys/health%C2%A0",
		"/v1/auth/token/lookup-self%00", "/v1//sys/health%0a", "/v1/sys%2Fhealth%0a", "/nowhere%0a",
	} {
		a := escDo(t, v, "GET", p, "", "")
		if a.code != 400 || a.raw != "" {
			t.Errorf("GET %s: %d %q, want a bare 400", p, a.code, a.raw)
		}
	}
	// a space and an invalid UTF-8 byte are printable
	for _, p := range []string{"/v1/sys/health%20", "/v1/sys/health%FF"} {
		a := escDo(t, v, "GET", p, "", "")
		if escWant(t, a, "GET", p, 404); !reflect.DeepEqual(escErrors(a), []string{"1 error occurred:\n\t* unsupported path\n\n"}) {
			t.Errorf("GET %s: %s", p, a.raw)
		}
	}
}

func TestEscapedSlashHidesMuxPatterns(t *testing.T) {
	v := testhelpers.RunT(t)
	// "/v1%2F..." is not under the /v1/ pattern at all (Vault sends it to
	// its UI redirect; the mock, which serves no UI, answers any path
	// outside the API with a plain 404)
	for _, p := range []string{"/v1%2Fsys/health", "/v1%2fsys/health", "/v1%2F"} {
		a := escDo(t, v, "GET", p, "", "")
		if a.code != 404 || a.body != nil {
			t.Errorf("GET %s: %d %s, want the plain 404 of a non-API path", p, a.code, a.raw)
		}
	}
	// sys/health, sys/seal-status and sys/leader are HTTP handlers of
	// their own; "sys%2F..." reaches the logical system backend instead
	unsupported := []string{"unsupported operation"}
	for _, c := range []struct {
		method, path string
		code         int
		errs         []string
	}{
		{"GET", "/v1/sys%2Fhealth", 405, unsupported},
		{"POST", "/v1/sys%2Fhealth", 405, unsupported},
		{"DELETE", "/v1/sys%2Fhealth", 405, unsupported},
		{"HEAD", "/v1/sys%2Fhealth", 405, nil},
		{"POST", "/v1/sys%2Fseal-status", 405, unsupported},
		{"DELETE", "/v1/sys%2Fleader", 405, unsupported},
		{"HEAD", "/v1/sys%2Fleader", 405, nil},
		// the handlers' own answers, for comparison
		{"POST", "/v1/sys/health", 405, []string{}},
		{"POST", "/v1/sys/seal-status", 405, []string{}},
		{"HEAD", "/v1/sys/health", 200, nil},
	} {
		for _, tok := range []string{"", "-"} {
			a := escDo(t, v, c.method, c.path, tok, "")
			escWant(t, a, c.method, c.path, c.code)
			if c.errs != nil && !reflect.DeepEqual(escErrors(a), c.errs) {
				t.Errorf("%s %s (token %q): errors %q, want %q", c.method, c.path, tok, escErrors(a), c.errs)
			}
		}
	}
	// a list goes to "sys/health/", which is no path (403 without a token)
	a := escDo(t, v, "LIST", "/v1/sys%2Fhealth", "", "")
	if escWant(t, a, "LIST", "sys%2Fhealth", 404); !reflect.DeepEqual(escErrors(a), []string{"1 error occurred:\n\t* unsupported path\n\n"}) {
		t.Errorf("LIST sys%%2Fhealth: %s", a.raw)
	}
	escWant(t, escDo(t, v, "LIST", "/v1/sys%2Fhealth", "-", ""), "LIST", "sys%2Fhealth without a token", 403)
	for _, p := range []string{"/v1/sys%2Fseal-status", "/v1/sys%2Fleader"} {
		a := escDo(t, v, "GET", p, "-", "")
		if escWant(t, a, "GET", p, 200); a.body["request_id"] != nil || len(a.body) < 5 {
			t.Errorf("GET %s: %s", p, a.raw)
		}
	}

	// routes that repeat data at the top of the body do so only when
	// ServeMux matched their pattern
	for _, c := range []struct {
		path string
		top  string // a data key expected at the top level, "" for none
	}{
		{"/v1/sys/policy/default", "name"},
		{"/v1/sys/policy%2Fdefault", ""},
		{"/v1/sys%2Fpolicy/default", ""},
		{"/v1/sys/mounts/secret%2F", "type"},
		{"/v1/sys%2Fmounts/secret", ""},
		{"/v1/sys%2Fmounts", ""},
		{"/v1/sys/mounts", "secret/"},
	} {
		a := escDo(t, v, "GET", c.path, "", "")
		escWant(t, a, "GET", c.path, 200)
		d, _ := a.body["data"].(map[string]any)
		if len(d) == 0 {
			t.Fatalf("GET %s: no data: %s", c.path, a.raw)
		}
		extra := 0
		for k := range d {
			if _, ok := a.body[k]; ok {
				extra++
			}
		}
		switch {
		case c.top == "" && extra > 0:
			t.Errorf("GET %s: data repeated at the top: %s", c.path, a.raw)
		case c.top != "" && a.body[c.top] == nil:
			t.Errorf("GET %s: %q not at the top: %s", c.path, c.top, a.raw)
		}
	}
}

package conform

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// Values below are real answers of Vault 1.21.1 (testdata recordings)
// unless said otherwise.
const (
	sscToken     = "hvs.CAESIOPsIoGIwRp4IQ6Ai_2aLsg2lrRRJUCNJcrf5M99ziUkGh4KHGh2cy5udUhnUnh3MzFMYmllWGdzVndwZGpoQ2E"
	sscTokenB62  = "hvs.CAESIHpfpvpTGXwPVyRwOm7cklP8lYggNgtcRRTYArV06XO9Gh4KHGh2cy5SOWVJem1lOXpPZldEY0E3dDBHUzl6TGk" // no "-" or "_"
	storedToken  = "hvs.fpr1ATfOdMa6gXOypagXXavR"
	batchToken   = "hvb.AAAAAQKDi75biee45DvDoIoEy87qOYvlSu6nXWIFefKM7YdaOYGGImmPBaAnOpU-BKK-si6iXkXoEXkR639fXyL_dPTx4GLXQNuVra8jOSH5t6L1bkr0Ejf3VYKW-W4jENhY_uLL"
	sscShape     = "<hvs.ssc:95 v1 hmac32 random=hvs.b62:28>"
	leaseID      = "auth/token/create/lr/hff50fa56f96482bfcba51bfcd9db7d9ada8c4ca42816b1ed7e855105221c7434"
	rootLeaseKey = "6c7169f3f3a261c54ed12589485942a9c4c42fd2"
)

func TestShapeStrings(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		// tokens
		{sscToken, sscShape},
		{sscTokenB62, sscShape}, // the alphabet of a signed token does not flap
		{storedToken, "<hvs.b62:28>"},
		{"hvs.AAAAAAAAAAAAAAAAAAAAAAAA", "<hvs.b62:28>"},
		{batchToken, "<hvb.b64url:140 term1 v2>"},
		{"s.hz4Gq6sUwqbOyDgqqfDuFtF8", "<s.b62:26>"}, // legacy service token (Vault < 1.10)
		{"hvs.CAESIOPsIoGIwRp4IQ6Ai_2aLsg2lrRRJUCNJcrf5M99ziUkGh4KHGh2cy5udUhnUnh3MzFMYmllWGdzVndwZGpoQ2", "<hvs.b64url:94>"}, // cut short: no SignedToken
		{"root", "<b62:4>"},
		{"my-custom-token-1", "<b64url:17>"},
		// accessors and ids
		{"4cFsWlZnBow4aoJzue6pbf59", "<b62:24>"},
		{"auth_token_2327951a", "<b64url:19>"},
		{"vault-cluster-2304d7c3", "<b64url:22>"},
		{"feee4b5e-1280-8fc3-f378-70b362649974", "<uuid>"},
		{"FEEE4B5E-1280-8FC3-F378-70B362649974", "<UUID mixed case>"},
		{"feee4b5e12808fc3f37870b362649974", "<hex:32>"},
		{rootLeaseKey, "<hex:40>"},
		{leaseID, "<auth/token/create/lr/ + h+hex:64>"},
		{"hff50fa56f96482bfcba51bfcd9db7d9ada8c4ca42816b1ed7e855105221c7434", "<h+hex:64>"},
		{"lr/", "<lr/>"},
		{"aGVsbG8gd29ybGQ=", "<b64:16>"},
		{"a b", "<text>"},
		// times: fraction or not, whatever its digit count
		{"2026-11-27T06:31:26.063503465Z", "<rfc3339.frac Z>"},
		{"2026-11-27T06:31:26.06350346Z", "<rfc3339.frac Z>"},
		{"2026-11-27T06:31:26.5Z", "<rfc3339.frac Z>"},
		{"2026-11-27T06:31:26Z", "<rfc3339 Z>"},
		{"2026-11-27T06:31:26.0635034651Z", "<rfc3339.frac10 Z>"},
		{"2026-11-27T07:31:26.063501213+01:00", "<rfc3339.frac +hh:mm>"},
		{"2026-11-27T06:31:26-05:00", "<rfc3339 -hh:mm>"},
		{"2026-11-27 06:31:26", "<text>"},
	} {
		if got := shapeString(tc.in); got != tc.want {
			t.Errorf("shapeString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestShapeOtherValues(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want any
	}{
		{json.Number("1795761086"), "<int:10 digits>"}, // unix seconds
		{json.Number("1795761086000"), "<int:13 digits>"},
		{json.Number("0"), "<int>"},
		{json.Number("3599"), "<int>"},
		{json.Number("-1"), "<-int>"},
		{json.Number("1.5"), "<float>"},
		{json.Number("1e3"), "<float>"},
		{nil, nil},
		{true, true},
	} {
		if got := Shape(tc.in); got != tc.want {
			t.Errorf("Shape(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

// Shapes must not flap between two answers of the same server: random
// ids of one kind always get one shape.
func TestShapeStableForRandomValues(t *testing.T) {
	b62 := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	seen := map[string]map[string]bool{}
	note := func(kind, shape string) {
		if seen[kind] == nil {
			seen[kind] = map[string]bool{}
		}
		seen[kind][shape] = true
	}
	for i := 0; i < 2000; i++ {
		r := make([]byte, 68)
		_, _ = rand.Read(r)
		// a signed token: 08 01 12 20 <hmac> 1a 1e 0a 1c <hvs. + 24 base62>
		st := append([]byte{0x08, 1, 0x12, 32}, r[:32]...)
		inner := []byte("hvs.")
		for _, c := range r[32:56] {
			inner = append(inner, b62[int(c)%62])
		}
		st = append(append(st, 0x1a, 30, 0x0a, 28), inner...)
		note("ssc", shapeString("hvs."+base64.RawURLEncoding.EncodeToString(st)))
		// a batch token of fixed content length
		note("batch", shapeString("hvb."+base64.RawURLEncoding.EncodeToString(append([]byte{0, 0, 0, 1, 2}, r...))))
		note("accessor", shapeString(string(inner[4:])))
	}
	for kind, shapes := range seen {
		if len(shapes) != 1 {
			t.Errorf("%s: %d shapes for one kind of value: %v", kind, len(shapes), shapes)
		}
	}
	if !seen["ssc"][sscShape] {
		t.Errorf("ssc: %v", seen["ssc"])
	}
}

func TestNormalizeComparesShapes(t *testing.T) {
	body := func(tok, issue string) any {
		return map[string]any{
			"auth": map[string]any{"client_token": tok, "accessor": "4cFsWlZnBow4aoJzue6pbf59", "lease_duration": json.Number("3600")},
			"data": map[string]any{"issue_time": issue, "creation_time": json.Number("1795761086"), "ttl": json.Number("3600")},
		}
	}
	ex := func(tok, issue string, vars map[string]string) Answer {
		return Answer{Status: 200, Body: body(tok, issue), Vars: vars}
	}
	st := Rules{}
	// Two different signed tokens, both saved as t: alike.
	a := ex(sscToken, "2026-11-27T06:31:26.063503465Z", map[string]string{"t": sscToken})
	b := ex(sscTokenB62, "2026-11-29T21:05:31.36933Z", map[string]string{"t": sscTokenB62})
	if d := Compare(a, b, st, DefaultOptions); len(d) != 0 {
		t.Fatalf("same shapes differ: %v", d)
	}
	n := Normalize(a, st).(map[string]any)
	if got := n["auth"].(map[string]any)["client_token"]; got != "{{t}} "+sscShape {
		t.Fatalf("saved token shown as %q", got)
	}
	// A short token where Vault gives a signed one, saved or not.
	for _, vars := range []map[string]string{{"t": storedToken}, nil} {
		av := map[string]string{"t": sscToken}
		if vars == nil {
			av = nil
		}
		c := ex(storedToken, "2026-11-27T06:31:26Z", vars)
		d := Compare(ex(sscToken, "2026-11-27T06:31:26.063503465Z", av), c, st, DefaultOptions)
		joined := strings.Join(d, "\n")
		if len(d) != 2 || !strings.Contains(joined, "auth.client_token") || !strings.Contains(joined, sscShape) ||
			!strings.Contains(joined, "<hvs.b62:28>") || !strings.Contains(joined, `data.issue_time: reference="<rfc3339.frac Z>" other="<rfc3339 Z>"`) {
			t.Fatalf("differences: %v", d)
		}
	}
	// A batch token of another length is a difference.
	c := Answer{Status: 200, Body: map[string]any{"auth": map[string]any{"client_token": batchToken + "AAAA"}}}
	d := Compare(Answer{Status: 200, Body: map[string]any{"auth": map[string]any{"client_token": batchToken}}}, c, st, DefaultOptions)
	if len(d) != 1 || !strings.Contains(d[0], "hvb.b64url:144") {
		t.Fatalf("batch length: %v", d)
	}
	// Step.Masked paths get shapes too; numbers stay numbers.
	st = Rules{Masked: []string{"data.keys"}}
	x := Answer{Status: 200, Body: map[string]any{"data": map[string]any{"keys": []any{rootLeaseKey, "lr/"}}}}
	y := Answer{Status: 200, Body: map[string]any{"data": map[string]any{"keys": []any{"h" + rootLeaseKey, "lr/"}}}}
	if d := Compare(x, y, st, DefaultOptions); len(d) != 1 || !strings.Contains(d[0], "<hex:40>") {
		t.Fatalf("masked list: %v", d)
	}
	st = Rules{Masked: []string{"data.n"}}
	x = Answer{Status: 200, Body: map[string]any{"data": map[string]any{"n": json.Number("1795761086")}}}
	y = Answer{Status: 200, Body: map[string]any{"data": map[string]any{"n": json.Number("1795761086123")}}}
	if d := Compare(x, y, st, DefaultOptions); len(d) != 1 {
		t.Fatalf("seconds vs milliseconds: %v", d)
	}
	y = Answer{Status: 200, Body: map[string]any{"data": map[string]any{"n": "1795761086"}}}
	if d := Compare(x, y, st, DefaultOptions); len(d) != 1 {
		t.Fatalf("number vs string: %v", d)
	}
}

package mockvault

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// stdDecode is what decodeJSONBody did before decodeObjectFast: the
// reference it must agree with.
func stdDecode(b []byte) (map[string]any, error) {
	out := map[string]any{}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	err := dec.Decode(&out)
	return out, err
}

var fastDecodeCases = []string{
	`{}`, ` {"a":1} `, `{"a":"b","c":[1,2.5,-3e10,"x",true,false,null,{}],"d":{"e":[]}}`,
	`{"a":1,"a":2}`, `{"ü":"ünïcødé ✓"}`, `{"n":-0.0e+1}`, `{"n":0}`, `{"big":123456789012345678901234567890}`,
	`{"a":1} trailing`, `{"a":1}{"b":2}`, "\t\r\n{\n\"a\" : [ 1 , 2 ] }\n",
	// what it leaves to encoding/json
	`{"a":"\n"}`, `{"a":"\u00e9"}`, "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", `{"a":01}`, `{"a":1.}`, `{"a":.5}`,
	`{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1]`, `null`, `"x"`, `{"a":[1,]}`, `{"a":`, `{`,
	"\xef\xbb\xbf{\"a\":1}", `{"a":NaN}`, `{"a":+1}`,
}

func TestDecodeObjectFastMatchesEncodingJSON(t *testing.T) {
	for _, c := range fastDecodeCases {
		checkFastDecode(t, []byte(c))
	}
	// The ones it must take on itself (no fallback), to be worth having.
	for _, c := range []string{`{}`, `{"a":"b","c":[1,2.5,-3e10,"x",true,false,null,{}],"d":{"e":[]}}`, `{"ü":"ünïcødé ✓"}`} {
		if _, ok := decodeObjectFast([]byte(c)); !ok {
			t.Errorf("%s: not decoded by the fast path", c)
		}
	}
}

func checkFastDecode(t *testing.T, b []byte) {
	t.Helper()
	got, ok := decodeObjectFast(b)
	if !ok {
		return // encoding/json answers, as before
	}
	want, err := stdDecode(b)
	if err != nil {
		t.Fatalf("%q: fast path decoded %v, encoding/json fails: %v", b, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: fast path %#v, encoding/json %#v", b, got, want)
	}
}

// checkFastUnmarshal: unmarshalObjectFast must agree with json.Unmarshal
// wherever it answers.
func checkFastUnmarshal(t *testing.T, b []byte) {
	t.Helper()
	got, ok := unmarshalObjectFast(b)
	if !ok {
		return
	}
	var want map[string]any
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatalf("%q: fast path decoded %v, json.Unmarshal fails: %v", b, got, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: fast path %#v, json.Unmarshal %#v", b, got, want)
	}
}

func TestUnmarshalObjectFastMatchesEncodingJSON(t *testing.T) {
	for _, c := range append(fastDecodeCases, `{"n":1e400}`, `{"n":-1e-400}`, `{"n":1.5e3}`) {
		checkFastUnmarshal(t, []byte(c))
	}
	for _, c := range []string{`{"a":1} trailing`, `{"a":1}{"b":2}`, `{"n":1e400}`} {
		if _, ok := unmarshalObjectFast([]byte(c)); ok {
			t.Errorf("%s: decoded, json.Unmarshal refuses it", c)
		}
	}
	if m, ok := unmarshalObjectFast([]byte(`{"exp":1700000000,"aud":["a"]}`)); !ok || m["exp"] != float64(1700000000) {
		t.Errorf("claims: %v %v", m, ok)
	}
}

func FuzzDecodeObjectFast(f *testing.F) {
	for _, c := range fastDecodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFastDecode(t, b)
		checkFastUnmarshal(t, b)
	})
}

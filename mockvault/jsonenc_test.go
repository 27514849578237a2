package mockvault

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// encodeBoth returns what writeJSONBody and json.Encoder write for v.
func encodeBoth(v any) (got, want []byte) {
	got, err := appendJSON(nil, v)
	if err != nil {
		got = nil
	} else {
		got = append(got, '\n')
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		buf.Reset()
	}
	return got, buf.Bytes()
}

type jsonTestString string

type jsonTestMarshaler struct{ s string }

func (m jsonTestMarshaler) MarshalJSON() ([]byte, error) {
	// Spaces to compact away and HTML to escape, as encoding/json does.
	return []byte(`{ "v" : ` + strconv.Quote(m.s) + ` }`), nil
}

// A named string type with a MarshalJSON: not to be taken for a string.
type jsonTestStringMarshaler string

func (m jsonTestStringMarshaler) MarshalJSON() ([]byte, error) {
	return []byte(`"marshaled"`), nil
}

type jsonTestText int

func (t jsonTestText) MarshalText() ([]byte, error) {
	return []byte("text<" + strconv.Itoa(int(t)) + ">"), nil
}

type jsonTestFailing struct{}

func (jsonTestFailing) MarshalJSON() ([]byte, error) { return nil, errors.New("no") }

func jsonTestCases() map[string]any {
	var allControls strings.Builder
	for b := 0; b < 0x20; b++ {
		allControls.WriteByte(byte(b))
	}
	bigMap := map[string]any{}
	for i := range 40 {
		bigMap[strconv.Itoa(i*7919%1000)] = i
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	var deepMap any = "bottom"
	var deepSlice any = 1
	for range 2000 {
		deepMap = map[string]any{"d": deepMap}
		deepSlice = []any{deepSlice}
	}
	fullAuth := &authInfo{
		ClientToken: "hvs.<tok>", Accessor: "acc", Policies: []string{"default", "root"},
		TokenPolicies: []string{"default"}, IdentityPolicies: []string{"idp"},
		Metadata: map[string]string{"z": "1", "a": "&"}, LeaseDuration: 3600, Renewable: true,
		EntityID: "ent", TokenType: "service", Orphan: true,
		MFARequirement: map[string]any{"mfa_request_id": "x"}, NumUses: 3,
	}
	cases := map[string]any{
		"nil":             nil,
		"empty string":    "",
		"plain string":    "hello world",
		"all controls":    allControls.String(),
		"del":             "\x7f",
		"quote slash":     `"\/`,
		"html":            "<script>&amp;</script>",
		"line seps":       "a\u2028b\u2029c\u2027",
		"invalid utf8":    "a\xffb\xfe\xc3",
		"truncated":       "x\xe2\x82",
		"surrogate":       "\xed\xa0\x80",
		"beyond max":      "\xf4\x90\x80\x80",
		"overlong":        "\xc0\xaf",
		"multibyte":       "é€𝄞\ufffd",
		"true":            true,
		"false":           false,
		"int":             42,
		"int min":         math.MinInt64,
		"int8 min":        int8(math.MinInt8),
		"int16":           int16(-300),
		"int32":           int32(math.MaxInt32),
		"int64 max":       int64(math.MaxInt64),
		"uint":            uint(7),
		"uint8":           uint8(255),
		"uint16":          uint16(65535),
		"uint32":          uint32(math.MaxUint32),
		"uint64 max":      uint64(math.MaxUint64),
		"uintptr":         uintptr(12),
		"number zero":     json.Number(""),
		"number":          json.Number("-1.5e+10"),
		"number E":        json.Number("1E5"),
		"number 0":        json.Number("0"),
		"number frac":     json.Number("0.25"),
		"number 01":       json.Number("01"),
		"number word":     json.Number("abc"),
		"number dot":      json.Number("1."),
		"number minus":    json.Number("-"),
		"number plus":     json.Number("+1"),
		"number exp":      json.Number("1e"),
		"number space":    json.Number(" 1"),
		"float 1e21":      1e21,
		"float 1e20":      1e20,
		"float 1e-7":      1e-7,
		"float 1e-6":      1e-6,
		"float 1e-9":      1e-9,
		"float 1e-100":    1e-100,
		"float 0.1":       0.1,
		"float -0":        math.Copysign(0, -1),
		"float 0":         0.0,
		"float 123456789": 123456789.0,
		"float max":       math.MaxFloat64,
		"float tiny":      5e-324,
		"float neg":       -2.5e25,
		"float NaN":       math.NaN(),
		"float +Inf":      math.Inf(1),
		"float -Inf":      math.Inf(-1),
		"float32 0.1":     float32(0.1),
		"float32 1e21":    float32(1e21),
		"float32 1e-7":    float32(1e-7),
		"float32 1e-6":    float32(1e-6),
		"float32 max":     float32(math.MaxFloat32),
		"float32 -0":      float32(math.Copysign(0, -1)),
		"float32 NaN":     float32(math.NaN()),
		"map nil":         map[string]any(nil),
		"map empty":       map[string]any{},
		"map nested": map[string]any{
			"b": map[string]any{"y": []any{1, "two", nil, 3.5, map[string]any{}}},
			"a": []string{"x", "<y>"}, "é": true, "A": nil, "": "empty key",
			"\xff": "invalid key", "\xfe": "other invalid key", "a<b": "html key", "\n": "control key",
		},
		"map big":            bigMap,
		"map string nil":     map[string]string(nil),
		"map string empty":   map[string]string{},
		"map string":         map[string]string{"k2": "v2", "k1": "v<1>"},
		"map int nil":        map[string]int(nil),
		"map int":            map[string]int{"b": -1, "a": math.MaxInt64},
		"map bool nil":       map[string]bool(nil),
		"map bool":           map[string]bool{"y": true, "x": false},
		"slice any nil":      []any(nil),
		"slice any empty":    []any{},
		"slice any":          []any{nil, "s", 1, int64(2), 1.5, []any{}, map[string]string{}},
		"slice string nil":   []string(nil),
		"slice string empty": []string{},
		"slice string":       []string{"a", "\u2028", ""},
		"slice int nil":      []int(nil),
		"slice int":          []int{0, -1, math.MaxInt64},
		"slice maps nil":     []map[string]any(nil),
		"slice maps":         []map[string]any{nil, {}, {"k": "v"}},
		"envelope zero":      envelope{},
		"envelope": envelope{
			RequestID: "id", LeaseID: "secret/lease", Renewable: true, LeaseDuration: 60,
			Data: map[string]any{"keys": []string{"a"}, "n": json.Number("3")}, Warnings: []string{"w<"},
			Auth: fullAuth, MountType: "kv",
		},
		"envelope empties": envelope{Data: map[string]any{}, Warnings: []string{}},
		"envelope wrapped": envelope{WrapInfo: &wrapInfo{
			Token: "t", Accessor: "a", TTL: 300, CreationTime: "2024-01-01T00:00:00Z", CreationPath: "p",
			WrappedAccessor: "wa",
		}},
		"envelope wrapped no accessor": envelope{WrapInfo: &wrapInfo{Token: "t"}},
		"auth nil":                     (*authInfo)(nil),
		"auth zero":                    &authInfo{},
		"auth empty omitempty": &authInfo{
			Policies: []string{}, TokenPolicies: []string{}, IdentityPolicies: []string{},
			Metadata: map[string]string{}, MFARequirement: jsonTestFailing{},
		},
		"auth full":              fullAuth,
		"auth float mfa":         &authInfo{MFARequirement: math.NaN()},
		"wrap nil":               (*wrapInfo)(nil),
		"wrap zero":              &wrapInfo{},
		"envelope pointer":       &envelope{RequestID: "p"},
		"named string":           jsonTestString("<named>"),
		"named string marshaler": jsonTestStringMarshaler("x"),
		"marshaler":              jsonTestMarshaler{"<&>"},
		"marshaler pointer nil":  (*jsonTestMarshaler)(nil),
		"text marshaler":         jsonTestText(3),
		"map text keys":          map[jsonTestText]int{2: 1, 10: 2},
		"map int keys":           map[int]string{10: "a", 9: "b", -1: "c"},
		"map named values":       map[string]jsonTestString{"a": "b"},
		"failing marshaler":      jsonTestFailing{},
		"failing in map":         map[string]any{"a": 1, "b": jsonTestFailing{}},
		"raw message":            json.RawMessage(`{ "x" : "<\u2028>" }`),
		"raw message in map":     map[string]any{"r": json.RawMessage(`[1, 2]`)},
		"raw message invalid":    json.RawMessage(`{`),
		"time":                   time.Date(2024, 2, 3, 4, 5, 6, 7, time.UTC),
		"duration":               time.Duration(1500) * time.Millisecond,
		"bytes":                  []byte("<bytes>"),
		"bytes nil":              []byte(nil),
		"int pointer nil":        (*int)(nil),
		"struct": struct {
			A int
			B string `json:"b,omitempty"`
		}{A: 1},
		"chan":                    make(chan int),
		"func":                    func() {},
		"complex":                 complex(1, 2),
		"NaN in map":              map[string]any{"f": math.NaN()},
		"NaN in slice":            []any{1.0, math.Inf(1)},
		"bad number in map":       map[string]any{"n": json.Number("x")},
		"cyclic map":              cyclic,
		"deep map":                deepMap,
		"deep slice":              deepSlice,
		"map of envelopes":        map[string]any{"e": envelope{RequestID: "x"}, "a": &authInfo{}},
		"slice of typed slices":   []any{[]int{1}, []string{"s"}, []map[string]any{{"k": 1.5}}},
		"map string any in slice": []any{map[string]string{"k": "\xff"}, map[string]bool{"t": true}, map[string]int{"i": 1}},
	}
	return cases
}

// TestAppendJSONMatchesEncoder compares appendJSON with json.Encoder byte
// for byte, errors included (both then write nothing).
func TestAppendJSONMatchesEncoder(t *testing.T) {
	for name, v := range jsonTestCases() {
		t.Run(name, func(t *testing.T) {
			got, want := encodeBoth(v)
			if !bytes.Equal(got, want) {
				if len(want) > 300 || len(got) > 300 {
					t.Fatalf("%T: got %d bytes, want %d", v, len(got), len(want))
				}
				t.Fatalf("%T\n got: %q\nwant: %q", v, got, want)
			}
		})
	}
}

// Each string of one rune or byte, alone and between ASCII, over the
// whole of Latin-1, the surrogates and U+2000..U+2FFF, and every byte.
func TestAppendJSONStringRunes(t *testing.T) {
	check := func(s string) {
		t.Helper()
		for _, v := range []string{s, "a" + s + "b", s + s} {
			got, want := encodeBoth(v)
			if !bytes.Equal(got, want) {
				t.Fatalf("%q\n got: %q\nwant: %q", v, got, want)
			}
		}
	}
	for b := range 256 {
		check(string([]byte{byte(b)}))
	}
	for r := rune(0); r < 0x3000; r++ {
		check(string(r))
	}
	for r := rune(0xd800); r < 0xe000; r++ {
		// string(r) would give U+FFFD: build the invalid encoding by hand.
		check(string([]byte{0xe0 | byte(r>>12), 0x80 | byte(r>>6)&0x3f, 0x80 | byte(r)&0x3f}))
	}
}

// writeJSON keeps its headers and writes the body, or nothing after the
// header when the value cannot be encoded.
func TestWriteJSONBody(t *testing.T) {
	rec := httptest.NewRecorder()
	writeJSON(rec, http.StatusTeapot, map[string]any{"errors": []string{"<x>"}})
	if rec.Code != http.StatusTeapot || rec.Body.String() != `{"errors":["\u003cx\u003e"]}`+"\n" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	if h := rec.Header(); len(h) != 2 || h.Get("Content-Type") != "application/json" || h.Get("Cache-Control") != "no-store" {
		t.Fatalf("headers %v", h)
	}
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, map[string]any{"f": math.NaN()})
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
	// A large body is written whole and its buffer not kept.
	big := strings.Repeat("x", 2*jsonBufMax)
	rec = httptest.NewRecorder()
	writeJSON(rec, http.StatusOK, []string{big})
	if rec.Body.String() != `["`+big+`"]`+"\n" {
		t.Fatalf("large body: %d bytes", rec.Body.Len())
	}
}

// The cross-check reports a body that differs from encoding/json's.
func TestJSONMismatchLog(t *testing.T) {
	var l jsonMismatchLog
	l.check(map[string]any{"a": 1}, []byte(`{"a":1}`+"\n"))
	l.check(math.NaN(), nil)
	if n, _ := l.result(); n != 0 {
		t.Fatalf("%d mismatches for equal bodies", n)
	}
	l.check(map[string]any{"a": 1}, []byte(`{"a":2}`+"\n"))
	l.check("x", nil)
	if n, first := l.result(); n != 2 || !strings.Contains(first, `{\"a\":2}`) {
		t.Fatalf("%d mismatches, first %s", n, first)
	}
}

// jsonFuzzValue builds a value from the fuzzer's bytes: each byte picks a
// kind, and the bytes after it give its contents.
type jsonFuzzValue struct {
	b     []byte
	nodes int
}

func (f *jsonFuzzValue) byte() byte {
	if len(f.b) == 0 {
		return 0
	}
	c := f.b[0]
	f.b = f.b[1:]
	return c
}

func (f *jsonFuzzValue) uint64() uint64 {
	var buf [8]byte
	n := copy(buf[:], f.b)
	f.b = f.b[n:]
	return binary.LittleEndian.Uint64(buf[:])
}

func (f *jsonFuzzValue) string() string {
	n := min(int(f.byte()), len(f.b))
	s := string(f.b[:n])
	f.b = f.b[n:]
	return s
}

func (f *jsonFuzzValue) strings() []string {
	if f.byte()%8 == 0 {
		return nil
	}
	s := []string{}
	for n := f.byte() % 5; n > 0; n-- {
		s = append(s, f.string())
	}
	return s
}

func (f *jsonFuzzValue) value(depth int) any {
	f.nodes++
	kind := f.byte()
	if depth > 6 || f.nodes > 200 {
		kind %= 8 // scalars only
	}
	switch kind % 22 {
	case 0:
		return nil
	case 1, 2:
		return f.string()
	case 3:
		return int64(f.uint64())
	case 4:
		return math.Float64frombits(f.uint64())
	case 5:
		return float32(math.Float32frombits(uint32(f.uint64())))
	case 6:
		return f.byte()%2 == 0
	case 7:
		return json.Number(f.string())
	case 8, 9:
		if f.byte()%8 == 0 {
			return map[string]any(nil)
		}
		m := map[string]any{}
		for n := f.byte() % 6; n > 0; n-- {
			m[f.string()] = f.value(depth + 1)
		}
		return m
	case 10, 11:
		if f.byte()%8 == 0 {
			return []any(nil)
		}
		s := []any{}
		for n := f.byte() % 6; n > 0; n-- {
			s = append(s, f.value(depth+1))
		}
		return s
	case 12:
		return f.strings()
	case 13:
		if f.byte()%8 == 0 {
			return map[string]string(nil)
		}
		m := map[string]string{}
		for n := f.byte() % 5; n > 0; n-- {
			m[f.string()] = f.string()
		}
		return m
	case 14:
		m := map[string]int{}
		for n := f.byte() % 5; n > 0; n-- {
			m[f.string()] = int(f.uint64())
		}
		return m
	case 15:
		m := map[string]bool{}
		for n := f.byte() % 5; n > 0; n-- {
			m[f.string()] = f.byte()%2 == 0
		}
		return m
	case 16:
		s := []int{}
		for n := f.byte() % 5; n > 0; n-- {
			s = append(s, int(f.uint64()))
		}
		return s
	case 17:
		var s []map[string]any
		for n := f.byte() % 4; n > 0; n-- {
			m, _ := f.value(depth + 1).(map[string]any)
			s = append(s, m)
		}
		return s
	case 18:
		e := envelope{RequestID: f.string(), LeaseID: f.string(), Renewable: f.byte()%2 == 0,
			LeaseDuration: int(f.uint64()), Warnings: f.strings(), MountType: f.string()}
		e.Data, _ = f.value(depth + 1).(map[string]any)
		if w, ok := f.value(depth + 1).(*wrapInfo); ok {
			e.WrapInfo = w
		}
		if a, ok := f.value(depth + 1).(*authInfo); ok {
			e.Auth = a
		}
		return e
	case 19:
		if f.byte()%4 == 0 {
			return (*authInfo)(nil)
		}
		a := &authInfo{ClientToken: f.string(), Accessor: f.string(), Policies: f.strings(),
			TokenPolicies: f.strings(), IdentityPolicies: f.strings(), LeaseDuration: int(f.uint64()),
			Renewable: f.byte()%2 == 0, EntityID: f.string(), TokenType: f.string(), Orphan: f.byte()%2 == 0,
			NumUses: int(f.uint64())}
		a.Metadata, _ = f.value(depth + 1).(map[string]string)
		a.MFARequirement = f.value(depth + 1)
		return a
	case 20:
		if f.byte()%4 == 0 {
			return (*wrapInfo)(nil)
		}
		return &wrapInfo{Token: f.string(), Accessor: f.string(), TTL: int(f.uint64()),
			CreationTime: f.string(), CreationPath: f.string(), WrappedAccessor: f.string()}
	default:
		// Types encoding/json handles: the fallback.
		switch f.byte() % 4 {
		case 0:
			return jsonTestString(f.string())
		case 1:
			return []byte(f.string())
		case 2:
			return json.RawMessage(f.string())
		default:
			return jsonTestMarshaler{f.string()}
		}
	}
}

func FuzzAppendJSON(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\x08\x03\x03key\x01\x05<a&b>"))
	f.Add([]byte("\x12\x02id\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x08\x01\x02\x01k\x04\x00\x00\x00\x00\x00\x00\xf0\x7f"))
	f.Add([]byte("\x0a\x01\x03\x01\x02\xe2\x80\x07\x03abc\x13\x01\x01t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		v := (&jsonFuzzValue{b: data}).value(0)
		got, want := encodeBoth(v)
		if !bytes.Equal(got, want) {
			t.Fatalf("%#v\n got: %q\nwant: %q", v, got, want)
		}
	})
}

func BenchmarkAppendJSON(b *testing.B) {
	var v any = envelope{ // boxed once, as writeJSON gets it
		RequestID: "8c2a3f4e-1b2c-4d5e-9f00-112233445566", Renewable: true, LeaseDuration: 2764800,
		Data: map[string]any{
			"data":     map[string]any{"user": "app", "password": "s3cr3t"},
			"metadata": map[string]any{"created_time": "2024-01-01T00:00:00Z", "version": 1, "destroyed": false, "custom_metadata": nil},
		},
		MountType: "kv",
	}
	b.Run("appendJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, _ = appendJSON(buf[:0], v)
		}
	})
	b.Run("Encoder", func(b *testing.B) {
		b.ReportAllocs()
		var buf bytes.Buffer
		for b.Loop() {
			buf.Reset()
			_ = json.NewEncoder(&buf).Encode(v)
		}
	})
}

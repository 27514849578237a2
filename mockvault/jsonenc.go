package mockvault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// The response bodies are encoded here rather than by json.Encoder, which
// spends much of a request's CPU in reflection. appendJSON writes the same
// bytes as json.Marshal (HTML escaping on, as the Encoder has it by default)
// for the types responses are made of, and hands any other type to
// json.Marshal, whose output is exactly how encoding/json embeds a value.
// While the package's tests run, every body is compared with encoding/json's
// (crossCheckJSON, enabled by TestMain).

// jsonNativeDepth bounds the recursion: deeper values go to json.Marshal,
// which reports a cyclic map as the Encoder does instead of overflowing the
// stack; a deep acyclic value comes out the same either way.
const jsonNativeDepth = 64

// jsonBufMax is the largest buffer kept for reuse, so that one large body
// does not pin its memory in the pool.
const jsonBufMax = 64 << 10

var jsonBufPool = sync.Pool{New: func() any {
	b := make([]byte, 0, 2048)
	return &b
}}

// writeJSONBody writes v and a newline as json.Encoder.Encode does, with one
// Write; when v cannot be encoded it writes nothing, as Encode does.
func writeJSONBody(w http.ResponseWriter, v any) {
	bp := jsonBufPool.Get().(*[]byte)
	b, err := appendJSON((*bp)[:0], v)
	if err != nil {
		b = b[:0]
	} else {
		b = append(b, '\n')
	}
	if crossCheckJSON.Load() {
		jsonMismatches.check(v, b)
	}
	if len(b) > 0 {
		_, _ = w.Write(b)
	}
	if cap(b) <= jsonBufMax {
		*bp = b[:0]
		jsonBufPool.Put(bp)
	}
}

// appendJSON appends the JSON encoding of v to dst, as json.Marshal would
// produce it. On error dst holds partial output the caller must discard.
func appendJSON(dst []byte, v any) ([]byte, error) {
	return appendJSONValue(dst, v, 0)
}

// appendJSONValue dispatches on the dynamic type. A type switch matches
// concrete types exactly, so a named type (json.RawMessage, a type with a
// MarshalJSON method, type foo string) never takes its underlying type's
// case: it falls to json.Marshal.
func appendJSONValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > jsonNativeDepth {
		return appendJSONMarshal(dst, v)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendJSONString(dst, x), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	case uintptr:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case float64:
		return appendJSONFloat(dst, x, 64, v)
	case float32:
		return appendJSONFloat(dst, float64(x), 32, v)
	case json.Number:
		// encoding/json writes the zero Number as 0 and a valid one as is;
		// an invalid one is its error to report.
		s := string(x)
		if s == "" {
			s = "0"
		}
		if !isJSONNumber(s) {
			return appendJSONMarshal(dst, v)
		}
		return append(dst, s...), nil
	case map[string]any:
		return appendJSONMap(dst, x, depth, appendJSONValue)
	case map[string]string:
		return appendJSONMap(dst, x, depth, appendJSONStringElem)
	case map[string]int:
		return appendJSONMap(dst, x, depth, appendJSONIntElem)
	case map[string]bool:
		return appendJSONMap(dst, x, depth, appendJSONBoolElem)
	case []any:
		return appendJSONSlice(dst, x, depth, appendJSONValue)
	case []string:
		return appendJSONSlice(dst, x, depth, appendJSONStringElem)
	case []int:
		return appendJSONSlice(dst, x, depth, appendJSONIntElem)
	case []map[string]any:
		return appendJSONSlice(dst, x, depth, appendJSONMapElem)
	case envelope:
		return appendJSONEnvelope(dst, &x, depth)
	case *authInfo:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONAuth(dst, x, depth)
	case *wrapInfo:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendJSONWrap(dst, x), nil
	default:
		return appendJSONMarshal(dst, v)
	}
}

// appendJSONMarshal embeds what json.Marshal writes for v.
func appendJSONMarshal(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// Element encoders for the typed maps and slices.

func appendJSONStringElem(dst []byte, s string, _ int) ([]byte, error) {
	return appendJSONString(dst, s), nil
}

func appendJSONIntElem(dst []byte, n int, _ int) ([]byte, error) {
	return strconv.AppendInt(dst, int64(n), 10), nil
}

func appendJSONBoolElem(dst []byte, b bool, _ int) ([]byte, error) {
	return strconv.AppendBool(dst, b), nil
}

func appendJSONMapElem(dst []byte, m map[string]any, depth int) ([]byte, error) {
	return appendJSONMap(dst, m, depth, appendJSONValue)
}

type jsonMapEntry[V any] struct {
	k string
	v V
}

// appendJSONMap writes a map as encoding/json does: nil as null, keys in
// byte-wise order. elem gets the depth of the map's values.
func appendJSONMap[V any](dst []byte, m map[string]V, depth int, elem func([]byte, V, int) ([]byte, error)) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	if len(m) == 0 {
		return append(dst, "{}"...), nil
	}
	// Small maps sort on the stack.
	var small [16]jsonMapEntry[V]
	entries := small[:0]
	for k, v := range m {
		entries = append(entries, jsonMapEntry[V]{k, v})
	}
	slices.SortFunc(entries, func(a, b jsonMapEntry[V]) int { return strings.Compare(a.k, b.k) })
	dst = append(dst, '{')
	var err error
	for i, e := range entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, e.k)
		dst = append(dst, ':')
		if dst, err = elem(dst, e.v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendJSONSlice writes a slice as encoding/json does: nil as null.
func appendJSONSlice[V any](dst []byte, s []V, depth int, elem func([]byte, V, int) ([]byte, error)) ([]byte, error) {
	if s == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	var err error
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		if dst, err = elem(dst, v, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendJSONEnvelope follows envelope's fields and tags (request.go).
func appendJSONEnvelope(dst []byte, e *envelope, depth int) ([]byte, error) {
	var err error
	dst = append(dst, `{"request_id":`...)
	dst = appendJSONString(dst, e.RequestID)
	dst = append(dst, `,"lease_id":`...)
	dst = appendJSONString(dst, e.LeaseID)
	dst = append(dst, `,"renewable":`...)
	dst = strconv.AppendBool(dst, e.Renewable)
	dst = append(dst, `,"lease_duration":`...)
	dst = strconv.AppendInt(dst, int64(e.LeaseDuration), 10)
	dst = append(dst, `,"data":`...)
	if dst, err = appendJSONMap(dst, e.Data, depth+1, appendJSONValue); err != nil {
		return dst, err
	}
	dst = append(dst, `,"wrap_info":`...)
	if e.WrapInfo == nil {
		dst = append(dst, "null"...)
	} else {
		dst = appendJSONWrap(dst, e.WrapInfo)
	}
	dst = append(dst, `,"warnings":`...)
	dst, _ = appendJSONSlice(dst, e.Warnings, depth+1, appendJSONStringElem)
	dst = append(dst, `,"auth":`...)
	if e.Auth == nil {
		dst = append(dst, "null"...)
	} else if dst, err = appendJSONAuth(dst, e.Auth, depth+1); err != nil {
		return dst, err
	}
	dst = append(dst, `,"mount_type":`...)
	dst = appendJSONString(dst, e.MountType)
	return append(dst, '}'), nil
}

// appendJSONAuth follows authInfo's fields and tags (request.go).
func appendJSONAuth(dst []byte, a *authInfo, depth int) ([]byte, error) {
	var err error
	dst = append(dst, `{"client_token":`...)
	dst = appendJSONString(dst, a.ClientToken)
	dst = append(dst, `,"accessor":`...)
	dst = appendJSONString(dst, a.Accessor)
	dst = append(dst, `,"policies":`...)
	dst, _ = appendJSONSlice(dst, a.Policies, depth+1, appendJSONStringElem)
	if len(a.TokenPolicies) > 0 {
		dst = append(dst, `,"token_policies":`...)
		dst, _ = appendJSONSlice(dst, a.TokenPolicies, depth+1, appendJSONStringElem)
	}
	if len(a.IdentityPolicies) > 0 {
		dst = append(dst, `,"identity_policies":`...)
		dst, _ = appendJSONSlice(dst, a.IdentityPolicies, depth+1, appendJSONStringElem)
	}
	dst = append(dst, `,"metadata":`...)
	dst, _ = appendJSONMap(dst, a.Metadata, depth+1, appendJSONStringElem)
	dst = append(dst, `,"lease_duration":`...)
	dst = strconv.AppendInt(dst, int64(a.LeaseDuration), 10)
	dst = append(dst, `,"renewable":`...)
	dst = strconv.AppendBool(dst, a.Renewable)
	dst = append(dst, `,"entity_id":`...)
	dst = appendJSONString(dst, a.EntityID)
	dst = append(dst, `,"token_type":`...)
	dst = appendJSONString(dst, a.TokenType)
	dst = append(dst, `,"orphan":`...)
	dst = strconv.AppendBool(dst, a.Orphan)
	dst = append(dst, `,"mfa_requirement":`...)
	if dst, err = appendJSONValue(dst, a.MFARequirement, depth+1); err != nil {
		return dst, err
	}
	dst = append(dst, `,"num_uses":`...)
	dst = strconv.AppendInt(dst, int64(a.NumUses), 10)
	return append(dst, '}'), nil
}

// appendJSONWrap follows wrapInfo's fields and tags (request.go).
func appendJSONWrap(dst []byte, w *wrapInfo) []byte {
	dst = append(dst, `{"token":`...)
	dst = appendJSONString(dst, w.Token)
	dst = append(dst, `,"accessor":`...)
	dst = appendJSONString(dst, w.Accessor)
	dst = append(dst, `,"ttl":`...)
	dst = strconv.AppendInt(dst, int64(w.TTL), 10)
	dst = append(dst, `,"creation_time":`...)
	dst = appendJSONString(dst, w.CreationTime)
	dst = append(dst, `,"creation_path":`...)
	dst = appendJSONString(dst, w.CreationPath)
	if w.WrappedAccessor != "" {
		dst = append(dst, `,"wrapped_accessor":`...)
		dst = appendJSONString(dst, w.WrappedAccessor)
	}
	return append(dst, '}')
}

// appendJSONFloat formats as encoding/json does (ES6 number formatting):
// exponent form below 1e-6 and from 1e21 on, with e-09 shortened to e-9.
// NaN and the infinities are json.Marshal's to refuse.
func appendJSONFloat(dst []byte, f float64, bits int, orig any) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return appendJSONMarshal(dst, orig)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		// A float32 is compared as a float32, as encoding/json does.
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// isJSONNumber reports whether s is a JSON number literal:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	digits := func() int {
		start := i
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
		return i - start
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	return i == len(s)
}

// jsonSafeASCII marks the ASCII bytes a string holds as they are: not a
// control character, quote or backslash, nor the HTML characters <, > and &
// that the Encoder escapes by default.
var jsonSafeASCII = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = true
	}
	for _, b := range `"\<>&` {
		t[b] = false
	}
	return t
}()

const jsonHex = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does with HTML escaping:
// short escapes for \b \f \n \r \t, \u00XX for other control characters,
// \u003c \u003e \u0026 for < > &, \u2028 and \u2029 (they break JSONP),
// and \ufffd for each byte of invalid UTF-8.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if jsonSafeASCII[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', jsonHex[b>>4], jsonHex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', jsonHex[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// crossCheckJSON makes writeJSONBody compare each body with encoding/json's
// (TestMain turns it on); off, it costs one atomic load per response.
var crossCheckJSON atomic.Bool

// jsonMismatches is what the cross-check found.
var jsonMismatches jsonMismatchLog

type jsonMismatchLog struct {
	mu    sync.Mutex
	count int
	first string
}

// check records a difference between got, what writeJSONBody writes for v,
// and what json.Encoder writes for it.
func (l *jsonMismatchLog) check(v any, got []byte) {
	var want bytes.Buffer
	// On error Encode writes nothing, as writeJSONBody then does.
	_ = json.NewEncoder(&want).Encode(v)
	if bytes.Equal(got, want.Bytes()) {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.count++
	if l.count == 1 {
		l.first = fmt.Sprintf("value of type %T\n got: %q\nwant: %q", v, got, want.Bytes())
	}
}

// result returns how many bodies differed and the first.
func (l *jsonMismatchLog) result() (int, string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.count, l.first
}

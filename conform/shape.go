package conform

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Shape-aware masks. A masked value (maskedKeys, Step.Masked) differs
// between servers, so it is not compared as is; but it is not reduced to
// its kind either: Normalize replaces it by its shape, and two answers
// whose masked values have different shapes differ. A shape is what a
// client could notice or rely on without knowing the value:
//
//   - strings: the token prefix (hvs., hvb., hvr., s., b., r. or none), the
//     exact length and the alphabet. The alphabet is the narrowest of
//     hex ([0-9a-f]) ⊂ b62 ([A-Za-z0-9]) ⊂ b64url (b62 plus "-_") ⊂ b64
//     (b62 plus "+/", "=" padding) ⊂ text, except that the bodies of hvb.
//     tokens and of signed service tokens are b64url by definition: a
//     random b64url string lacks "-" and "_" often enough ((62/64)^n) that
//     the narrowest alphabet would flap between runs;
//   - signed ("server side consistent") service tokens, hvs. followed by a
//     base64url protobuf SignedToken: their structure too (version, HMAC
//     length, and the shape of the inner random token; a non-zero WAL index
//     or epoch is named);
//   - batch tokens: the barrier header in front of the ciphertext (key term
//     and format version);
//   - UUIDs (8-4-4-4-12 lowercase hex) are <uuid>;
//   - RFC 3339 times: whether they have fractional seconds, and the zone
//     (Z or an offset). Not the number of fractional digits: Go (and so
//     Vault) trims trailing zeros, so a nanosecond time prints 9 digits
//     only 9 times in 10, 8 digits 9 times in 100 and so on; "has a
//     fraction" is stable, the digit count is not. A time with nanosecond
//     precision prints without any fraction once in 10^9;
//   - a string made of lowercase path segments keeps them literally: a
//     folder ("lr/") as it is, a lease id ("auth/token/create/h3f…") up to
//     its last "/", followed by the shape of its last segment; a letter
//     followed by 16 or more hex digits (Vault's salted ids, "h" +
//     HMAC-SHA256) is shown as such;
//   - numbers stay numbers: integer or not, sign, and for integers of ten
//     digits or more (timestamps) the digit count, so unix seconds,
//     milliseconds and nanoseconds differ;
//   - hex pairs joined by ":" or "-" (PKI serials and key IDs) are only
//     that: random serials drop leading zero bytes, so lengths vary;
//   - null, booleans and "" are kept as they are.
//
// A masked value that is also a saved variable is shown as "{{name}}"
// followed by its shape, so the shape of a token is compared wherever it
// appears, even where the variable reference hides the value.

// Shape returns the shape of a masked JSON value (see above).
func Shape(v any) any {
	switch x := v.(type) {
	case string:
		return shapeString(x)
	case json.Number:
		return shapeNumber(x)
	case float64:
		return shapeNumber(json.Number(fmt.Sprint(x)))
	default: // nil, bool: kept
		return v
	}
}

var (
	uuidRe    = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	uuidUpRe  = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	rfc3339Re = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
	saltedRe  = regexp.MustCompile(`^([A-Za-z])([0-9a-f]{16,})$`)
	prefixRe  = regexp.MustCompile(`^(hvs|hvb|hvr|s|b|r)\.`)
	// serialRe is hex pairs joined by ":" or "-" (PKI serials, key IDs).
	serialRe = regexp.MustCompile(`^[0-9a-f]{2}([:-][0-9a-f]{2}){7,}$`)
	// pathPrefixRe is a lease id's path: lowercase segments.
	pathPrefixRe = regexp.MustCompile(`^([a-z0-9][a-z0-9_.-]*/)+$`)
)

func shapeString(s string) string {
	switch {
	case s == "":
		return ""
	case uuidRe.MatchString(s):
		return "<uuid>"
	case uuidUpRe.MatchString(s):
		return "<UUID mixed case>"
	case serialRe.MatchString(s):
		// A certificate serial or key ID (PKI): random bytes whose
		// leading zero bytes are dropped, so only the form is stable.
		return "<hex pairs sep " + string(s[2]) + ">"
	}
	if m := rfc3339Re.FindStringSubmatch(s); m != nil {
		out := "<rfc3339"
		switch n := len(m[1]) - 1; {
		case n > 9:
			out += fmt.Sprintf(".frac%d", n)
		case n > 0:
			out += ".frac"
		}
		zone := m[2]
		if zone != "Z" {
			zone = zone[:1] + "hh:mm"
		}
		return out + " " + zone + ">"
	}
	if p := prefixRe.FindString(s); p != "" {
		return "<" + p + tokenBody(p, s[len(p):], len(s)) + ">"
	}
	if pathPrefixRe.MatchString(s) {
		return "<" + s + ">" // a folder of a listing ("lr/")
	}
	if i := strings.LastIndexByte(s, '/'); i >= 0 && i < len(s)-1 && pathPrefixRe.MatchString(s[:i+1]) && alphabet(s[i+1:]) != "b64" && alphabet(s[i+1:]) != "text" {
		return "<" + s[:i+1] + " + " + segmentShape(s[i+1:]) + ">"
	}
	return "<" + segmentShape(s) + ">"
}

// segmentShape is alphabet:length, or letter+hex:n for salted ids.
func segmentShape(s string) string {
	if m := saltedRe.FindStringSubmatch(s); m != nil && !isHex(s) {
		return m[1] + "+hex:" + fmt.Sprint(len(m[2]))
	}
	a := alphabet(s)
	if a == "text" {
		// Prose (a masked error text, say) has no format to compare: its
		// length follows what it quotes (a client address is 127.0.0.1 to
		// a local Vault, 172.17.0.1 to one in a container).
		return a
	}
	return fmt.Sprintf("%s:%d", a, len(s))
}

// tokenBody shapes what follows a token prefix; total is the whole
// token's length.
func tokenBody(prefix, body string, total int) string {
	switch prefix {
	case "hvs.":
		if st, ok := decodeSSC(body); ok {
			return st.shape(total)
		}
	case "hvb.", "b.":
		// Batch tokens: base64url of the barrier's ciphertext, optionally
		// followed by ".<namespace id>".
		b64, ns, _ := strings.Cut(body, ".")
		out := fmt.Sprintf("%s:%d", b64urlClass(b64), total)
		if raw, err := base64.RawURLEncoding.DecodeString(b64); err == nil && len(raw) >= 5 {
			out += fmt.Sprintf(" term%d v%d", binary.BigEndian.Uint32(raw[:4]), raw[4])
		}
		if ns != "" {
			out += " ns:" + segmentShape(ns)
		}
		return out
	}
	return fmt.Sprintf("%s:%d", alphabet(body), total)
}

func b64urlClass(s string) string {
	for i := 0; i < len(s); i++ {
		if !isB64URL(s[i]) {
			return alphabet(s)
		}
	}
	return "b64url"
}

// ssc is a decoded signed service token (Vault's tokens.SignedToken around
// a tokens.Token).
type ssc struct {
	version    uint64
	hmacLen    int
	random     string
	localIndex uint64
	epoch      uint64
}

func (t ssc) shape(total int) string {
	out := fmt.Sprintf("ssc:%d v%d hmac%d random=%s", total, t.version, t.hmacLen, strings.Trim(shapeString(t.random), "<>"))
	if t.localIndex != 0 {
		out += " index"
	}
	if t.epoch != 0 {
		out += " epoch"
	}
	return out
}

// decodeSSC reads hvs.<body> as a signed token: base64url (no padding) of
// a protobuf message {1: varint version, 2: bytes hmac, 3: bytes token}
// whose token is {1: string random, 2: varint local index, 3: varint
// epoch}. Unknown fields or trailing garbage make it not one.
func decodeSSC(body string) (ssc, bool) {
	var t ssc
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) == 0 {
		return t, false
	}
	var inner []byte
	haveToken := false
	ok := protoFields(raw, func(num int, varint uint64, bytes []byte, isBytes bool) bool {
		switch {
		case num == 1 && !isBytes:
			t.version = varint
		case num == 2 && isBytes:
			t.hmacLen = len(bytes)
		case num == 3 && isBytes:
			inner, haveToken = bytes, true
		default:
			return false
		}
		return true
	})
	if !ok || !haveToken {
		return t, false
	}
	haveRandom := false
	ok = protoFields(inner, func(num int, varint uint64, bytes []byte, isBytes bool) bool {
		switch {
		case num == 1 && isBytes:
			t.random, haveRandom = string(bytes), true
		case num == 2 && !isBytes:
			t.localIndex = varint
		case num == 3 && !isBytes:
			t.epoch = varint
		default:
			return false
		}
		return true
	})
	return t, ok && haveRandom
}

// protoFields walks a protobuf message of varint and length-delimited
// fields, calling f for each; false when the bytes are not such a message
// or f refuses a field.
func protoFields(b []byte, f func(num int, varint uint64, bytes []byte, isBytes bool) bool) bool {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return false
		}
		b = b[n:]
		num, wire := int(key>>3), key&7
		if num == 0 {
			return false
		}
		switch wire {
		case 0:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return false
			}
			b = b[n:]
			if !f(num, v, nil, false) {
				return false
			}
		case 2:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return false
			}
			v := b[n : n+int(l)]
			b = b[n+int(l):]
			if !f(num, 0, v, true) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// alphabet is the narrowest of hex, b62, b64url, b64 and text that holds s.
func alphabet(s string) string {
	hex, b62, url, std := true, true, true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			hex = false
		}
		if !alnum {
			b62 = false
		}
		if !alnum && c != '-' && c != '_' {
			url = false
		}
		if !alnum && c != '+' && c != '/' && !(c == '=' && strings.TrimRight(s[i:], "=") == "") {
			std = false
		}
	}
	switch {
	case hex:
		return "hex"
	case b62:
		return "b62"
	case url:
		return "b64url"
	case std:
		return "b64"
	}
	return "text"
}

func isHex(s string) bool { return alphabet(s) == "hex" }

func isB64URL(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_'
}

// shapeNumber keeps a number a number: integer or not, its sign, and the
// digit count of integers with ten digits or more.
func shapeNumber(n json.Number) string {
	s := n.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if strings.ContainsAny(s, ".eE") {
		return "<" + sign + "float>"
	}
	if len(s) >= 10 {
		return fmt.Sprintf("<%sint:%d digits>", sign, len(s))
	}
	return "<" + sign + "int>"
}

// Package conform compares the answers of two Vault-compatible servers to
// the same request the way the conformance suite does: masked values by
// shape, saved variables by name, TTLs within a tolerance. The e2e suite
// and `mockvault verify` share it; it needs no Docker and no real Vault.
package conform

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Answer is what one server answered to one request.
type Answer struct {
	Status int    `json:"status"`
	Body   any    `json:"body,omitempty"`  // decoded JSON (numbers as json.Number)
	Text   string `json:"text,omitempty"`  // the body when it is not JSON
	Err    string `json:"error,omitempty"` // transport or setup error
	// ContentType is the answer's Content-Type header.
	ContentType string `json:"-"`
	// Vars are the session's saved values after the request (name to
	// value): a string equal to one is compared as "{{name}}" and its shape.
	Vars map[string]string `json:"-"`
}

// Rules say how one request's answers are compared, on top of the masked
// keys (MaskKeys). Paths are dotted ("data.keys"); "*" as an element
// matches any key or index.
type Rules struct {
	// Masked paths: only the shape of their values is compared.
	Masked []string
	// Ignored paths are left out of the comparison.
	Ignored []string
	// Unordered lists are compared as sets.
	Unordered []string
	// CertPaths are compared by their certificate facts (PEMFacts), and
	// RawFacts compares a non-JSON body so.
	CertPaths []string
	RawFacts  bool
}

// Options tune the differential comparison.
type Options struct {
	// TTLTolerance is how far apart two TTL-like numbers (keys containing
	// "ttl" or "period", lease_duration) and two durations inside error or
	// warning texts may be.
	TTLTolerance time.Duration
	// Names label the two sides in messages (default "reference", "other").
	Names [2]string
}

func (o Options) name(i int) string {
	if o.Names[i] != "" {
		return o.Names[i]
	}
	return [2]string{"reference", "other"}[i]
}

// DefaultOptions allow 5 seconds of TTL drift.
var DefaultOptions = Options{TTLTolerance: 5 * time.Second}

// Compare lists the differences between the reference answer a and b.
// Both bodies are normalised first (see Normalize).
func Compare(a, b Answer, st Rules, opt Options) []string {
	var out []string
	if a.Err != "" || b.Err != "" {
		if a.Err != b.Err {
			out = append(out, fmt.Sprintf("request error: %s", sideBySide(opt, a.Err, b.Err)))
		}
		return out
	}
	if a.Status != b.Status {
		out = append(out, fmt.Sprintf("status: %s", sideBySide(opt, a.Status, b.Status)))
	}
	if a.Text != "" || b.Text != "" {
		if st.RawFacts {
			diffValue(&out, "body", jsonRoundTrip(PEMFacts(a.Text)), jsonRoundTrip(PEMFacts(b.Text)), opt)
		} else if strings.TrimSpace(a.Text) != strings.TrimSpace(b.Text) {
			out = append(out, fmt.Sprintf("non-JSON body: %s", sideBySide(opt, Short(a.Text), Short(b.Text))))
		}
		if (a.Body == nil) != (b.Body == nil) {
			out = append(out, fmt.Sprintf("JSON body: %s", sideBySide(opt, a.Body != nil, b.Body != nil)))
		}
		return out
	}
	na, nb := Normalize(a, st), Normalize(b, st)
	diffValue(&out, "", na, nb, opt)
	return out
}

// Normalize returns the body as compared: values of masked keys (and of
// Rules.Masked paths) are replaced by their shape (see Shape in shape.go),
// Rules.Ignored paths are dropped, and strings equal to a saved variable (a
// token, an accessor) are replaced by "{{name}}" followed by their shape.
func Normalize(ex Answer, st Rules) any {
	rev := map[string]string{}
	for k, v := range ex.Vars {
		if len(v) >= 12 {
			if old, ok := rev[v]; !ok || k < old {
				rev[v] = k
			}
		}
	}
	return normalize(ex.Body, nil, st, rev, false)
}

type ignored struct{}

func normalize(v any, path []string, st Rules, rev map[string]string, masked bool) any {
	if len(path) > 0 {
		if matchAny(st.Ignored, path) {
			return ignored{}
		}
		if s, ok := v.(string); ok && matchExact(st.CertPaths, path) {
			return jsonRoundTrip(PEMFacts(s))
		}
		if !masked && (isMaskedKey(path[len(path)-1]) || matchAny(st.Masked, path)) {
			masked = true
		}
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, c := range x {
			n := normalize(c, append(path[:len(path):len(path)], k), st, rev, masked)
			if _, skip := n.(ignored); !skip {
				// Keys can be saved values too (key_info by entity id).
				if name, ok := rev[k]; ok {
					k = "{{" + name + "}}"
				}
				out[k] = n
			}
		}
		return out
	case []any:
		out := make([]any, 0, len(x))
		for i, c := range x {
			n := normalize(c, append(path[:len(path):len(path)], fmt.Sprint(i)), st, rev, masked)
			if _, skip := n.(ignored); !skip {
				out = append(out, n)
			}
		}
		if matchExact(st.Unordered, path) {
			sort.SliceStable(out, func(i, j int) bool { return JSON(out[i]) < JSON(out[j]) })
		}
		return out
	case string:
		if name, ok := rev[x]; ok && x != "" {
			// The reference hides the value, not its shape.
			return "{{" + name + "}} " + shapeString(x)
		}
		if masked {
			return shapeString(x)
		}
		return x
	case json.Number:
		if masked {
			return shapeNumber(x)
		}
		return x
	default: // bool, nil
		return x
	}
}

// matchAny reports whether path (or an ancestor of it) matches one of the
// dotted patterns; "*" matches any single element.
func matchAny(patterns []string, path []string) bool {
	for _, p := range patterns {
		els := strings.Split(p, ".")
		if len(els) > len(path) {
			continue
		}
		ok := true
		for i, e := range els {
			if e != "*" && e != path[i] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// matchExact is matchAny without ancestors: the pattern names path itself.
func matchExact(patterns []string, path []string) bool {
	for _, p := range patterns {
		if len(strings.Split(p, ".")) == len(path) && matchAny([]string{p}, path) {
			return true
		}
	}
	return false
}

func isTTLKey(path string) bool {
	i := strings.LastIndexByte(path, '.')
	k := path[i+1:]
	return strings.Contains(k, "ttl") || strings.Contains(k, "period") || k == "lease_duration"
}

func isMessagePath(path string) bool {
	return strings.HasPrefix(path, "errors.") || strings.HasPrefix(path, "warnings.")
}

func diffValue(out *[]string, path string, a, b any, opt Options) {
	name := path
	if name == "" {
		name = "body"
	}
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %s", name, sideBySide(opt, a, b)))
			return
		}
		var onlyA, onlyB, both []string
		for k := range x {
			if _, ok := y[k]; ok {
				both = append(both, k)
			} else {
				onlyA = append(onlyA, k)
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok {
				onlyB = append(onlyB, k)
			}
		}
		sort.Strings(onlyA)
		sort.Strings(onlyB)
		sort.Strings(both)
		if len(onlyA) > 0 {
			*out = append(*out, fmt.Sprintf("%s: only in %s: %s", name, opt.name(0), keyList(x, onlyA)))
		}
		if len(onlyB) > 0 {
			*out = append(*out, fmt.Sprintf("%s: only in %s: %s", name, opt.name(1), keyList(y, onlyB)))
		}
		for _, k := range both {
			diffValue(out, join(path, k), x[k], y[k], opt)
		}
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			*out = append(*out, fmt.Sprintf("%s: %s", name, sideBySide(opt, a, b)))
			return
		}
		for i := range x {
			diffValue(out, join(path, fmt.Sprint(i)), x[i], y[i], opt)
		}
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			*out = append(*out, fmt.Sprintf("%s: %s", name, sideBySide(opt, a, b)))
			return
		}
		if x == y {
			return
		}
		if isTTLKey(path) {
			fa, ea := x.Float64()
			fb, eb := y.Float64()
			if ea == nil && eb == nil && math.Abs(fa-fb) <= opt.TTLTolerance.Seconds() {
				return
			}
		}
		*out = append(*out, fmt.Sprintf("%s: %s", name, sideBySide(opt, a, b)))
	case string:
		y, ok := b.(string)
		if ok && (x == y || (isMessagePath(path) && sameModuloDurations(x, y, opt.TTLTolerance))) {
			return
		}
		*out = append(*out, fmt.Sprintf("%s: %s", name, sideBySide(opt, a, b)))
	default:
		if a != b {
			*out = append(*out, fmt.Sprintf("%s: %s", name, sideBySide(opt, a, b)))
		}
	}
}

var durRe = regexp.MustCompile(`\b(?:\d+h)?(?:\d+m)?(?:\d+(?:\.\d+)?s)?\b`)

// sameModuloDurations compares texts whose Go durations ("767h59m58s") may
// differ by up to tol.
func sameModuloDurations(a, b string, tol time.Duration) bool {
	sa, da := splitDurations(a)
	sb, db := splitDurations(b)
	if sa != sb || len(da) != len(db) {
		return false
	}
	for i := range da {
		d := da[i] - db[i]
		if d < 0 {
			d = -d
		}
		if d > tol {
			return false
		}
	}
	return true
}

func splitDurations(s string) (string, []time.Duration) {
	var ds []time.Duration
	skel := durRe.ReplaceAllStringFunc(s, func(m string) string {
		if m == "" {
			return m
		}
		d, err := time.ParseDuration(m)
		if err != nil {
			return m
		}
		ds = append(ds, d)
		return "<dur>"
	})
	return skel, ds
}

func keyList(m map[string]any, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + Short(JSON(m[k]))
	}
	return Short(strings.Join(parts, ", "))
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// JSON is v as one line of JSON (HTML characters not escaped).
func JSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// JSONIndent is v as indented JSON.
func JSONIndent(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Short cuts s to 300 bytes.
func Short(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

func sideBySide(opt Options, a, b any) string {
	return fmt.Sprintf("%s=%s %s=%s", opt.name(0), Short(JSON(a)), opt.name(1), Short(JSON(b)))
}

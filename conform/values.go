package conform

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
)

// Lookup walks a dotted path into decoded JSON ("auth.client_token",
// "data.keys.0").
func Lookup(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, el := range strings.Split(path, ".") {
		switch c := v.(type) {
		case map[string]any:
			x, ok := c[el]
			if !ok {
				return nil, false
			}
			v = x
		case []any:
			i, err := strconv.Atoi(el)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// ScalarString is a JSON value as a saved variable holds it: a string as
// is, a number as written, anything else as JSON.
func ScalarString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// VarRe matches a variable reference: "{{name}}", "{{token:3}}".
var VarRe = regexp.MustCompile(`\{\{([A-Za-z0-9_.:-]+)\}\}`)

// Expand replaces {{name}} by vars[name]; jsonEscape escapes the value for
// a place inside a JSON string. An unknown or empty name becomes
// "MISSING-<name>", so that a request never silently turns into a request
// without a token (or with the root one).
func Expand(s string, vars map[string]string, jsonEscape bool) string {
	if !strings.Contains(s, "{{") {
		return s
	}
	return VarRe.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-2]
		v, ok := vars[name]
		if !ok || v == "" {
			v = "MISSING-" + name
		}
		if jsonEscape {
			b, _ := json.Marshal(v)
			return string(b[1 : len(b)-1])
		}
		return v
	})
}

package mockvault

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/mitchellh/mapstructure"
)

// fieldType mirrors the field types of Vault's framework package, so input
// is coerced (weakly: "true", "1", 1 and true are all a bool) as Vault does.
type fieldType int

const (
	tString fieldType = iota
	tLowerString
	tNameString
	tInt
	tBool
	tDuration // seconds as a number or a Go/Vault duration string
	// tSignedDuration is tDuration that may be negative (Vault's
	// TypeSignedDurationSecond: KV v2's config delete_version_after).
	tSignedDuration
	tCommaSlice  // "a,b" or ["a","b"]
	tStringSlice // ["a","b"]
	tKVPairs     // {"k":"v"} or ["k=v"]
	tMap         // any JSON object
	tSlice       // any JSON list (Vault's TypeSlice)
)

// fields is the schema of an endpoint: the parameters it recognises.
type fields map[string]fieldType

// fieldData is a request's raw parameters read through an endpoint's schema.
type fieldData struct {
	raw    map[string]any
	schema fields
	// defaults are the endpoint's values for absent fields (path.defaults,
	// Vault's FieldSchema.Default): the getters return them, has() does not
	// see them, so "was it sent" rules keep working.
	defaults map[string]any
	// vars are the path captures, merged into raw but never "ignored".
	vars map[string]string
}

var nameStringRe = regexp.MustCompile(`^\w(([\w-.]+)?\w)?$`)

// validate converts every known field once, so handlers never see bad input.
// The error text is the framework's, which Vault returns as a 400.
func (d *fieldData) validate() error {
	for k := range d.raw {
		t, ok := d.schema[k]
		if !ok {
			continue
		}
		if _, _, err := convertField(d.raw[k], t); err != nil {
			return badRequest("Field validation failed: error converting input for field %q: %s", k, err)
		}
	}
	return nil
}

// ignored lists the parameters the endpoint does not know, sorted.
func (d *fieldData) ignored() []string {
	var out []string
	for k := range d.raw {
		if _, ok := d.schema[k]; !ok {
			if _, isVar := d.vars[k]; !isVar {
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func (d *fieldData) getOk(k string) (any, bool) {
	t, ok := d.schema[k]
	if !ok {
		return nil, false
	}
	raw, present := d.raw[k]
	if !present {
		return nil, false
	}
	v, set, err := convertField(raw, t)
	if err != nil || !set {
		return nil, false
	}
	return v, true
}

func (d *fieldData) has(k string) bool { _, ok := d.getOk(k); return ok }

// get is the field's value, else its schema default (converted the same
// way), else nil.
func (d *fieldData) get(k string) (any, bool) {
	if v, ok := d.getOk(k); ok {
		return v, true
	}
	if def, ok := d.defaults[k]; ok {
		if v, set, err := convertField(def, d.schema[k]); err == nil && set {
			return v, true
		}
	}
	return nil, false
}

func (d *fieldData) str(k string) string {
	v, _ := d.get(k)
	s, _ := v.(string)
	return s
}

func (d *fieldData) integer(k string) int {
	v, _ := d.get(k)
	i, _ := v.(int)
	return i
}

// boolean reads a tBool field; def applies when neither the request nor
// the schema's defaults give one.
func (d *fieldData) boolean(k string, def bool) bool {
	v, ok := d.get(k)
	if !ok {
		return def
	}
	return v.(bool)
}

// duration reads a tDuration field; Vault keeps these in whole seconds.
func (d *fieldData) duration(k string) time.Duration {
	v, _ := d.get(k)
	i, _ := v.(int)
	return time.Duration(i) * time.Second
}

func (d *fieldData) strings(k string) []string {
	v, _ := d.get(k)
	s, _ := v.([]string)
	return s
}

func (d *fieldData) kv(k string) map[string]string {
	v, _ := d.get(k)
	m, _ := v.(map[string]string)
	return m
}

// convertField coerces raw input to the type t. A JSON null is set, to
// the type's zero value (false, 0, "", an empty list, a nil map), as
// Vault's framework decodes it (so renewable: null is false, not the
// field's default), except for durations, where null is not set.
func convertField(raw any, t fieldType) (any, bool, error) {
	if raw == nil && (t == tDuration || t == tSignedDuration) {
		return nil, false, nil
	}
	switch t {
	case tString, tLowerString, tNameString:
		s, ok := raw.(string) // what nearly every request sends
		if !ok {
			if err := mapstructure.WeakDecode(raw, &s); err != nil {
				return nil, false, err
			}
		}
		if t == tLowerString {
			s = strings.ToLower(s)
		}
		if t == tNameString && !nameStringRe.MatchString(s) {
			return nil, false, errors.New("field does not match the formatting rules")
		}
		return s, true, nil
	case tInt:
		var i int
		if err := mapstructure.WeakDecode(raw, &i); err != nil {
			return nil, false, err
		}
		return i, true, nil
	case tBool:
		if b, ok := raw.(bool); ok {
			return b, true, nil
		}
		var b bool
		if err := mapstructure.WeakDecode(raw, &b); err != nil {
			return nil, false, err
		}
		return b, true, nil
	case tDuration, tSignedDuration:
		dur, err := parseutil.ParseDurationSecond(raw)
		if err != nil {
			return nil, false, err
		}
		secs := int(dur.Seconds())
		if secs < 0 && t == tDuration {
			return nil, false, fmt.Errorf("cannot provide negative value '%d'", secs)
		}
		return secs, true, nil
	case tCommaSlice:
		s, err := parseutil.ParseCommaStringSlice(raw)
		if err != nil {
			return nil, false, err
		}
		return s, true, nil
	case tStringSlice:
		if s, ok := raw.(string); ok && s == "" {
			return []string{}, true, nil
		}
		var out []string
		if err := mapstructure.WeakDecode(raw, &out); err != nil {
			return nil, false, err
		}
		for i := range out {
			out[i] = strings.TrimSpace(out[i])
		}
		if out == nil {
			out = []string{}
		}
		return out, true, nil
	case tKVPairs:
		var m map[string]string
		if err := mapstructure.WeakDecode(raw, &m); err == nil {
			return m, true, nil
		}
		var list []string
		if err := mapstructure.WeakDecode(raw, &list); err != nil {
			return nil, false, err
		}
		m = make(map[string]string, len(list))
		for _, p := range list {
			k, v, ok := strings.Cut(p, "=")
			if !ok || k == "" {
				return nil, false, fmt.Errorf("invalid key pair %q", p)
			}
			m[k] = v
		}
		return m, true, nil
	case tSlice:
		var l []any
		if err := mapstructure.WeakDecode(raw, &l); err != nil {
			return nil, false, err
		}
		return l, true, nil
	case tMap:
		var m map[string]any
		if err := mapstructure.WeakDecode(raw, &m); err != nil {
			return nil, false, err
		}
		return m, true, nil
	}
	return nil, false, fmt.Errorf("unknown field type %d", t)
}

// decodeJSONBody parses a request body the way Vault's HTTP layer does:
// first its structural check of JSON containers (whose failures Vault
// answers with a 500 and the bare message), then the decoding into an
// object (a 400), with numbers kept as json.Number.
func decodeJSONBody(b []byte) (map[string]any, error) {
	out := map[string]any{}
	if len(bytes.TrimSpace(b)) == 0 {
		return out, nil
	}
	if err := checkJSONContainers(b); err != nil {
		return nil, errCode(http.StatusInternalServerError, "%s", err.Error())
	}
	if m, ok := decodeObjectFast(b); ok {
		return m, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, badRequest("error parsing JSON: failed to parse JSON input: %s", err)
	}
	if out == nil { // a JSON null body
		out = map[string]any{}
	}
	return out, nil
}

package mockvault

import (
	"reflect"
	"testing"
)

// Token roles' policy globs are go-glob's (Vault's strutil.StrListContainsGlob):
// "*" alone matches anything, and a "*" may stand inside the pattern.
func TestStarGlob(t *testing.T) {
	for _, c := range []struct {
		pattern, subj string
		want          bool
	}{
		{"*", "", true},
		{"*", "nope,writer", true},
		{"", "", true},
		{"", "a", false},
		{"a", "a", true},
		{"a", "ab", false},
		{"a*", "abc", true},
		{"a*", "ba", false},
		{"*c", "abc", true},
		{"*c", "abcd", false},
		{"*b*", "abc", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbxcy", false},
		{"*x*y", "abbbxcy", true},
		{"*x*y", "abbbxcyc", false},
		{"a*b*c", "a-b-c", true},
		{"a*b*c", "a-c-b", false},
		{"def*", "default", true},
		{"**", "x", true},
	} {
		if got := starGlob(c.pattern, c.subj); got != c.want {
			t.Errorf("starGlob(%q, %q) = %v, want %v", c.pattern, c.subj, got, c.want)
		}
	}
}

// A JSON null is a set field with the type's zero value, as Vault's
// framework reads it, except for durations, where it is not set.
func TestConvertFieldNull(t *testing.T) {
	for _, c := range []struct {
		t       fieldType
		want    any
		wantSet bool
	}{
		{tBool, false, true},
		{tInt, 0, true},
		{tString, "", true},
		{tLowerString, "", true},
		{tCommaSlice, []string{}, true},
		{tStringSlice, []string{}, true},
		{tKVPairs, map[string]string(nil), true},
		{tMap, map[string]any(nil), true},
		{tDuration, nil, false},
		{tSignedDuration, nil, false},
	} {
		got, set, err := convertField(nil, c.t)
		if err != nil || set != c.wantSet || !reflect.DeepEqual(got, c.want) {
			t.Errorf("convertField(nil, %d) = %#v, %v, %v; want %#v, %v", c.t, got, set, err, c.want, c.wantSet)
		}
	}
	if _, _, err := convertField(nil, tNameString); err == nil {
		t.Error("a null name string must fail the name rules, as in Vault")
	}
	d := &fieldData{raw: map[string]any{"renewable": nil}, schema: fields{"renewable": tBool, "other": tBool}}
	if d.boolean("renewable", true) || !d.has("renewable") {
		t.Error("renewable: null must be a given false, not the default")
	}
	if !d.boolean("other", true) || d.has("other") {
		t.Error("an absent field keeps the caller's default")
	}
}

// A signed duration may be negative (KV v2's delete_version_after); a
// bool is no duration.
func TestSignedDuration(t *testing.T) {
	if v, set, err := convertField("-5s", tSignedDuration); err != nil || !set || v != -5 {
		t.Errorf("-5s: %v %v %v", v, set, err)
	}
	if _, _, err := convertField("-5s", tDuration); err == nil {
		t.Error("a plain duration refuses a negative value")
	}
	if _, _, err := convertField(true, tSignedDuration); err == nil {
		t.Error("a bool is no duration")
	}
}

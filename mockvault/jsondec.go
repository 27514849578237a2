package mockvault

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeObjectFast decodes a request body that is a plain JSON object into
// what encoding/json's Decoder (with UseNumber) gives for it, without its
// reflection: maps, []any, strings, json.Number, bools and nil. It gives
// up (ok false) on anything it does not take on itself — a string with an
// escape or a control character, invalid UTF-8, any syntax error, a body
// not starting with '{' — and the caller decodes with encoding/json, which
// then answers as it always did, errors included. Data after the object is
// ignored, as the Decoder ignores it. Depth is bounded by the limits check
// that runs first (checkJSONContainers).
func decodeObjectFast(b []byte) (map[string]any, bool) {
	d := fastDecoder{b: b}
	return d.object1()
}

// unmarshalObjectFast is decodeObjectFast for json.Unmarshal into a
// map[string]any: numbers are float64 (one out of float64's range gives
// up, for Unmarshal's error), and nothing but whitespace may follow.
func unmarshalObjectFast(b []byte) (map[string]any, bool) {
	d := fastDecoder{b: b, floats: true}
	m, ok := d.object1()
	if !ok {
		return nil, false
	}
	d.space()
	return m, d.i == len(d.b)
}

type fastDecoder struct {
	b      []byte
	i      int
	floats bool // numbers as float64, not json.Number
}

// object1 decodes the top-level object.
func (d *fastDecoder) object1() (map[string]any, bool) {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '{' {
		return nil, false
	}
	v, ok := d.value()
	if !ok {
		return nil, false
	}
	return v.(map[string]any), true
}

func (d *fastDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// value decodes the value at d.i (whitespace skipped before it).
func (d *fastDecoder) value() (any, bool) {
	if d.i >= len(d.b) {
		return nil, false
	}
	switch c := d.b[d.i]; {
	case c == '{':
		return d.object()
	case c == '[':
		return d.array()
	case c == '"':
		return d.str()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return d.number()
	}
	return nil, false
}

func (d *fastDecoder) literal(lit string) bool {
	if len(d.b)-d.i < len(lit) || string(d.b[d.i:d.i+len(lit)]) != lit {
		return false
	}
	d.i += len(lit)
	return true
}

func (d *fastDecoder) object() (any, bool) {
	m := map[string]any{}
	ok := d.members('}', func() bool {
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return false
		}
		k, ok := d.str()
		if !ok {
			return false
		}
		d.space()
		if d.i >= len(d.b) || d.b[d.i] != ':' {
			return false
		}
		d.i++
		d.space()
		v, ok := d.value()
		m[k.(string)] = v // a repeated key: the last wins, as in encoding/json
		return ok
	})
	return m, ok
}

func (d *fastDecoder) array() (any, bool) {
	a := []any{}
	ok := d.members(']', func() bool {
		v, ok := d.value()
		a = append(a, v)
		return ok
	})
	return a, ok
}

// members walks the container opened at d.i up to its closing byte
// close: each decodes one member where it starts (whitespace skipped);
// members are separated by commas.
func (d *fastDecoder) members(close byte, each func() bool) bool {
	d.i++ // the opening byte
	d.space()
	if d.i < len(d.b) && d.b[d.i] == close {
		d.i++
		return true
	}
	for {
		if !each() {
			return false
		}
		d.space()
		if d.i >= len(d.b) {
			return false
		}
		switch d.b[d.i] {
		case ',':
			d.i++
			d.space()
		case close:
			d.i++
			return true
		default:
			return false
		}
	}
}

// str decodes a string without escapes or control characters, in valid
// UTF-8: its bytes are the value.
func (d *fastDecoder) str() (any, bool) {
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := d.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			d.i = j + 1
			return string(s), true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// number checks JSON's number grammar and keeps the text, as UseNumber.
func (d *fastDecoder) number() (any, bool) {
	b, j := d.b, d.i
	digits := func() bool {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j > k
	}
	if b[j] == '-' {
		j++
	}
	if j < len(b) && b[j] == '0' {
		j++
	} else if !digits() {
		return nil, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if !digits() {
			return nil, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if !digits() {
			return nil, false
		}
	}
	text := b[d.i:j]
	d.i = j
	if d.floats {
		f, err := strconv.ParseFloat(string(text), 64)
		return f, err == nil
	}
	return json.Number(text), true
}

package mockvault

import (
	"errors"
	"fmt"
)

// Vault checks every JSON body against limits before decoding it, and
// answers a failed check with a 500 and the bare message. These are its
// defaults (http/handler.go in Vault 1.21).
const (
	jsonMaxDepth        = 300
	jsonMaxStringLength = 1024 * 1024
	jsonMaxEntries      = 10000
	jsonMaxElements     = 10000
	jsonMaxTokens       = 500000
)

type jsonContainer struct {
	typ       byte // '{' or '['
	count     int
	expectKey bool
	keys      map[string]struct{}
}

// checkJSONContainers scans a body that starts with '{' or '[' the way
// Vault's limits check does: balanced containers, no trailing commas, no
// data after the top-level value, no duplicate keys, and the size limits.
func checkJSONContainers(b []byte) error {
	i := 0
	skip := func() {
		for i < len(b) && isJSONSpace(b[i]) {
			i++
		}
	}
	if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
		i = 3
	}
	skip()
	if i == len(b) || (b[i] != '{' && b[i] != '[') {
		return nil
	}
	var stack []*jsonContainer
	started, lastComma, tokens := false, false, 0
	countValue := func() error {
		if len(stack) == 0 {
			return nil
		}
		top := stack[len(stack)-1]
		if top.typ == '[' {
			top.count++
			if top.count > jsonMaxElements {
				return errors.New("JSON array exceeds allowed element count")
			}
		}
		return nil
	}
	for {
		skip()
		if i >= len(b) {
			break
		}
		c := b[i]
		if lastComma && (c == '}' || c == ']') {
			if c == '}' {
				return errors.New("invalid character '}' after object key-value pair")
			}
			return errors.New("invalid character ']' after array element")
		}
		if len(stack) == 0 && started {
			return fmt.Errorf("invalid character '%c' after top-level value", c)
		}
		tokens++
		if tokens > jsonMaxTokens {
			return errors.New("JSON payload exceeds allowed token count")
		}
		lastComma = false
		switch c {
		case '{', '[':
			if err := countValue(); err != nil {
				return err
			}
			started = true
			ct := &jsonContainer{typ: c}
			if c == '{' {
				ct.expectKey = true
				ct.keys = map[string]struct{}{}
			}
			stack = append(stack, ct)
			if len(stack) > jsonMaxDepth {
				return errors.New("JSON input exceeds allowed nesting depth")
			}
			i++
		case '}', ']':
			if len(stack) == 0 {
				return fmt.Errorf("malformed JSON: unmatched closing delimiter '%c'", c)
			}
			top := stack[len(stack)-1]
			if (c == '}') != (top.typ == '{') {
				return fmt.Errorf("malformed JSON: mismatched closing delimiter '%c'", c)
			}
			stack = stack[:len(stack)-1]
			i++
		case '"':
			start := i + 1
			j := start
			for ; j < len(b); j++ {
				if j-start > jsonMaxStringLength {
					return errors.New("JSON string value exceeds allowed length")
				}
				if b[j] == '\\' {
					j++
					continue
				}
				if b[j] == '"' {
					break
				}
			}
			if j >= len(b) {
				return errors.New("malformed JSON, unclosed string")
			}
			if j-start > jsonMaxStringLength {
				return errors.New("JSON string value exceeds allowed length")
			}
			i = j + 1
			if n := len(stack); n > 0 && stack[n-1].typ == '{' && stack[n-1].expectKey {
				top := stack[n-1]
				key := string(b[start:j])
				if _, dup := top.keys[key]; dup {
					return fmt.Errorf("duplicate key '%s' in object", key)
				}
				top.keys[key] = struct{}{}
				top.count++
				if top.count > jsonMaxEntries {
					return errors.New("JSON object exceeds allowed entry count")
				}
				top.expectKey = false
			} else if err := countValue(); err != nil {
				return err
			}
		case ':':
			i++
		case ',':
			lastComma = true
			if n := len(stack); n > 0 && stack[n-1].typ == '{' {
				stack[n-1].expectKey = true
			}
			i++
		default:
			if c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n' {
				for i < len(b) && !isJSONSpace(b[i]) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ':' {
					i++
				}
				if err := countValue(); err != nil {
					return err
				}
				continue
			}
			return fmt.Errorf("invalid character '%c' looking for beginning of value", c)
		}
	}
	if len(stack) != 0 {
		return errors.New("malformed JSON, unclosed containers")
	}
	return nil
}

// isJSONSpace is JSON whitespace, plus the two bytes Vault also skips.
func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 31 || c == 139
}

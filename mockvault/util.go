package mockvault

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"sort"
	"strconv"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
)

const base62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomBase62 draws n characters uniformly from base62 (rejection
// sampling over random bytes: 62*4 = 248 values map evenly).
func randomBase62(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err)
		}
		for _, c := range buf {
			if c < 248 && len(out) < n {
				out = append(out, base62[c%62])
			}
		}
	}
	return string(out)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// newUUID returns a random UUID in Vault's textual form.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:16])
	return string(out[:])
}

func parseBool(s string) (bool, error) { return strconv.ParseBool(s) }

func parseDurationSecond(s string) (time.Duration, error) { return parseutil.ParseDurationSecond(s) }

// fmtTime renders a time as Vault does in JSON (RFC 3339 with nanoseconds).
func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseDurationAny reads a duration given as seconds or a duration string.
func parseDurationAny(v any) (time.Duration, error) { return parseutil.ParseDurationSecond(v) }

// Protocol buffers, the little the mock needs to lay out tokens as Vault
// does (signed service tokens, batch tokens): proto3 varint and
// length-delimited fields, zero values left out as proto3 does.

const (
	wireVarint = 0
	wireBytes  = 2
)

func appendTag(b []byte, num, wire int) []byte {
	return binary.AppendUvarint(b, uint64(num)<<3|uint64(wire))
}

// appendVarintField appends a non-zero integer field (int64 and uint
// fields: negative numbers take ten bytes, as in protobuf).
func appendVarintField(b []byte, num int, v uint64) []byte {
	if v == 0 {
		return b
	}
	return binary.AppendUvarint(appendTag(b, num, wireVarint), v)
}

// appendBytesField appends a length-delimited field; empty values are left
// out unless always (elements of repeated fields, map entries).
func appendBytesField(b []byte, num int, v []byte, always bool) []byte {
	if len(v) == 0 && !always {
		return b
	}
	b = binary.AppendUvarint(appendTag(b, num, wireBytes), uint64(len(v)))
	return append(b, v...)
}

func appendStringField(b []byte, num int, v string) []byte {
	return appendBytesField(b, num, []byte(v), false)
}

// protoField is one decoded field: its number, and its varint or bytes.
type protoField struct {
	num    int
	wire   int
	varint uint64
	bytes  []byte
}

// readProto splits a message of varint and length-delimited fields; false
// for anything else.
func readProto(b []byte) ([]protoField, bool) {
	var out []protoField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 || key>>3 == 0 {
			return nil, false
		}
		b = b[n:]
		f := protoField{num: int(key >> 3), wire: int(key & 7)}
		switch f.wire {
		case wireVarint:
			v, n := binary.Uvarint(b)
			if n <= 0 {
				return nil, false
			}
			f.varint, b = v, b[n:]
		case wireBytes:
			l, n := binary.Uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return nil, false
			}
			f.bytes, b = b[n:n+int(l)], b[n+int(l):]
		default:
			return nil, false
		}
		out = append(out, f)
	}
	return out, true
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

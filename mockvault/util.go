package mockvault

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func parseBool(s string) (bool, error) { return strconv.ParseBool(s) }

func parseDurationSecond(s string) (time.Duration, error) { return parseutil.ParseDurationSecond(s) }

// fmtTime renders a time as Vault does in JSON (RFC 3339 with nanoseconds).
func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseDurationAny reads a duration given as seconds or a duration string.
func parseDurationAny(v any) (time.Duration, error) { return parseutil.ParseDurationSecond(v) }

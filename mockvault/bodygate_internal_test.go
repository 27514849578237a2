package mockvault

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Large bodies are read a few at a time: senders that stall half-way
// through big bodies hold every turn, the next large body waits for one
// (a bounded time) then gets Vault's 503, while small requests go on at
// once; when the stalled senders go, large bodies are served again.
func TestLargeBodiesAreBounded(t *testing.T) {
	defer func(d time.Duration) { largeBodyWait = d }(largeBodyWait)
	largeBodyWait = 300 * time.Millisecond
	s := New(Options{})
	hs := httptest.NewServer(s)
	defer hs.Close()
	defer s.Close()
	host := strings.TrimPrefix(hs.URL, "http://")

	var stalled []net.Conn
	for i := 0; i < maxLargeBodies; i++ {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		stalled = append(stalled, c)
		head := fmt.Sprintf("PUT /v1/secret/data/big%d HTTP/1.1\r\nHost: x\r\nX-Vault-Token: root\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", i, 4*largeBody)
		if _, err := io.WriteString(c, head+`{"data":{"v":"`+strings.Repeat("a", 2*largeBody)); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until every stalled sender holds a turn.
	for deadline := time.Now().Add(5 * time.Second); len(s.largeBodies) < maxLargeBodies; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d turns taken", len(s.largeBodies), maxLargeBodies)
		}
	}
	put := func(size int) (int, string, time.Duration) {
		body := `{"data":{"v":"` + strings.Repeat("b", size) + `"}}`
		if size > DefaultMaxRequestSize { // strings under Vault's 1 MiB limit
			var b strings.Builder
			b.WriteString(`{"data":{`)
			for i := 0; b.Len() < size; i++ {
				fmt.Fprintf(&b, `"k%d":"%s",`, i, strings.Repeat("c", 1<<19))
			}
			body = strings.TrimSuffix(b.String(), ",") + "}}"
		}
		req, _ := http.NewRequest("PUT", hs.URL+"/v1/secret/data/next", strings.NewReader(body))
		req.Header.Set("X-Vault-Token", "root")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), time.Since(start)
	}
	code, body, took := put(2 * largeBody)
	var e struct{ Errors []string }
	_ = json.Unmarshal([]byte(body), &e)
	if code != 503 || len(e.Errors) != 1 || e.Errors[0] != "Vault server temporarily overloaded" {
		t.Fatalf("large body with every turn taken: %d %s", code, body)
	}
	// It waited its whole turn (a lower bound holds on any machine; the
	// 503 itself shows the wait ended).
	if took < largeBodyWait {
		t.Fatalf("answered after %v, before the %v wait", took, largeBodyWait)
	}
	// A small body takes no turn: with every turn held, waiting for one
	// would have ended in the 503 above.
	if code, body, _ := put(100); code != 200 {
		t.Fatalf("small body meanwhile: %d %s", code, body)
	}
	for _, c := range stalled {
		c.Close()
	}
	for deadline := time.Now().Add(5 * time.Second); len(s.largeBodies) > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d turns still taken after the senders left", len(s.largeBodies))
		}
	}
	if code, body, _ := put(2 * largeBody); code != 200 {
		t.Fatalf("large body after: %d %s", code, body)
	}
	// Over the size limit, the answer is still Vault's 413.
	if code, body, _ := put(DefaultMaxRequestSize + 1<<20); code != 413 {
		t.Fatalf("33 MiB body: %d %s", code, body)
	}
	if len(s.largeBodies) != 0 {
		t.Fatalf("%d turns left taken", len(s.largeBodies))
	}
}

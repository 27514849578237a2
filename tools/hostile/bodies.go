package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type bodiesOpts struct {
	parallel int
}

// bodyCase is one hostile request.
type bodyCase struct {
	name   string
	method string
	path   string // under /v1/ unless it starts with "/"
	ctype  string
	hdr    map[string]string
	body   func() []byte
	// chunked sends body with no Content-Length, in chunks.
	chunked bool
	// raw, when set, is written on a bare connection instead.
	raw func(host string) []byte
}

func rep(s string, n int) string { return strings.Repeat(s, n) }

func jsonBody(s string) func() []byte { return func() []byte { return []byte(s) } }

// policyForm is a policy write as a form: no 1 MiB JSON string limit.
// Only what a form value cannot hold is escaped, so brackets stay one
// byte each.
func policyForm(policy string) func() []byte {
	return func() []byte {
		return []byte("policy=" + strings.NewReplacer("%", "%25", "&", "%26", "+", "%2B", ";", "%3B").Replace(policy))
	}
}

// bigJSON is a KV write of about n bytes made of 512 KiB strings, which
// pass every JSON limit (1 MiB strings, 10,000 entries, 500,000 tokens).
func bigJSON(n int) func() []byte {
	return func() []byte {
		var b bytes.Buffer
		b.WriteString(`{"data":{`)
		for i := 0; b.Len() < n; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":"%s"`, i, rep("a", 512<<10))
		}
		b.WriteString(`}}`)
		return b.Bytes()
	}
}

func policyJSON(policy string) func() []byte {
	return func() []byte {
		return []byte(`{"policy":"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(policy) + `"}`)
	}
}

const form = "application/x-www-form-urlencoded"

var bodyCases = []bodyCase{
	{name: "JSON nested 1,000,000 deep", method: "PUT", path: "secret/data/x", body: jsonBody(`{"data":` + rep("[", 1_000_000) + rep("]", 1_000_000) + "}")},
	{name: "JSON nested objects 500,000 deep", method: "PUT", path: "secret/data/x", body: jsonBody(rep(`{"a":`, 500_000) + "1" + rep("}", 500_000))},
	{name: "JSON string of 1 MiB + 1", method: "PUT", path: "secret/data/x", body: jsonBody(`{"data":{"v":"` + rep("a", 1<<20+1) + `"}}`)},
	{name: "JSON object of 200,000 keys", method: "PUT", path: "secret/data/x", body: func() []byte {
		var b bytes.Buffer
		b.WriteString(`{"data":{`)
		for i := 0; i < 200_000; i++ {
			fmt.Fprintf(&b, `"k%d":1,`, i)
		}
		b.WriteString(`"z":1}}`)
		return b.Bytes()
	}},
	{name: "JSON array of 4,000,000 numbers", method: "PUT", path: "secret/data/x", body: jsonBody(`{"data":{"v":[` + rep("1,", 4_000_000) + `1]}}`)},
	{name: "JSON, 100,000 duplicate keys", method: "PUT", path: "secret/data/x", body: jsonBody(`{"data":{` + rep(`"a":1,`, 100_000) + `"a":1}}`)},
	{name: "JSON number of 1,000,000 digits", method: "PUT", path: "secret/data/x", body: jsonBody(`{"data":{"v":` + rep("9", 1_000_000) + `}}`)},
	{name: "JSON number 1e999999999", method: "POST", path: "auth/token/create", body: jsonBody(`{"ttl":1e999999999,"num_uses":1e999999999}`)},
	{name: "invalid UTF-8 and NUL in strings", method: "PUT", path: "secret/data/x", body: jsonBody("{\"data\":{\"v\":\"\xff\xfe\x00\\u0000\xc3\x28\"}}")},
	{name: "truncated JSON", method: "PUT", path: "secret/data/x", body: jsonBody(`{"data":{"v":"abc`)},
	{name: "33 MiB body (over max_request_size)", method: "PUT", path: "secret/data/x", body: bigJSON(33 << 20)},
	{name: "40 MiB chunked body, no length", method: "PUT", path: "secret/data/x", chunked: true, body: bigJSON(40 << 20)},
	{name: "31 MiB body (under max_request_size)", method: "PUT", path: "secret/data/x", body: bigJSON(31 << 20)},
	{name: "form body of 1,000,000 fields", method: "POST", path: "auth/token/create", ctype: form, body: jsonBody(rep("a=1&", 1_000_000) + "ttl=1m")},
	{name: "form body, one 30 MiB field", method: "POST", path: "auth/token/create", ctype: form, body: jsonBody("display_name=" + rep("a", 30<<20))},
	{name: "gzip bomb (Content-Encoding: gzip, 1 GiB inflated)", method: "PUT", path: "secret/data/x", hdr: map[string]string{"Content-Encoding": "gzip"}, body: func() []byte {
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		chunk := make([]byte, 1<<20)
		for i := 0; i < 1024; i++ {
			_, _ = zw.Write(chunk)
		}
		_ = zw.Close()
		return b.Bytes()
	}},
	{name: "HCL policy nested 300,000 deep (JSON body, under 1 MiB)", method: "PUT", path: "sys/policies/acl/deep", body: policyJSON(`path "a" { capabilities = ` + rep("[", 300_000) + rep("]", 300_000) + " }")},
	{name: "HCL policy nested 16,000,000 deep (form body)", method: "PUT", path: "sys/policies/acl/deep", ctype: form, body: policyForm(`path "a" { capabilities = ` + rep("[", 16_000_000) + rep("]", 16_000_000) + " }")},
	{name: "HCL policy of 6,000,000 nested blocks (form body)", method: "PUT", path: "sys/policies/acl/deep", ctype: form, body: policyForm(`path "a" ` + rep("{a", 6_000_000) + rep("}", 6_000_000))},
	{name: "HCL policy nested 16,000,000 deep, unclosed (form body)", method: "PUT", path: "sys/policies/acl/deep", ctype: form, body: policyForm(`path "a" { capabilities = ` + rep("[", 32_000_000))},
	{name: "JSON policy nested 16,000,000 deep (form body)", method: "PUT", path: "sys/policies/acl/deep", ctype: form, body: policyForm(`{"path":{"a":{"capabilities":` + rep("[", 16_000_000) + rep("]", 16_000_000) + `}}}`)},
	{name: "HCL policy of 200,000 paths (form body)", method: "PUT", path: "sys/policies/acl/wide", ctype: form, body: func() []byte {
		var b strings.Builder
		for i := 0; i < 200_000; i++ {
			fmt.Fprintf(&b, "path \"secret/data/p%d/*\" { capabilities = [\"read\"] }\n", i)
		}
		return policyForm(b.String())()
	}},
	{name: "JSON policy ending inside a string escape", method: "PUT", path: "sys/policies/acl/esc", body: policyJSON(`{"path":{"a\u0`)},
	{name: "HCL policy, unterminated heredoc of 20 MiB (form body)", method: "PUT", path: "sys/policies/acl/doc", ctype: form, body: policyForm("path \"a\" { capabilities = <<EOT\n" + rep("x\n", 10<<20))},
	{name: "transit batch_input of 9,999 items", method: "POST", path: "transit/encrypt/k", body: func() []byte {
		var b bytes.Buffer
		b.WriteString(`{"batch_input":[`)
		for i := 0; i < 9_999; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"plaintext":"aGVsbG8="}`)
		}
		b.WriteString(`]}`)
		return b.Bytes()
	}},
	{name: "X-Vault-Wrap-TTL of 10^30 seconds", method: "POST", path: "auth/token/create", hdr: map[string]string{"X-Vault-Wrap-TTL": "1" + rep("0", 30)}, body: jsonBody(`{"ttl":"1m"}`)},
	{name: "2 MiB header", method: "GET", path: "sys/health", hdr: map[string]string{"X-Big": rep("a", 2<<20)}},
	{name: "10,000 headers", method: "GET", path: "sys/health", raw: func(host string) []byte {
		var b bytes.Buffer
		b.WriteString("GET /v1/sys/health HTTP/1.1\r\nHost: " + host + "\r\n")
		for i := 0; i < 10_000; i++ {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		b.WriteString("Connection: close\r\n\r\n")
		return b.Bytes()
	}},
	{name: "URL path of 1 MiB", method: "GET", path: "secret/data/" + rep("a/", 1<<19)},
	{name: "256 KiB of %2F and .. in the path", method: "GET", path: "secret/data/" + rep("%2F..", 1<<16)},
	// Sent with Expect: 100-continue, so the client reads the refusal
	// instead of failing on a connection the server closed mid-upload.
	{name: "admin route, 32 MiB body, no token", method: "POST", path: "/_mockvault/faults", hdr: map[string]string{"Expect": "100-continue"}, body: jsonBody(`{"path":"` + rep("a", 32<<20) + `"}`)},
}

// runBodies sends each hostile body to a running server and notes the
// answer and whether the server survived; a dead server is restarted for
// the next case. Then many large bodies at once.
func runBodies(o common, bo bodiesOpts) error {
	o.serverFlags = strings.TrimSpace(o.serverFlags + " -admin-routes")
	s, err := start(o)
	if err != nil {
		return err
	}
	defer func() { s.stop() }()
	if code, body, err := call(client(1, 10*time.Second), "POST", s.addr+"/v1/sys/mounts/transit", "root", `{"type":"transit"}`); err != nil || code != 204 {
		return fmt.Errorf("mount transit: %d %s %v", code, body, err)
	}
	if code, body, err := call(client(1, 10*time.Second), "POST", s.addr+"/v1/transit/keys/k", "root", `{}`); err != nil || code/100 != 2 {
		return fmt.Errorf("transit key: %d %s %v", code, body, err)
	}
	sm := sample(s.cmd.Process.Pid, 50*time.Millisecond)
	fmt.Printf("### hostile bodies\n\nserver `%s`, one request each, root token\n\n", strings.Join(s.args, " "))
	fmt.Println("| case | bytes sent | status | answer | time | server after |")
	fmt.Println("|---|---|---|---|---|---|")
	deaths := 0
	for _, bc := range bodyCases {
		var body []byte
		if bc.body != nil {
			body = bc.body()
		}
		t0 := time.Now()
		code, answer, sent, err := send(s, bc, body)
		took := time.Since(t0)
		if err != nil {
			answer = "transport: " + err.Error()
		}
		time.Sleep(100 * time.Millisecond) // a crash takes a moment to show
		after := "alive, healthy"
		if dead, why := s.died(); dead {
			after = "**server died**: " + why
			deaths++
			sm.stop()
			if s, err = start(o); err != nil {
				return fmt.Errorf("restart after %q: %v", bc.name, err)
			}
			sm = sample(s.cmd.Process.Pid, 50*time.Millisecond)
		} else if !s.healthy(5 * time.Second) {
			after = "alive, **unhealthy**"
		}
		status := "-"
		if code != 0 {
			status = fmt.Sprint(code)
		}
		fmt.Printf("| %s | %s | %s | %s | %s | %s |\n", bc.name, size(sent), status, cell(answer), round(took), after)
	}
	fmt.Println()

	// Many large bodies at once, on a fresh server: they queue for the
	// large-body turns.
	var ok, busy, other atomic.Int64
	var firstOther atomic.Value
	var lat latencies
	var wg sync.WaitGroup
	// 8 MiB bodies: eight 1 MiB-minus strings (each under Vault's 1 MiB string limit).
	var b strings.Builder
	b.WriteString(`{"data":{`)
	for i := 0; i < 8; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"k%d":"%s"`, i, rep("a", 1<<20-64))
	}
	b.WriteString(`}}`)
	payload := b.String()
	sm.stop()
	rssCases := mib(sm.peakRSS.Load())
	if dead, why := s.died(); dead {
		return fmt.Errorf("server died: %s", why)
	}
	// A fresh server, so the figures are this case's alone.
	s.stop()
	if s, err = start(o); err != nil {
		return err
	}
	rss0, _ := procStats(s.cmd.Process.Pid)
	sm = sample(s.cmd.Process.Pid, 20*time.Millisecond)
	t0 := time.Now()
	c := client(bo.parallel, 60*time.Second)
	for i := 0; i < bo.parallel; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t := time.Now()
			code, body, err := call(c, "PUT", fmt.Sprintf("%s/v1/secret/data/big%d", s.addr, i), "root", payload)
			lat.add(time.Since(t))
			switch {
			case err == nil && code == 200:
				ok.Add(1)
			case err == nil && code == 503:
				busy.Add(1)
			default:
				other.Add(1)
				firstOther.CompareAndSwap(nil, fmt.Sprintf("%d %s %v", code, strings.TrimSpace(body), err))
			}
		}(i)
	}
	wg.Wait()
	sm.stop()
	fmt.Printf("Server peak RSS over the cases above: %.0f MiB.\n\n", rssCases)
	fmt.Printf("%d concurrent %s KV writes: %d answered 200, %d answered 503 (overloaded), %d otherwise, in %v (slowest %v); server RSS %.0f MiB before, peak %.0f MiB.\n\n",
		bo.parallel, size(len(payload)), ok.Load(), busy.Load(), other.Load(), round(time.Since(t0)), round(lat.pct(100)), rss0, mib(sm.peakRSS.Load()))
	if v := firstOther.Load(); v != nil {
		fmt.Printf("first other answer: %s\n\n", v)
	}
	dead, why := s.died()
	if dead {
		deaths++
		fmt.Printf("server died after the parallel case: %s\n\n", why)
	}
	if deaths > 0 {
		return fmt.Errorf("the server died %d times", deaths)
	}
	return nil
}

// send sends one case and returns the status, the answer's first error
// (or its start) and how many bytes went out.
func send(s *server, bc bodyCase, body []byte) (int, string, int, error) {
	if bc.raw != nil {
		return sendRaw(s, bc.raw(s.host))
	}
	u := s.addr + "/v1/" + bc.path
	if strings.HasPrefix(bc.path, "/") {
		u = s.addr + bc.path
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
		if bc.chunked {
			r = io.MultiReader(bytes.NewReader(body)) // hides the length: chunked
		}
	}
	req, err := http.NewRequest(bc.method, u, r)
	if err != nil {
		// A path the client refuses to send goes raw.
		return sendRaw(s, []byte(bc.method+" /v1/"+bc.path+" HTTP/1.1\r\nHost: "+s.host+"\r\nConnection: close\r\n\r\n"))
	}
	if strings.Contains(bc.path, "%") {
		req.URL.RawPath = "/v1/" + bc.path
		req.URL.Path, _ = url.PathUnescape("/v1/" + bc.path)
	}
	if !strings.HasPrefix(bc.path, "/_mockvault") {
		req.Header.Set("X-Vault-Token", "root")
	}
	ct := bc.ctype
	if ct == "" && body != nil {
		ct = "application/json"
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for k, v := range bc.hdr {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableKeepAlives: true, DisableCompression: true, ExpectContinueTimeout: 5 * time.Second}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", len(body), err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b), len(body), nil
}

func sendRaw(s *server, msg []byte) (int, string, int, error) {
	c, err := net.DialTimeout("tcp", s.host, 5*time.Second)
	if err != nil {
		return 0, "", 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(60 * time.Second))
	n, werr := c.Write(msg)
	b, _ := io.ReadAll(io.LimitReader(c, 4096))
	if len(b) == 0 && werr != nil {
		return 0, "", n, werr
	}
	code := 0
	line, rest, _ := strings.Cut(string(b), "\r\n")
	if f := strings.Fields(line); len(f) >= 2 {
		fmt.Sscan(f[1], &code)
	}
	if _, body, ok := strings.Cut(rest, "\r\n\r\n"); ok {
		return code, body, n, nil
	}
	return code, "", n, nil
}

// cell shortens an answer for a table cell.
func cell(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, `{"errors":[`) {
		s = strings.TrimSuffix(strings.TrimPrefix(s, `{"errors":[`), "]}")
	}
	s = strings.NewReplacer("|", `\|`, "\n", " ", `\n`, " ", `\t`, " ").Replace(s)
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	if s == "" {
		s = "(empty)"
	}
	return "`" + s + "`"
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

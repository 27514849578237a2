package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type loadOpts struct {
	workers  int
	duration time.Duration
	maxOps   int
}

// runLoad drives the server with a mix of Vault calls from many clients
// for a bounded time: token create, lookup-self, renew-self and revoke; KV
// v2 write and read; policy write; sys/health.
func runLoad(o common, l loadOpts) error {
	s, err := start(o)
	if err != nil {
		return err
	}
	defer s.stop()
	sm := sample(s.cmd.Process.Pid, 200*time.Millisecond)
	c := client(l.workers*2, 10*time.Second)
	if code, body, err := call(c, "PUT", s.addr+"/v1/sys/policies/acl/app", "root",
		`{"policy":"path \"secret/data/app/*\" { capabilities = [\"create\",\"read\",\"update\"] }"}`); err != nil || code != 204 {
		return fmt.Errorf("policy: %d %s %v", code, body, err)
	}
	var lat latencies
	var ops, errs, unexpected atomic.Int64
	var firstErr atomic.Value
	deadline := time.Now().Add(l.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < l.workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			do := func(method, path, token, body string, want ...int) map[string]any {
				t0 := time.Now()
				code, b, err := call(c, method, s.addr+"/v1/"+path, token, body)
				lat.add(time.Since(t0))
				ops.Add(1)
				if err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s %s: %v", method, path, err))
					return nil
				}
				ok := false
				for _, wc := range want {
					ok = ok || wc == code
				}
				if !ok {
					unexpected.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s %s: %d %s", method, path, code, strings.TrimSpace(b)))
					return nil
				}
				var m map[string]any
				_ = json.Unmarshal([]byte(b), &m)
				return m
			}
			for i := 0; time.Now().Before(deadline) && ops.Load() < int64(l.maxOps); i++ {
				switch rng.IntN(4) {
				case 0: // a token's life
					m := do("POST", "auth/token/create", "root", `{"policies":["app"],"ttl":"15m"}`, 200)
					auth, _ := m["auth"].(map[string]any)
					tok, _ := auth["client_token"].(string)
					if tok == "" {
						continue
					}
					do("GET", "auth/token/lookup-self", tok, "", 200)
					do("PUT", "auth/token/renew-self", tok, `{"increment":"30m"}`, 200)
					do("POST", "secret/data/app/"+tok[len(tok)-6:], tok, `{"data":{"k":"v"}}`, 200)
					do("POST", "auth/token/revoke-self", tok, "", 204)
				case 1:
					key := fmt.Sprintf("secret/data/app/w%d-%d", w, rng.IntN(50))
					do("POST", key, "root", fmt.Sprintf(`{"data":{"n":%d,"pad":"%s"}}`, i, strings.Repeat("x", rng.IntN(2048))), 200)
					do("GET", key, "root", "", 200)
				case 2:
					do("GET", "sys/health", "", "", 200)
				case 3:
					do("PUT", fmt.Sprintf("sys/policies/acl/p%d", rng.IntN(20)), "root",
						fmt.Sprintf(`{"policy":"path \"secret/data/p%d/*\" { capabilities = [\"read\"] }"}`, i), 204)
				}
			}
		}(w)
	}
	wg.Wait()
	el := time.Since(start)
	sm.stop()
	dead, why := s.died()
	fmt.Printf("### load\n\n%d workers for %v (bounded at %d requests), server `%s`\n\n", l.workers, l.duration, l.maxOps, strings.Join(s.args, " "))
	fmt.Println("| requests | req/s | p50 | p99 | max | transport errors | unexpected answers | server peak RSS | peak fds | server |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	state := "alive, healthy"
	if dead {
		state = "died: " + why
	} else if !s.healthy(2 * time.Second) {
		state = "alive, unhealthy"
	}
	fmt.Printf("| %d | %.0f | %s | %s | %s | %d | %d | %.0f MiB | %d | %s |\n\n", ops.Load(), float64(ops.Load())/el.Seconds(),
		round(lat.pct(50)), round(lat.pct(99)), round(lat.pct(100)), errs.Load(), unexpected.Load(), mib(sm.peakRSS.Load()), sm.peakFDs.Load(), state)
	if v := firstErr.Load(); v != nil {
		fmt.Printf("first problem: %s\n\n", v)
	}
	if dead || errs.Load() > 0 || unexpected.Load() > 0 {
		return fmt.Errorf("load run failed")
	}
	return nil
}

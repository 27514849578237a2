package mockvault

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// TestStress runs many clients in parallel against one server for a
// bounded number of operations, then checks the token store's invariants.
// Set MOCKVAULT_STRESS_OPS to run longer.
func TestStress(t *testing.T) {
	ops := envInt("MOCKVAULT_STRESS_OPS", 3000)
	workers := 16
	s := New(Options{})
	hs := httptest.NewServer(s)
	defer hs.Close()
	if err := s.SetPolicy("p1", `path "auth/token/*" { capabilities = ["create","read","update","sudo"] }`); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	revoked := map[string]bool{}     // service token ids revoked by a tree revoke
	limited := map[string]int{}      // id -> num_uses at creation
	succeeded := map[string]*int64{} // id -> 2xx requests made with it
	var live []string
	var served atomic.Int64

	call := func(method, path, token string, body any) (int, map[string]any) {
		var buf bytes.Buffer
		if body != nil {
			_ = json.NewEncoder(&buf).Encode(body)
		}
		req, _ := http.NewRequest(method, hs.URL+"/v1/"+path, &buf)
		if token != "" {
			req.Header.Set("X-Vault-Token", token)
		}
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer resp.Body.Close()
		served.Add(1)
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	newToken := func(parent string, body map[string]any) string {
		code, m := call("POST", "auth/token/create", parent, body)
		if code != 200 {
			return ""
		}
		return m["auth"].(map[string]any)["client_token"].(string)
	}

	var wg sync.WaitGroup
	per := ops / workers
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed))
			for i := 0; i < per; i++ {
				switch rng.Intn(8) {
				case 0, 1: // a small tree
					root := newToken(s.RootToken(), map[string]any{"policies": []string{"p1"}, "ttl": "1h"})
					if root == "" {
						continue
					}
					c1 := newToken(root, map[string]any{})
					c2 := newToken(c1, map[string]any{})
					mu.Lock()
					live = append(live, root, c1, c2)
					mu.Unlock()
				case 2: // revoke a random tree
					mu.Lock()
					if len(live) == 0 {
						mu.Unlock()
						continue
					}
					id := live[rng.Intn(len(live))]
					mu.Unlock()
					if code, _ := call("POST", "auth/token/revoke", s.RootToken(), map[string]any{"token": id}); code == 204 {
						mu.Lock()
						revoked[id] = true
						mu.Unlock()
					}
				case 3: // renew
					mu.Lock()
					var id string
					if len(live) > 0 {
						id = live[rng.Intn(len(live))]
					}
					mu.Unlock()
					call("POST", "auth/token/renew-self", id, map[string]any{"increment": "30m"})
				case 4: // limited-use token spent concurrently
					id := newToken(s.RootToken(), map[string]any{"policies": []string{"p1"}, "num_uses": 3})
					if id == "" {
						continue
					}
					var n int64
					mu.Lock()
					limited[id] = 3
					succeeded[id] = &n
					mu.Unlock()
					var iw sync.WaitGroup
					for k := 0; k < 5; k++ {
						iw.Add(1)
						go func() {
							defer iw.Done()
							if code, _ := call("GET", "auth/token/lookup-self", id, nil); code == 200 {
								atomic.AddInt64(&n, 1)
							}
						}()
					}
					iw.Wait()
				case 5: // policy edit
					call("PUT", "sys/policies/acl/p2", s.RootToken(), map[string]any{"policy": fmt.Sprintf(`path "x/%d" { capabilities = ["read"] }`, rng.Intn(100))})
				case 6: // batch tokens
					b := newToken(s.RootToken(), map[string]any{"type": "batch", "policies": []string{"p1"}})
					call("GET", "auth/token/lookup-self", b, nil)
				default:
					mu.Lock()
					var id string
					if len(live) > 0 {
						id = live[rng.Intn(len(live))]
					}
					mu.Unlock()
					call("GET", "auth/token/lookup-self", id, nil)
				}
			}
		}(int64(w))
	}
	wg.Wait()

	s.mu.Lock()
	defer s.mu.Unlock()
	// Accessor index and token index agree.
	for acc, te := range s.tokens.byAccessor {
		if s.tokens.byID[keyOf(te.ID)] != te || te.Accessor != acc {
			t.Fatalf("accessor %s points to a token not in the store", acc)
		}
	}
	for _, te := range s.tokens.byID {
		if te.Accessor != "" && s.tokens.byAccessor[te.Accessor] != te {
			t.Fatalf("token %s missing from the accessor index", te.Accessor)
		}
		if te.Parent != "" && s.tokens.get(te.Parent) == nil {
			t.Fatalf("token %s outlived its parent", te.Accessor)
		}
	}
	for pk, kids := range s.tokens.children {
		if _, ok := s.tokens.byID[pk]; !ok && len(kids) > 0 {
			t.Fatalf("children index names a revoked parent")
		}
		for ck := range kids {
			if _, ok := s.tokens.byID[ck]; !ok {
				t.Fatalf("children index names a revoked child")
			}
		}
	}
	// Revoked trees are fully gone: nothing revoked is resurrected.
	for id := range revoked {
		if s.tokens.get(id) != nil {
			t.Fatalf("revoked token still in the store")
		}
	}
	// num_uses never overspent.
	for id, n := range succeeded {
		if *n > int64(limited[id]) {
			t.Fatalf("token with %d uses served %d requests", limited[id], *n)
		}
	}
	if s.panics.Load() != 0 {
		t.Fatalf("%d handler panics", s.panics.Load())
	}
	t.Logf("stress: %d requests served by %d workers, %d tokens live, %d trees revoked", served.Load(), workers, len(s.tokens.byID), len(revoked))
}

func envInt(name string, def int) int {
	var n int
	if _, err := fmt.Sscan(getenv(name), &n); err == nil && n > 0 {
		return n
	}
	return def
}

package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// heapNow is the live heap after two full collections.
func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// serversResult is the heap taken by n idle in-process servers.
type serversResult struct {
	n       int
	bytes   uint64
	elapsed time.Duration
}

func measureServers(n int) serversResult {
	before := heapNow()
	start := time.Now()
	srvs := make([]*mockvault.Server, n)
	for i := range srvs {
		srvs[i] = mockvault.New(mockvault.Options{})
	}
	elapsed := time.Since(start)
	after := heapNow()
	runtime.KeepAlive(srvs)
	return serversResult{n: n, bytes: after - before, elapsed: elapsed}
}

// storeResult is lookup throughput with a store of n live service tokens.
type storeResult struct {
	n          int
	fill       time.Duration
	bytesPer   float64
	lookupRate float64 // best of the rounds, serial, ops/s
}

// measureStores fills one server per size and measures serial lookups of
// tokens spread over the whole store, interleaving the sizes round by
// round so background load hits them alike.
func measureStores(sizes []int, d time.Duration, rounds int) ([]storeResult, error) {
	type store struct {
		srv *mockvault.Server
		hs  *httptest.Server
		ids []string
	}
	out := make([]storeResult, len(sizes))
	stores := make([]store, len(sizes))
	defer func() {
		for _, st := range stores {
			if st.hs != nil {
				st.hs.Close()
				st.srv.Close()
			}
		}
	}()
	for i, n := range sizes {
		before := heapNow()
		start := time.Now()
		srv := mockvault.New(mockvault.Options{})
		ids := srv.FillTokensForBench(n)
		out[i] = storeResult{n: n, fill: time.Since(start)}
		out[i].bytesPer = float64(heapNow()-before) / float64(n)
		stores[i] = store{srv: srv, hs: httptest.NewServer(srv), ids: ids}
	}
	for r := 0; r < rounds; r++ {
		for i, st := range stores {
			c, err := testhelpers.NewClient(st.hs.URL, st.srv.RootToken())
			if err != nil {
				return nil, err
			}
			k := 0
			m, err := timedRun(d, []*api.Client{c}, func(c *api.Client) error {
				k++
				_, err := c.Auth().Token().Lookup(st.ids[(k*7919)%len(st.ids)])
				return err
			})
			if err != nil {
				return nil, err
			}
			out[i].lookupRate = max(out[i].lookupRate, m.rate())
		}
	}
	return out, nil
}

// cannedLookup is a token lookup answer as the mock gives it, served by
// the reference server that does nothing else.
const cannedLookup = `{"request_id":"8f1f2f3e-4d5c-6b7a-8998-a7b6c5d4e3f2","lease_id":"","renewable":false,"lease_duration":0,"data":{"accessor":"x0FEHDq9OJmX4WcSvbEtTMGO","creation_time":1732690000,"creation_ttl":7200,"display_name":"token","entity_id":"","expire_time":"2025-11-27T08:46:40Z","explicit_max_ttl":0,"id":"hvs.CAESIJ0123456789abcdefghijklmnopq","issue_time":"2025-11-27T06:46:40Z","meta":null,"num_uses":0,"orphan":false,"path":"auth/token/create","policies":["default"],"renewable":true,"ttl":7199,"type":"service"},"wrap_info":null,"warnings":null,"auth":null,"mount_type":"token"}` + "\n"

// startCanned serves cannedLookup to every request: the same client over
// the same loopback, with no server work at all. Its rate is the ceiling
// of any in-process server measured with this client on this machine.
func startCanned() *target {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = io.WriteString(w, cannedLookup)
	}))
	return &target{key: "canned", name: "canned answer", addr: hs.URL, root: "root", stop: hs.Close}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

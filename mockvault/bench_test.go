package mockvault_test

import (
	"fmt"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/mockvault"
	"github.com/mockvault/mockvault/testhelpers"
)

// Benchmarks go through the official client over loopback HTTP, as a user's
// test would. Run: go test -run XXX -bench . -benchmem ./mockvault

func BenchmarkServerReady(b *testing.B) {
	for i := 0; i < b.N; i++ {
		srv := mockvault.New(mockvault.Options{})
		hs := httptest.NewServer(srv)
		c, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
		if _, err := c.Sys().Health(); err != nil {
			b.Fatal(err)
		}
		hs.Close()
	}
}

func benchClient(b *testing.B) (*testhelpers.Vault, *api.Client) {
	v := testhelpers.RunT(b)
	return v, v.Client
}

func runBoth(b *testing.B, fn func(c *api.Client) error, c *api.Client) {
	b.Run("serial", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if err := fn(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			cc, _ := c.Clone()
			cc.SetToken(c.Token())
			for pb.Next() {
				if err := fn(cc); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkTokenCreateService(b *testing.B) {
	_, c := benchClient(b)
	runBoth(b, func(c *api.Client) error {
		_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "1h"})
		return err
	}, c)
}

func BenchmarkTokenCreateBatch(b *testing.B) {
	_, c := benchClient(b)
	runBoth(b, func(c *api.Client) error {
		_, err := c.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"default"}, TTL: "1h"})
		return err
	}, c)
}

func BenchmarkTokenLookup(b *testing.B) {
	_, c := benchClient(b)
	s, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		b.Fatal(err)
	}
	runBoth(b, func(c *api.Client) error {
		_, err := c.Auth().Token().Lookup(s.Auth.ClientToken)
		return err
	}, c)
}

func BenchmarkTokenRenew(b *testing.B) {
	_, c := benchClient(b)
	s, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, Period: "1h"})
	if err != nil {
		b.Fatal(err)
	}
	runBoth(b, func(c *api.Client) error {
		_, err := c.Auth().Token().Renew(s.Auth.ClientToken, 0)
		return err
	}, c)
}

// BenchmarkRevokeTree1000 revokes a tree of 1,000 tokens (1 root, 999 children).
func BenchmarkRevokeTree1000(b *testing.B) {
	v, c := benchClient(b)
	_ = v.Server.SetPolicy("creator", `path "auth/token/create" { capabilities = ["update"] }`)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		p, err := c.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"creator"}})
		if err != nil {
			b.Fatal(err)
		}
		pc, _ := c.Clone()
		pc.SetToken(p.Auth.ClientToken)
		for j := 0; j < 999; j++ {
			if _, err := pc.Auth().Token().Create(&api.TokenCreateRequest{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if err := c.Auth().Token().RevokeTree(p.Auth.ClientToken); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupWithManyTokens shows lookups do not slow down with store
// size (the store is a hash map): compare the sub-benchmarks.
func BenchmarkLookupWithManyTokens(b *testing.B) {
	for _, n := range []int{1000, 100000, 1000000} {
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			if testing.Short() && n > 1000 {
				b.Skip("short")
			}
			srv := mockvault.New(mockvault.Options{})
			ids := srv.FillTokensForBench(n)
			hs := httptest.NewServer(srv)
			defer hs.Close()
			c, _ := testhelpers.NewClient(hs.URL, srv.RootToken())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := c.Auth().Token().Lookup(ids[i%len(ids)]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMemoryPerToken reports heap bytes per live service token.
func BenchmarkMemoryPerToken(b *testing.B) {
	const n = 100000
	for i := 0; i < b.N; i++ {
		before := heap()
		srv := mockvault.New(mockvault.Options{})
		srv.FillTokensForBench(n)
		after := heap()
		b.ReportMetric(float64(after-before)/n, "B/token")
		runtime.KeepAlive(srv)
	}
}

// BenchmarkMemoryPerServer reports heap bytes per idle server.
func BenchmarkMemoryPerServer(b *testing.B) {
	const n = 1000
	for i := 0; i < b.N; i++ {
		before := heap()
		srvs := make([]*mockvault.Server, n)
		for j := range srvs {
			srvs[j] = mockvault.New(mockvault.Options{})
		}
		after := heap()
		b.ReportMetric(float64(after-before)/n, "B/server")
		b.ReportMetric(float64(after-before)/(1<<20), "MB/1000servers")
		runtime.KeepAlive(srvs)
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

package mockvault

import (
	"crypto/sha256"
	"crypto/x509"
	"sync"
	"time"
)

// Cert logins verify the client's chain on every request, and checking
// its signatures was most of a login's cost. Verification is a pure
// function of the certificates, the usages asked for and the time, and
// the time only counts through each certificate's validity: so a result
// is kept by the certificates' contents and reused while the time is
// inside every one of their validity windows. Parsed PEM bundles are kept
// by their text likewise. Both memos are content-addressed (what one
// server or mount changes cannot reach another's answers) and bounded.

const certMemoMax = 256

type verifyMemoEntry struct {
	chains     [][]*x509.Certificate
	err        error
	from, till time.Time // the window every certificate involved is valid in
}

var (
	certMemoMu sync.Mutex
	verifyMemo = map[[32]byte]verifyMemoEntry{}
	pemMemo    = map[string][]*x509.Certificate{}
)

// verifyChains is client.Verify(opts) with opts' roots and intermediates
// given as lists (a CertPool cannot be listed), memoised.
func verifyChains(client *x509.Certificate, roots, inters []*x509.Certificate, usages []x509.ExtKeyUsage, now time.Time) ([][]*x509.Certificate, error) {
	h := sha256.New()
	from, till := client.NotBefore, client.NotAfter
	add := func(tag byte, cs []*x509.Certificate) {
		for _, c := range cs {
			var n [9]byte
			n[0] = tag
			l := len(c.Raw)
			for i := 1; i < 9; i++ {
				n[i] = byte(l >> (8 * (i - 1)))
			}
			h.Write(n[:])
			h.Write(c.Raw)
			if c.NotBefore.After(from) {
				from = c.NotBefore
			}
			if c.NotAfter.Before(till) {
				till = c.NotAfter
			}
		}
	}
	add('c', []*x509.Certificate{client})
	add('r', roots)
	add('i', inters)
	for _, u := range usages {
		h.Write([]byte{'u', byte(u)})
	}
	var key [32]byte
	h.Sum(key[:0])
	inWindow := !now.Before(from) && !now.After(till)
	if inWindow {
		certMemoMu.Lock()
		e, ok := verifyMemo[key]
		certMemoMu.Unlock()
		if ok {
			return e.chains, e.err
		}
	}
	opts := x509.VerifyOptions{Roots: x509.NewCertPool(), Intermediates: x509.NewCertPool(), KeyUsages: usages, CurrentTime: now}
	for _, c := range roots {
		opts.Roots.AddCert(c)
	}
	for _, c := range inters {
		opts.Intermediates.AddCert(c)
	}
	chains, err := client.Verify(opts)
	if inWindow {
		certMemoMu.Lock()
		if len(verifyMemo) >= certMemoMax {
			clear(verifyMemo)
		}
		verifyMemo[key] = verifyMemoEntry{chains: chains, err: err, from: from, till: till}
		certMemoMu.Unlock()
	}
	return chains, err
}

// parseCertsPEMMemo is parseCertsPEM, memoised by the text. The
// certificates returned are shared: callers only read them.
func parseCertsPEMMemo(text string) []*x509.Certificate {
	certMemoMu.Lock()
	cs, ok := pemMemo[text]
	certMemoMu.Unlock()
	if ok {
		return cs
	}
	cs = parseCertsPEM([]byte(text))
	certMemoMu.Lock()
	if len(pemMemo) >= certMemoMax {
		clear(pemMemo)
	}
	pemMemo[text] = cs
	certMemoMu.Unlock()
	return cs
}

package mockvault

import (
	"crypto/x509"
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
	chains [][]*x509.Certificate
	err    error
}

var (
	verifyMemo = newBoundedMemo[[32]byte, verifyMemoEntry](certMemoMax)
	pemMemo    = newBoundedMemo[string, []*x509.Certificate](certMemoMax)
)

// verifyChains is client.Verify(opts) with opts' roots and intermediates
// given as lists (a CertPool cannot be listed), memoised.
func verifyChains(client *x509.Certificate, roots, inters []*x509.Certificate, usages []x509.ExtKeyUsage, now time.Time) ([][]*x509.Certificate, error) {
	parts := [][]byte{client.Raw}
	from, till := client.NotBefore, client.NotAfter
	for _, g := range []struct {
		tag   string
		certs []*x509.Certificate
	}{{"roots", roots}, {"intermediates", inters}} {
		parts = append(parts, []byte(g.tag))
		for _, c := range g.certs {
			parts = append(parts, c.Raw)
			if c.NotBefore.After(from) {
				from = c.NotBefore
			}
			if c.NotAfter.Before(till) {
				till = c.NotAfter
			}
		}
	}
	parts = append(parts, []byte("usages"))
	for _, u := range usages {
		parts = append(parts, []byte{byte(u)})
	}
	key := contentKey(parts...)
	inWindow := !now.Before(from) && !now.After(till)
	if e, ok := verifyMemo.get(key); ok && inWindow {
		return e.chains, e.err
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
		verifyMemo.put(key, verifyMemoEntry{chains: chains, err: err})
	}
	return chains, err
}

// parseCertsPEMMemo is parseCertsPEM, memoised by the text. The
// certificates returned are shared: callers only read them.
func parseCertsPEMMemo(text string) []*x509.Certificate {
	if cs, ok := pemMemo.get(text); ok {
		return cs
	}
	cs := parseCertsPEM([]byte(text))
	pemMemo.put(text, cs)
	return cs
}

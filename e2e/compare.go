package e2e

import "github.com/mockvault/mockvault/conform"

// The comparison itself lives in package conform (shared with `mockvault
// verify`); these adapt it to the suite's steps and exchanges.

// CompareOptions tune the differential comparison.
type CompareOptions = conform.Options

// DefaultCompareOptions allow 5 seconds of TTL drift.
var DefaultCompareOptions = conform.DefaultOptions

// Compare lists the differences between the reference answer a and b
// under st's masks (see conform.Compare).
func Compare(a, b Exchange, st Step, opt CompareOptions) []string {
	return conform.Compare(a.Answer, b.Answer, st.rules(), opt)
}

// Normalize returns the body as compared (see conform.Normalize).
func Normalize(ex Exchange, st Step) any { return conform.Normalize(ex.Answer, st.rules()) }

func (st Step) rules() conform.Rules {
	return conform.Rules{Masked: st.Masked, Ignored: st.Ignored, Unordered: st.UnorderedLists, CertPaths: st.CertPaths, RawFacts: st.RawFacts}
}

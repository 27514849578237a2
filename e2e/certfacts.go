package e2e

// Certificates, keys, CSRs and CRLs are compared by their facts
// (conform.PEMFacts), not their bytes.

// Certs compares the values at paths (dotted, "*" allowed) by their
// certificate facts.
func (s Step) Certs(paths ...string) Step {
	s.CertPaths = append(append([]string(nil), s.CertPaths...), paths...)
	return s
}

// RawCert compares a non-JSON body (a DER or PEM certificate, chain or CRL)
// by its facts.
func (s Step) RawCert() Step { s.RawFacts = true; return s }

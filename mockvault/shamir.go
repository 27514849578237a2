package mockvault

import (
	"crypto/rand"
	"errors"
)

// Shamir's secret sharing over GF(2^8), as the unseal keys of a rekeyed
// server are split: each share is the secret's length plus one byte, its
// x coordinate, at the end (Vault's layout).

// gfMul multiplies in GF(2^8) with the AES polynomial.
func gfMul(a, b byte) byte {
	var p byte
	for b > 0 {
		if b&1 == 1 {
			p ^= a
		}
		hi := a & 0x80
		a <<= 1
		if hi != 0 {
			a ^= 0x1b
		}
		b >>= 1
	}
	return p
}

// gfInv is a's multiplicative inverse (a^254).
func gfInv(a byte) byte {
	r := byte(1)
	for i := 0; i < 254; i++ {
		r = gfMul(r, a)
	}
	return r
}

// shamirSplit splits secret into n shares, any t of which recombine it.
func shamirSplit(secret []byte, n, t int) ([][]byte, error) {
	if t < 1 || n < t || n > 255 {
		return nil, errors.New("invalid share counts")
	}
	shares := make([][]byte, n)
	for i := range shares {
		shares[i] = make([]byte, len(secret)+1)
		shares[i][len(secret)] = byte(i + 1)
	}
	coef := make([]byte, t)
	for j, s := range secret {
		coef[0] = s
		if _, err := rand.Read(coef[1:]); err != nil {
			return nil, err
		}
		for i := range shares {
			x, y := byte(i+1), byte(0)
			for k := t - 1; k >= 0; k-- { // Horner
				y = gfMul(y, x) ^ coef[k]
			}
			shares[i][j] = y
		}
	}
	return shares, nil
}

// shamirCombine recovers the secret from shares (Lagrange at x = 0).
func shamirCombine(shares [][]byte) ([]byte, error) {
	if len(shares) < 2 {
		return nil, errors.New("less than two parts cannot be used to reconstruct the secret")
	}
	l := len(shares[0])
	seen := map[byte]bool{}
	for _, s := range shares {
		if len(s) != l || l < 2 {
			return nil, errors.New("all parts must be the same length")
		}
		if seen[s[l-1]] {
			return nil, errors.New("duplicate part detected")
		}
		seen[s[l-1]] = true
	}
	out := make([]byte, l-1)
	for i, si := range shares {
		xi := si[l-1]
		basis := byte(1)
		for j, sj := range shares {
			if i != j {
				xj := sj[l-1]
				basis = gfMul(basis, gfMul(xj, gfInv(xj^xi)))
			}
		}
		for b := range out {
			out[b] ^= gfMul(si[b], basis)
		}
	}
	return out, nil
}

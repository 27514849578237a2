package mockvault

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

const batchPrefix = "hvb."

// batchClaims is what a batch token carries: everything Vault needs to
// serve it without storage.
type batchClaims struct {
	Parent      string            `json:"p,omitempty"`
	Orphan      bool              `json:"o,omitempty"`
	Policies    []string          `json:"pol"`
	Meta        map[string]string `json:"m,omitempty"`
	DisplayName string            `json:"dn,omitempty"`
	Path        string            `json:"path"`
	Role        string            `json:"r,omitempty"`
	Created     int64             `json:"c"`  // unix nanoseconds
	TTL         int64             `json:"t"`  // seconds
	Expire      int64             `json:"e"`  // unix nanoseconds
	Mount       string            `json:"am"` // issuing auth mount
	EntityID    string            `json:"eid,omitempty"`
	BoundCIDRs  []string          `json:"cidr,omitempty"`
}

// sealBatch encodes te as a batch token id, authenticated with the
// server's key (AES-256-GCM), so a modified or foreign token is rejected.
func sealBatch(key []byte, te *tokenEntry) (string, error) {
	c := batchClaims{
		Parent: te.Parent, Orphan: te.orphan, Policies: te.Policies, Meta: te.Meta,
		DisplayName: te.DisplayName, Path: te.Path, Role: te.Role,
		Created: te.CreationTime.UnixNano(), TTL: int64(te.TTL / time.Second),
		Mount: te.authMount, EntityID: te.EntityID, BoundCIDRs: te.BoundCIDRs,
	}
	if !te.ExpireTime.IsZero() {
		c.Expire = te.ExpireTime.UnixNano()
	}
	plain, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	// Pad the JSON so the sealed blob is a whole number of base64 quanta,
	// as Vault's are: then data appended to a token still decodes, and is
	// refused as an invalid token rather than as bad base64.
	for (aead.NonceSize()+len(plain)+aead.Overhead())%3 != 0 {
		plain = append(plain, ' ')
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := aead.Seal(nonce, nonce, plain, []byte(batchPrefix))
	return batchPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

var errBadBatch = errors.New("invalid batch token")

// batchDecodeError is a batch token that is not even base64.
type batchDecodeError struct{ err error }

func (e *batchDecodeError) Error() string { return e.err.Error() }

// openBatch authenticates and decodes a batch token id.
func openBatch(key []byte, id string) (*tokenEntry, error) {
	if !strings.HasPrefix(id, batchPrefix) {
		return nil, errBadBatch
	}
	payload := id[len(batchPrefix):]
	// Like Vault, drop a ".<namespace id>" suffix before decoding.
	if i := strings.LastIndexByte(payload, '.'); i >= 0 {
		payload = payload[:i]
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		// Vault reports undecodable batch tokens with the decoder's text.
		return nil, &batchDecodeError{err}
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, errBadBatch
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(batchPrefix))
	if err != nil {
		return nil, errBadBatch
	}
	var c batchClaims
	if err := json.Unmarshal(plain, &c); err != nil {
		return nil, errBadBatch
	}
	te := &tokenEntry{
		ID: id, Parent: c.Parent, orphan: c.Orphan, Policies: c.Policies, Meta: c.Meta,
		DisplayName: c.DisplayName, Path: c.Path, Role: c.Role, Type: tokenTypeBatch,
		CreationTime: time.Unix(0, c.Created).UTC(), TTL: time.Duration(c.TTL) * time.Second,
		authMount: c.Mount, EntityID: c.EntityID, BoundCIDRs: c.BoundCIDRs,
	}
	if c.Expire != 0 {
		te.ExpireTime = time.Unix(0, c.Expire).UTC()
	}
	return te, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

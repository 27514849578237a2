package mockvault

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"sort"
	"strings"
	"sync/atomic"
	"time"
)

const batchPrefix = "hvb."

// A batch token is "hvb." + base64url (unpadded) of what Vault's barrier
// makes of a protobuf TokenEntry: a 4-byte key term (1, one more after
// each sys/rotate) and a format
// version byte (2), a 12-byte nonce, then the AES-GCM ciphertext and its
// 16-byte tag. The TokenEntry holds what Vault puts in it, with Vault's
// field numbers and values (the parent's stored id, creation time in unix
// seconds, TTL in nanoseconds, namespace "root", type 2), so a batch token
// of the mock is exactly as long as Vault's for the same token. What the
// mock needs beyond that is derived: the expiry from creation time and
// TTL, orphan from the parent, the issuing mount from the path (auth.go).

// batchHeader is the barrier header of key term term (format version 2).
func batchHeader(term int) []byte {
	h := make([]byte, 5)
	binary.BigEndian.PutUint32(h, uint32(term))
	h[4] = 2
	return h
}

// TokenEntry field numbers (Vault's sdk/plugin/pb) and values.
const (
	batchFieldParent       = 3
	batchFieldPolicies     = 4
	batchFieldPath         = 5
	batchFieldMeta         = 6
	batchFieldDisplayName  = 7
	batchFieldCreationTime = 9
	batchFieldTTL          = 10
	batchFieldRole         = 12
	batchFieldEntityID     = 14
	batchFieldBoundCIDRs   = 15
	batchFieldNamespaceID  = 16
	batchFieldType         = 18

	rootNamespaceID = "root"
	batchTokenType  = 2 // logical.TokenTypeBatch
)

// marshalBatch lays te out as Vault's TokenEntry protobuf. parent is the
// parent's stored id.
func marshalBatch(te *tokenEntry, parent string) []byte {
	var b []byte
	b = appendStringField(b, batchFieldParent, parent)
	for _, p := range te.Policies {
		b = appendBytesField(b, batchFieldPolicies, []byte(p), true)
	}
	b = appendStringField(b, batchFieldPath, te.Path)
	keys := make([]string, 0, len(te.Meta))
	for k := range te.Meta {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		e := appendBytesField(nil, 1, []byte(k), true)
		e = appendBytesField(e, 2, []byte(te.Meta[k]), true)
		b = appendBytesField(b, batchFieldMeta, e, true)
	}
	b = appendStringField(b, batchFieldDisplayName, te.DisplayName)
	b = appendVarintField(b, batchFieldCreationTime, uint64(te.CreationTime.Unix()))
	b = appendVarintField(b, batchFieldTTL, uint64(te.TTL))
	b = appendStringField(b, batchFieldRole, te.Role)
	b = appendStringField(b, batchFieldEntityID, te.EntityID)
	for _, c := range te.BoundCIDRs {
		b = appendBytesField(b, batchFieldBoundCIDRs, []byte(c), true)
	}
	b = appendStringField(b, batchFieldNamespaceID, rootNamespaceID)
	b = appendVarintField(b, batchFieldType, batchTokenType)
	return b
}

// unmarshalBatch reads marshalBatch's layout back.
func unmarshalBatch(plain []byte) (*tokenEntry, error) {
	fields, ok := readProto(plain)
	if !ok {
		return nil, errBadBatch
	}
	te := &tokenEntry{Type: tokenTypeBatch}
	var created int64
	for _, f := range fields {
		str := string(f.bytes)
		switch f.num {
		case batchFieldParent:
			te.Parent = str
		case batchFieldPolicies:
			te.Policies = append(te.Policies, str)
		case batchFieldPath:
			te.Path = str
		case batchFieldMeta:
			kv, ok := readProto(f.bytes)
			if !ok {
				return nil, errBadBatch
			}
			var k, v string
			for _, e := range kv {
				switch e.num {
				case 1:
					k = string(e.bytes)
				case 2:
					v = string(e.bytes)
				}
			}
			if te.Meta == nil {
				te.Meta = map[string]string{}
			}
			te.Meta[k] = v
		case batchFieldDisplayName:
			te.DisplayName = str
		case batchFieldCreationTime:
			created = int64(f.varint)
		case batchFieldTTL:
			te.TTL = time.Duration(f.varint)
		case batchFieldRole:
			te.Role = str
		case batchFieldEntityID:
			te.EntityID = str
		case batchFieldBoundCIDRs:
			te.BoundCIDRs = append(te.BoundCIDRs, str)
		case batchFieldNamespaceID, batchFieldType:
		default:
			return nil, errBadBatch
		}
	}
	te.CreationTime = time.Unix(created, 0).UTC()
	if te.TTL > 0 {
		te.ExpireTime = te.CreationTime.Add(te.TTL)
	}
	te.orphan = te.Parent == ""
	return te, nil
}

// sealBatch encodes te as a batch token id, authenticated with the
// server's key (AES-256-GCM), so a modified or foreign token is rejected.
func sealBatch(key []byte, term int, te *tokenEntry) (string, error) {
	// A batch token names its parent by the parent's stored id.
	parent := te.Parent
	if inner, ok := sscInner(sscKey(key), parent); ok {
		parent = inner
	}
	plain := marshalBatch(te, parent)
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	header := batchHeader(term)
	sealed := append(append(append([]byte(nil), header...), nonce...), aead.Seal(nil, nonce, plain, header)...)
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
	// Any key term opens: the keyring keeps the terms before a rotation.
	const h = 5
	if len(raw) < h+aead.NonceSize()+aead.Overhead() || raw[4] != 2 || binary.BigEndian.Uint32(raw[:4]) == 0 {
		return nil, errBadBatch
	}
	plain, err := aead.Open(nil, raw[h:h+aead.NonceSize()], raw[h+aead.NonceSize():], raw[:h])
	if err != nil {
		return nil, errBadBatch
	}
	te, err := unmarshalBatch(plain)
	if err != nil {
		return nil, err
	}
	te.ID = id
	return te, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	k := batchKeysOf(key)
	return k.aead, k.aeadErr
}

// batchKeys is what a server's batch key gives: the AEAD of its batch
// tokens and the HMAC key of its signed service tokens (sscKey).
type batchKeys struct {
	key     []byte
	aead    cipher.AEAD // safe for concurrent use
	aeadErr error
	ssc     []byte
}

// lastBatchKeys is what the last key asked about gives: every token a
// server makes or reads uses its one key, and setting up AES-GCM and the
// HMAC key each time was a good part of the cost.
var lastBatchKeys atomic.Pointer[batchKeys]

func batchKeysOf(key []byte) *batchKeys {
	if k := lastBatchKeys.Load(); k != nil && string(k.key) == string(key) {
		return k
	}
	k := &batchKeys{key: bytes.Clone(key)}
	block, err := aes.NewCipher(key)
	if err == nil {
		k.aead, err = cipher.NewGCM(block)
	}
	k.aeadErr = err
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("mockvault-ssc-token-hmac"))
	k.ssc = mac.Sum(nil)
	lastBatchKeys.Store(k)
	return k
}

package mockvault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sort"
	"strings"
	"time"
)

const (
	tokenTypeService = "service"
	tokenTypeBatch   = "batch"
)

// tokenEntry is a token as the token store knows it. Batch tokens are never
// stored: they are rebuilt from the sealed token string on every request.
type tokenEntry struct {
	ID             string
	Accessor       string
	Parent         string // parent's id; "" for orphans
	Policies       []string
	Meta           map[string]string
	DisplayName    string
	NumUses        int
	Path           string
	Type           string
	Role           string
	CreationTime   time.Time
	TTL            time.Duration // TTL at creation (creation_ttl)
	ExplicitMaxTTL time.Duration
	Period         time.Duration
	Renewable      bool
	ExpireTime     time.Time // zero: never expires
	LastRenewal    time.Time
	BoundCIDRs     []string
	EntityID       string
	NoDefault      bool
	// orphan is kept apart from Parent for batch tokens, whose parent may
	// be recorded while they are still orphans (Vault's no_parent rules).
	orphan bool
	// noLease marks a token made without a lease (generate-root's root
	// token, Vault's tokenStore.rootToken): its lookup has no issue_time
	// and no renewable.
	noLease bool
	// authMount is the auth mount that issued the token ("auth/token/",
	// "auth/approle/"…); disabling the mount revokes its tokens.
	authMount string
	// maxTTL is the mount max TTL in force at creation: renewals never go
	// past CreationTime+maxTTL.
	maxTTL time.Duration
	// leaseTTL is the TTL of the current lease: the creation TTL, then the
	// last renewal's. A renew without increment reapplies it.
	leaseTTL time.Duration
	// expAt and expIdx place a stored token in its store's expiry queue:
	// the expire time it is queued at and its index there plus one (0:
	// not queued). Whoever changes ExpireTime on a stored token requeues
	// it (tokenStore.queue; a renewal does, in noteRenewed).
	expAt  time.Time
	expIdx int
}

func (te *tokenEntry) isRoot() bool {
	for _, p := range te.Policies {
		if p == "root" {
			return true
		}
	}
	return false
}

func (te *tokenEntry) isOrphan() bool {
	if te.Type == tokenTypeBatch {
		return te.orphan
	}
	return te.Parent == ""
}

// expired reports whether the token's lease has run out at now.
func (te *tokenEntry) expired(now time.Time) bool {
	return !te.ExpireTime.IsZero() && !now.Before(te.ExpireTime)
}

// ttlAt is the live TTL in whole seconds (0 for tokens that never expire).
func (te *tokenEntry) ttlAt(now time.Time) int {
	if te.ExpireTime.IsZero() {
		return 0
	}
	d := te.ExpireTime.Sub(now)
	if d < 0 {
		return 0
	}
	return int(d.Round(time.Second) / time.Second)
}

// Service token ids. Vault (1.10 and later) stores a service token under
// "hvs." + 24 base62 characters, but hands out a "server side consistent"
// token: "hvs." + base64url (unpadded) of a protobuf SignedToken
// {token_version: 1, hmac: HMAC-SHA256(key, token), token: protobuf Token
// {random: the stored id}}, 95 characters in all (Vault adds a WAL index
// and epoch to Token only where it has them: never on a dev server). Root
// tokens (policies exactly "root") and custom ids are handed out as
// stored. The mock signs with its own key and keeps tokens under the id
// the client sees; the stored id still works as a token, as in Vault, and
// is what a batch token records as its parent.
const (
	serviceTokenPrefix = "hvs."
	tokenRandomLength  = 24
)

// sscKey is the key service tokens are signed with, derived from the
// server's batch key (so it lives as long as the batch tokens do).
func sscKey(batchKey []byte) []byte { return batchKeysOf(batchKey).ssc }

// newServiceTokenID draws a stored service token id.
func newServiceTokenID() string { return serviceTokenPrefix + randomBase62(tokenRandomLength) }

// isStoredServiceID reports whether id has the form of a stored id.
func isStoredServiceID(id string) bool {
	if len(id) != len(serviceTokenPrefix)+tokenRandomLength || !strings.HasPrefix(id, serviceTokenPrefix) {
		return false
	}
	for i := len(serviceTokenPrefix); i < len(id); i++ {
		if !strings.ContainsRune(base62, rune(id[i])) {
			return false
		}
	}
	return true
}

// signServiceToken is the token handed out for the stored id inner.
func signServiceToken(key []byte, inner string) string {
	tok := appendStringField(nil, 1, inner)
	mac := hmac.New(sha256.New, key)
	mac.Write(tok)
	st := appendVarintField(nil, 1, 1)
	st = appendBytesField(st, 2, mac.Sum(nil), false)
	st = appendBytesField(st, 3, tok, false)
	return serviceTokenPrefix + base64.RawURLEncoding.EncodeToString(st)
}

// sscInner returns the stored id inside a signed service token whose
// signature holds.
func sscInner(key []byte, id string) (string, bool) {
	if !strings.HasPrefix(id, serviceTokenPrefix) || len(id) <= len(serviceTokenPrefix)+tokenRandomLength+6 {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(id[len(serviceTokenPrefix):])
	if err != nil {
		return "", false
	}
	fields, ok := readProto(raw)
	if !ok {
		return "", false
	}
	var sum, tok []byte
	for _, f := range fields {
		switch {
		case f.num == 2 && f.wire == wireBytes:
			sum = f.bytes
		case f.num == 3 && f.wire == wireBytes:
			tok = f.bytes
		}
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(tok)
	if tok == nil || !hmac.Equal(sum, mac.Sum(nil)) {
		return "", false
	}
	inner, ok := readProto(tok)
	if !ok {
		return "", false
	}
	for _, f := range inner {
		if f.num == 1 && f.wire == wireBytes {
			return string(f.bytes), true
		}
	}
	return "", false
}

type tokenKey [32]byte

// keyOf hashes a token id: the store never indexes tokens by their secret.
func keyOf(id string) tokenKey { return sha256.Sum256([]byte(id)) }

// tokenStore holds service tokens, their accessors and the parent tree.
type tokenStore struct {
	byID       map[tokenKey]*tokenEntry
	byAccessor map[string]*tokenEntry
	children   map[tokenKey]map[tokenKey]struct{}
	// exp is a min-heap of the stored tokens that expire, by expAt: the
	// server revokes what is due as requests come (Server.expireTokens),
	// so an expired token is freed whether or not anyone touches it.
	exp []*tokenEntry
	// peak is the most tokens held since the maps were last built;
	// rebuilt tells the server that shrink rebuilt them (it then rebuilds
	// the cubbyholes too).
	peak    int
	rebuilt bool
}

// shrinkMin: stores that never held this many tokens are not rebuilt.
const shrinkMin = 4096

func newTokenStore() *tokenStore {
	return &tokenStore{
		byID:       map[tokenKey]*tokenEntry{},
		byAccessor: map[string]*tokenEntry{},
		children:   map[tokenKey]map[tokenKey]struct{}{},
	}
}

func (ts *tokenStore) insert(te *tokenEntry) {
	k := keyOf(te.ID)
	if old := ts.byID[k]; old != nil && old != te {
		ts.unqueue(old)
	}
	ts.byID[k] = te
	ts.peak = max(ts.peak, len(ts.byID))
	te.expIdx = 0 // a copy of another store's entry is not in this queue
	ts.queue(te)
	if te.Accessor != "" {
		ts.byAccessor[te.Accessor] = te
	}
	if te.Parent != "" {
		pk := keyOf(te.Parent)
		if ts.children[pk] == nil {
			ts.children[pk] = map[tokenKey]struct{}{}
		}
		ts.children[pk][k] = struct{}{}
	}
}

func (ts *tokenStore) get(id string) *tokenEntry { return ts.byID[keyOf(id)] }

func (ts *tokenStore) getByAccessor(acc string) *tokenEntry { return ts.byAccessor[acc] }

// remove deletes one token, leaving its children in place.
func (ts *tokenStore) remove(te *tokenEntry) {
	k := keyOf(te.ID)
	if stored := ts.byID[k]; stored != nil {
		ts.unqueue(stored)
	}
	delete(ts.byID, k)
	if te.Accessor != "" {
		delete(ts.byAccessor, te.Accessor)
	}
	if te.Parent != "" {
		pk := keyOf(te.Parent)
		delete(ts.children[pk], k)
		if len(ts.children[pk]) == 0 {
			delete(ts.children, pk)
		}
	}
	ts.shrink()
}

// shrink rebuilds the maps once seven eighths of the most they held are
// gone. Go never gives back a map's table, so 50,000 expired wrapping
// tokens left 7 MB behind, and each further wave a little more. The copy
// costs at most a seventh of the removals since the last one.
func (ts *tokenStore) shrink() {
	n := len(ts.byID)
	if ts.peak < shrinkMin || n > ts.peak/8 {
		return
	}
	ts.byID = rebuildMap(ts.byID)
	ts.byAccessor = rebuildMap(ts.byAccessor)
	ts.children = rebuildMap(ts.children)
	ts.peak, ts.rebuilt = n, true
}

// rebuildMap copies m into a map sized for what it holds now (maps.Clone
// would keep m's table size).
func rebuildMap[K comparable, V any](m map[K]V) map[K]V {
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// revokeTree removes a token and all its descendants and returns the
// removed entries (for cubbyhole cleanup).
func (ts *tokenStore) revokeTree(te *tokenEntry) []*tokenEntry {
	var out []*tokenEntry
	stack := []*tokenEntry{te}
	for len(stack) > 0 {
		cur := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for ck := range ts.children[keyOf(cur.ID)] {
			if c := ts.byID[ck]; c != nil {
				stack = append(stack, c)
			}
		}
		delete(ts.children, keyOf(cur.ID))
		ts.remove(cur)
		out = append(out, cur)
	}
	return out
}

// orphanChildren detaches the direct children of te (revoke-orphan).
func (ts *tokenStore) orphanChildren(te *tokenEntry) {
	pk := keyOf(te.ID)
	for ck := range ts.children[pk] {
		if c := ts.byID[ck]; c != nil {
			c.Parent = ""
		}
	}
	delete(ts.children, pk)
}

func (ts *tokenStore) accessors() []string {
	out := make([]string, 0, len(ts.byAccessor))
	for a := range ts.byAccessor {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func (ts *tokenStore) all() []*tokenEntry {
	out := make([]*tokenEntry, 0, len(ts.byID))
	for _, te := range ts.byID {
		out = append(out, te)
	}
	return out
}

// queue puts te in the expiry queue at its expire time, or moves it there
// (a renewal); a token that never expires leaves the queue.
func (ts *tokenStore) queue(te *tokenEntry) {
	if te.ExpireTime.IsZero() {
		ts.unqueue(te)
		return
	}
	te.expAt = te.ExpireTime
	if te.expIdx == 0 {
		ts.exp = append(ts.exp, te)
		te.expIdx = len(ts.exp)
		ts.expUp(len(ts.exp) - 1)
		return
	}
	ts.expUp(te.expIdx - 1)
	ts.expDown(te.expIdx - 1)
}

// unqueue takes te out of the expiry queue, if it is there.
func (ts *tokenStore) unqueue(te *tokenEntry) {
	if te.expIdx == 0 || te.expIdx > len(ts.exp) || ts.exp[te.expIdx-1] != te {
		te.expIdx = 0
		return
	}
	i, last := te.expIdx-1, len(ts.exp)-1
	ts.expSwap(i, last)
	ts.exp[last] = nil
	ts.exp = ts.exp[:last]
	te.expIdx = 0
	if i < last {
		ts.expDown(i)
		ts.expUp(i)
	}
	if cap(ts.exp) > 64 && len(ts.exp) < cap(ts.exp)/4 {
		ts.exp = append([]*tokenEntry(nil), ts.exp...) // give back a drained queue
	}
}

// nextExpiry is the first token due in the queue, or nil.
func (ts *tokenStore) nextExpiry() *tokenEntry {
	if len(ts.exp) == 0 {
		return nil
	}
	return ts.exp[0]
}

func (ts *tokenStore) expSwap(i, j int) {
	ts.exp[i], ts.exp[j] = ts.exp[j], ts.exp[i]
	ts.exp[i].expIdx, ts.exp[j].expIdx = i+1, j+1
}

func (ts *tokenStore) expUp(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !ts.exp[i].expAt.Before(ts.exp[p].expAt) {
			return
		}
		ts.expSwap(i, p)
		i = p
	}
}

func (ts *tokenStore) expDown(i int) {
	n := len(ts.exp)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && ts.exp[r].expAt.Before(ts.exp[l].expAt) {
			m = r
		}
		if !ts.exp[m].expAt.Before(ts.exp[i].expAt) {
			return
		}
		ts.expSwap(i, m)
		i = m
	}
}

// clientIDOf is Vault's TokenEntry.CreateClientID: the entity, or for a
// token without one the base64 SHA-256 of its sorted policies and
// namespace.
func clientIDOf(te *tokenEntry) string {
	if te.EntityID != "" {
		return te.EntityID
	}
	pols := append([]string(nil), te.Policies...)
	sort.Strings(pols)
	var b strings.Builder
	for _, p := range pols {
		b.WriteRune('\x7F')
		b.WriteString(p)
	}
	b.WriteRune('\x00')
	b.WriteString("root")
	sum := sha256.Sum256([]byte(b.String()[1:]))
	return base64.StdEncoding.EncodeToString(sum[:])
}

package mockvault

import (
	"crypto/sha256"
	"sort"
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
	// authMount is the auth mount that issued the token ("auth/token/",
	// "auth/approle/"…); disabling the mount revokes its tokens.
	authMount string
	// maxTTL is the mount max TTL in force at creation: renewals never go
	// past CreationTime+maxTTL.
	maxTTL time.Duration
	// leaseTTL is the TTL of the current lease: the creation TTL, then the
	// last renewal's. A renew without increment reapplies it.
	leaseTTL time.Duration
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

type tokenKey [32]byte

// keyOf hashes a token id: the store never indexes tokens by their secret.
func keyOf(id string) tokenKey { return sha256.Sum256([]byte(id)) }

// tokenStore holds service tokens, their accessors and the parent tree.
type tokenStore struct {
	byID       map[tokenKey]*tokenEntry
	byAccessor map[string]*tokenEntry
	children   map[tokenKey]map[tokenKey]struct{}
}

func newTokenStore() *tokenStore {
	return &tokenStore{
		byID:       map[tokenKey]*tokenEntry{},
		byAccessor: map[string]*tokenEntry{},
		children:   map[tokenKey]map[tokenKey]struct{}{},
	}
}

func (ts *tokenStore) insert(te *tokenEntry) {
	k := keyOf(te.ID)
	ts.byID[k] = te
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

package mockvault

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// boundedMemo keeps answers of a pure function across requests and
// servers, at most max of them: when full it forgets them all at once
// (inputs that never repeat cost one map reset, not a growing heap). Safe
// for concurrent use.
type boundedMemo[K comparable, V any] struct {
	mu  sync.RWMutex
	m   map[K]V
	max int
}

func newBoundedMemo[K comparable, V any](max int) *boundedMemo[K, V] {
	return &boundedMemo[K, V]{max: max}
}

func (b *boundedMemo[K, V]) get(k K) (V, bool) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	v, ok := b.m[k]
	return v, ok
}

func (b *boundedMemo[K, V]) put(k K, v V) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil || len(b.m) >= b.max {
		b.m = make(map[K]V)
	}
	b.m[k] = v
}

func (b *boundedMemo[K, V]) len() int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.m)
}

// contentKey is a memo key naming a sequence of byte strings: the SHA-256
// of each part's length and bytes in turn, so no two sequences share one.
func contentKey(parts ...[]byte) [32]byte {
	h := sha256.New()
	for _, p := range parts {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

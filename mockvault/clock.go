package mockvault

import (
	"sync"
	"time"
)

// Clock is where the server reads time from. Every TTL, expiry and
// timestamp the server produces comes from its Clock, never from time.Now.
type Clock interface {
	Now() time.Time
}

// ManualClock is a Clock that only moves when told to. It is the default for
// an in-process server, so a test decides when a 15m token expires.
type ManualClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d (negative d is ignored: time in a
// Vault server never runs backwards).
func (c *ManualClock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Set jumps the clock to t.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// RealClock follows the wall clock. The standalone server uses it by default.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

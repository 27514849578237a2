package mockvault

import (
	"fmt"
	"sync"
	"time"
)

// Clock is where the server reads time from. Every TTL, expiry and
// timestamp the server produces comes from its Clock, never from time.Now.
type Clock interface {
	Now() time.Time
}

// ManualClock is a Clock that tests control. It comes in two kinds:
//
//   - NewManualClock(t): a stopped clock. It only moves when told to
//     (Advance, Set), so a test decides when a 15m token expires. It is
//     the default of testhelpers.RunT and RunInMemory outside a
//     testing/synctest bubble, and of New (even inside a bubble: there,
//     pass Options{Clock: NewBubbleClock()}).
//   - NewBubbleClock(): a clock that follows time.Now(), which inside a
//     testing/synctest bubble is the bubble's fake clock. The server's
//     TTLs and the client's timers (api.LifetimeWatcher, retry back-off,
//     re-login loops) then run on one clock, and production TTLs play out
//     in milliseconds. It is the default of testhelpers.RunInMemory inside
//     a bubble.
//
// Either kind never runs backwards: Advance ignores a negative duration
// and Set panics rather than move time back (a Vault server's time, and
// every TTL computed from it, only goes forward).
//
// The methods of a nil *ManualClock panic with a message saying why:
// testhelpers.Vault.Clock is nil when Options.Clock is not a ManualClock.
type ManualClock struct {
	mu sync.Mutex
	// t is a stopped clock's time; for a following clock, the latest time
	// Now returned (so it never goes back, even if the wall clock does).
	t time.Time
	// follow makes Now read time.Now() plus off.
	follow bool
	off    time.Duration
}

// NewManualClock returns a clock stopped at t.
func NewManualClock(t time.Time) *ManualClock { return &ManualClock{t: t} }

// newBubbleClock returns a ManualClock that follows time.Now(): inside a
// testing/synctest bubble that is the bubble's fake clock, which jumps
// ahead whenever every goroutine of the bubble waits. In a bubble, move
// time for everyone with time.Sleep: the server's TTLs and the client's
// timers see the same time. Advance and Set move the server alone ahead
// of the bubble (the client's timers do not fire), as they do on a
// stopped clock.
//
// Use the server from inside the bubble it was made in: the clock reads
// the time of the goroutine that asks, so a goroutine outside the bubble
// sees the wall clock. Outside any bubble it follows the wall clock (plus
// what Advance and Set added).
func newBubbleClock() *ManualClock {
	return &ManualClock{t: time.Now().Round(0).UTC(), follow: true}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mustExist("Now")
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nowLocked()
}

func (c *ManualClock) nowLocked() time.Time {
	if c.follow {
		// Round(0) drops the monotonic reading: times from a stopped
		// clock, a following one and a bubble all compare by wall time.
		if now := time.Now().Round(0).UTC().Add(c.off); now.After(c.t) {
			c.t = now
		}
	}
	return c.t
}

// Advance moves the clock forward by d (negative d is ignored: time in a
// Vault server never runs backwards). On a bubble clock it moves the
// server ahead of the bubble's time; time.Sleep(d) moves both.
func (c *ManualClock) Advance(d time.Duration) {
	c.mustExist("Advance")
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.follow {
		c.off += d
	}
	c.t = c.t.Add(d)
}

// Set jumps the clock to t. It panics if t is before the clock's current
// time: time in a Vault server never runs backwards. (To start over at an
// earlier time, build a new server on a new clock.)
func (c *ManualClock) Set(t time.Time) {
	c.mustExist("Set")
	if err := c.set(t); err != nil {
		panic("mockvault: ManualClock.Set: " + err.Error())
	}
}

// set is Set reporting a backward move as an error.
func (c *ManualClock) set(t time.Time) error {
	t = t.Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.nowLocked()
	if t.Before(now) {
		return fmt.Errorf("%s is before the clock's time %s: a Vault server's time never runs backwards",
			t.UTC().Format(time.RFC3339Nano), now.UTC().Format(time.RFC3339Nano))
	}
	if c.follow {
		c.off += t.Sub(now)
	}
	c.t = t
	return nil
}

func (c *ManualClock) mustExist(method string) {
	if c == nil {
		panic("mockvault: " + method + " on a nil *ManualClock: the server runs on another Clock " +
			"(testhelpers.Vault.Clock is nil when Options.Clock is not a *ManualClock; read the time with Server.Clock().Now())")
	}
}

// RealClock follows the wall clock. The standalone server uses it by default.
// Inside a testing/synctest bubble time.Now() is the bubble's fake clock,
// so RealClock follows the bubble too; NewBubbleClock does the same and can
// also be moved ahead by hand.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// inBubble reports whether the calling goroutine runs inside a
// testing/synctest bubble (synctest.Test).
//
// The check is one time.Now() call: inside a bubble the runtime returns
// the bubble's fake time without a monotonic clock reading (so that fake
// and real times never mix in arithmetic), while outside a bubble
// time.Now() always carries one. A Time's monotonic reading shows in ==,
// and Round(0) strips it, so the time equals its stripped copy exactly in
// a bubble. It starts no goroutine and touches no channel (touching a
// bubble's channel from outside is a fatal error, not a panic, so a probe
// of that kind would crash the test binary).
func inBubble() bool {
	now := time.Now()
	return now == now.Round(0)
}

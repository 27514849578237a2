package mockvault

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func panicText(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg, _ = r.(string)
		}
	}()
	f()
	return ""
}

// A bubble clock follows time.Now (outside a bubble: the wall clock);
// Advance and Set move it ahead, never back.
func TestBubbleClock(t *testing.T) {
	// A bubble clock: Advance and Set move it ahead of the bubble (here, of
	// the wall clock), never back.
	b := newBubbleClock()
	b.Advance(time.Hour)
	if d := b.Now().Sub(time.Now()); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("bubble clock ahead by %v", d)
	}
	if msg := panicText(func() { b.Set(time.Now()) }); !strings.Contains(msg, "never runs backwards") {
		t.Fatalf("bubble Set backwards: %q", msg)
	}
	target := time.Now().Add(48 * time.Hour).UTC()
	b.Set(target)
	if b.Now().Before(target) || b.Now().Sub(target) > time.Minute {
		t.Fatalf("bubble Set: %v, want %v", b.Now(), target)
	}
}

func TestInBubble(t *testing.T) {
	if inBubble() {
		t.Fatal("outside a bubble: true")
	}
	synctest.Test(t, func(t *testing.T) {
		in := make(chan bool)
		go func() { in <- inBubble() }()
		if !inBubble() || !<-in {
			t.Fatal("inside a bubble (or a goroutine started there): false")
		}
	})
}

// New picks the bubble clock by itself inside a bubble.
func TestNewInBubbleFollowsIt(t *testing.T) {
	if c := New(Options{}).Clock().(*ManualClock); c.follow {
		t.Fatal("outside a bubble New's clock follows time.Now")
	}
	synctest.Test(t, func(t *testing.T) {
		s := New(Options{})
		c := s.Clock().(*ManualClock)
		t0 := c.Now()
		time.Sleep(time.Hour)
		if !c.follow || c.Now().Sub(t0) != time.Hour {
			t.Fatalf("in a bubble: follow=%v moved %v", c.follow, c.Now().Sub(t0))
		}
	})
}

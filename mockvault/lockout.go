package mockvault

import "time"

// Vault's user lockout (AppRole and userpass are methods it covers, with
// these defaults): after 5 failed logins for one alias name within the
// counter reset window, every login for it is refused for the lockout
// duration.
const (
	lockoutThreshold    = 5
	lockoutDuration     = 15 * time.Minute
	lockoutCounterReset = 15 * time.Minute
)

type failedLogin struct {
	count int
	last  int64 // unix seconds of the last failure
}

// loginLockouts counts failed logins per alias name of one auth mount.
type loginLockouts map[string]*failedLogin

// locked reports whether logins for name are refused at now.
func (l loginLockouts) locked(name string, now time.Time) bool {
	f := l[name]
	return f != nil && f.count >= lockoutThreshold && now.Unix()-f.last < int64(lockoutDuration/time.Second)
}

// fail counts a failed login (Vault's failedUserLoginProcess).
func (l loginLockouts) fail(name string, now time.Time) {
	f := l[name]
	switch {
	case f == nil:
		f = &failedLogin{count: 1}
	case now.After(time.Unix(f.last, 0).Add(lockoutCounterReset)):
		f.count = 1
	default:
		f.count++
	}
	f.last = now.Unix()
	l[name] = f
}

func (l loginLockouts) clone() loginLockouts {
	out := make(loginLockouts, len(l))
	for k, f := range l {
		cp := *f
		out[k] = &cp
	}
	return out
}

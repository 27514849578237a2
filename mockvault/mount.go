package mockvault

import "time"

// mount is one entry of the mount table (secrets engines and auth methods).
type mount struct {
	path            string // with trailing slash; auth mounts start with "auth/"
	typ             string
	auth            bool
	accessor        string
	uuid            string
	description     string
	local           bool
	sealWrap        bool
	options         map[string]string
	defaultLeaseTTL time.Duration // 0: the system default
	maxLeaseTTL     time.Duration // 0: the system max
	tokenType       string        // auth mounts: default-service, default-batch, service, batch
	// listingVisibility is the tuned listing_visibility: "", "hidden" or
	// "unauth" (shown by sys/internal/ui/mounts to callers with no token).
	listingVisibility string
	// backend is the mount's router. It holds no state of its own (engine
	// state lives in Server.engines), so copies of a mount may share it.
	// A type the mock does not implement gets one that says so.
	backend *backend
}

// clone copies a mount entry for Snapshot/Restore. The options map is
// copied too: copies never share mutable state. (Handlers also replace
// options rather than write to them, see tuneWrite.)
func (m mount) clone() mount {
	if m.options != nil {
		opts := make(map[string]string, len(m.options))
		for k, v := range m.options {
			opts[k] = v
		}
		m.options = opts
	}
	return m
}

// ttls returns the mount's effective default and max lease TTLs.
func (m *mount) ttls() (def, max time.Duration) {
	def, max = systemMaxTTL, systemMaxTTL
	if m != nil && m.defaultLeaseTTL > 0 {
		def = m.defaultLeaseTTL
	}
	if m != nil && m.maxLeaseTTL > 0 {
		max = m.maxLeaseTTL
	}
	if def > max {
		def = max
	}
	return def, max
}

package conform

import "sync"

var (
	maskMu sync.RWMutex
	// maskedKeys are object keys whose values are random per server
	// wherever they appear: only their shape is compared (shape.go).
	// Extend with MaskKeys.
	maskedKeys = map[string]bool{
		"request_id": true, "lease_id": true, "id": true, "accessor": true,
		"client_token": true, "entity_id": true, "creation_time": true,
		"issue_time": true, "expire_time": true, "last_renewal": true,
		"last_renewal_time": true, "server_time_utc": true, "cluster_id": true,
		"cluster_name": true, "uuid": true, "nonce": true,
		"wrapped_accessor": true, "token": true, "build_date": true,
		"role_id": true, "secret_id": true, "secret_id_accessor": true,
		// AppRole secret ids and KV versions carry their own clock values
		"expiration_time": true, "last_updated_time": true, "created_time": true,
		"updated_time": true, "deletion_time": true,
		// timings
		"echo_duration_ms": true, "clock_skew_ms": true, "replication_primary_canary_age_ms": true,
	}
)

// MaskKeys adds object keys whose values are compared by shape only (e.g.
// "secret_id", "role_id"). Call it from init.
func MaskKeys(keys ...string) {
	maskMu.Lock()
	defer maskMu.Unlock()
	for _, k := range keys {
		maskedKeys[k] = true
	}
}

func isMaskedKey(k string) bool {
	maskMu.RLock()
	defer maskMu.RUnlock()
	return maskedKeys[k]
}

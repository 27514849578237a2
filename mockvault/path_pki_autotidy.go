package mockvault

import (
	"time"
)

// config/auto-tidy: the automatic tidy's settings, stored and read back as
// Vault 1.21.1 does. The mock never runs the automatic tidy (no periodic
// function); a manual tidy (path_pki_revoke.go) does the work.

// pkiAutoTidyDefaults are the settings and their defaults (durations in
// seconds).
var pkiAutoTidyDefaults = map[string]any{
	"enabled": false, "interval_duration": 43200, "min_startup_backoff_duration": 300, "max_startup_backoff_duration": 900,
	"tidy_cert_store": false, "tidy_revoked_certs": false, "tidy_revoked_cert_issuer_associations": false,
	"tidy_expired_issuers": false, "tidy_move_legacy_ca_bundle": false, "tidy_acme": false,
	"safety_buffer": 259200, "issuer_safety_buffer": 31536000, "acme_account_safety_buffer": 2592000,
	"pause_duration": "0s", "publish_stored_certificate_count_metrics": false, "maintain_stored_certificate_counts": false,
	"tidy_revocation_queue": false, "revocation_queue_safety_buffer": 172800, "tidy_cross_cluster_revoked_certs": false,
	"tidy_cert_metadata": false, "tidy_cmpv2_nonce_store": false,
}

var pkiAutoTidyFields = func() fields {
	f := fields{}
	for k, v := range pkiAutoTidyDefaults {
		switch v.(type) {
		case bool:
			f[k] = tBool
		case int:
			f[k] = tDuration
		default:
			f[k] = tString
		}
	}
	return f
}()

func (p *pkiState) autoTidyData() map[string]any {
	out := make(map[string]any, len(pkiAutoTidyDefaults))
	for k, v := range pkiAutoTidyDefaults {
		out[k] = v
	}
	for k, v := range p.autoTidy {
		out[k] = v
	}
	return out
}

func (p *pkiState) autoTidyRead(req *request, d *fieldData) (*response, error) {
	return dataResp(p.autoTidyData()), nil
}

// autoTidyWrite is pathConfigAutoTidyWrite: the fields sent change, the
// rest stay; Vault's checks and texts.
func (p *pkiState) autoTidyWrite(req *request, d *fieldData) (*response, error) {
	cfg := p.autoTidyData()
	for k := range pkiAutoTidyDefaults {
		if !d.has(k) {
			continue
		}
		switch pkiAutoTidyFields[k] {
		case tBool:
			cfg[k] = d.boolean(k, false)
		case tDuration:
			cfg[k] = int(d.duration(k).Seconds())
		default:
			cfg[k] = d.str(k)
		}
	}
	for _, k := range []string{"min_startup_backoff_duration", "max_startup_backoff_duration"} {
		if d.has(k) && cfg[k].(int) < 1 {
			return nil, badRequest("%s must be at least 1 second: parsed: %v", k, time.Duration(cfg[k].(int))*time.Second)
		}
	}
	if cfg["max_startup_backoff_duration"].(int) < cfg["min_startup_backoff_duration"].(int) {
		return nil, badRequest("max_startup_backoff_duration %v must be greater or equal to min_startup_backoff_duration %v",
			time.Duration(cfg["max_startup_backoff_duration"].(int))*time.Second, time.Duration(cfg["min_startup_backoff_duration"].(int))*time.Second)
	}
	for _, k := range []string{"safety_buffer", "issuer_safety_buffer", "revocation_queue_safety_buffer", "acme_account_safety_buffer"} {
		if d.has(k) && cfg[k].(int) < 1 {
			name := k
			if k == "issuer_safety_buffer" {
				name = "safety_buffer" // sic: Vault's text
			}
			return nil, badRequest("given %s must be at least one second; got: %v", name, cfg[k])
		}
	}
	if d.has("pause_duration") {
		pause, err := parseDurationSecond(d.str("pause_duration"))
		if err != nil {
			return nil, badRequest("unable to parse given pause_duration: %v", err)
		}
		if pause < 0 {
			return nil, badRequest("received invalid, negative pause_duration")
		}
		cfg["pause_duration"] = pause.String()
	}
	if cfg["tidy_cert_metadata"] == true {
		return nil, badRequest("certificate metadata is only supported on Vault Enterprise")
	}
	if cfg["tidy_cmpv2_nonce_store"] == true {
		return nil, badRequest("CMPv2 is only supported on Vault Enterprise")
	}
	if cfg["enabled"] == true {
		set := false
		for _, f := range pkiTidyFlags {
			set = set || cfg[f] == true
		}
		if !set {
			return nil, badRequest("Auto-tidy enabled but no tidy operations were requested. Enable at least one tidy operation to be run (tidy_cert_store / tidy_revoked_certs / tidy_revoked_cert_issuer_associations / tidy_expired_issuers / tidy_move_legacy_ca_bundle / tidy_acme / tidy_cross_cluster_revoked_certs / tidy_revocation_queue / tidy_cert_metadata / tidy_cmpv2_nonce_store).")
		}
	}
	if cfg["publish_stored_certificate_count_metrics"] == true && cfg["maintain_stored_certificate_counts"] != true {
		return nil, badRequest("Can not publish a running storage metrics count to metrics without first maintaining that count.  Enable `maintain_stored_certificate_counts` to enable `publish_stored_certificate_count_metrics`.")
	}
	p.autoTidy = cfg
	return dataResp(p.autoTidyData()), nil
}

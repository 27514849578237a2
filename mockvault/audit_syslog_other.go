//go:build windows || plan9 || js || wasip1

package mockvault

import "errors"

// syslogSink: Vault has no syslog device on these systems either.
func (d *auditDevice) syslogSink(map[string]string) error {
	return errors.New("error creating syslog sink node: error creating syslogger: Platform does not support syslog")
}

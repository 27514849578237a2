//go:build !windows && !plan9 && !js && !wasip1

package mockvault

import (
	"fmt"
	"log/syslog"
	"strings"
)

// syslogFacilities are the facility names Vault's syslog device takes.
var syslogFacilities = map[string]syslog.Priority{
	"KERN": syslog.LOG_KERN, "USER": syslog.LOG_USER, "MAIL": syslog.LOG_MAIL, "DAEMON": syslog.LOG_DAEMON,
	"AUTH": syslog.LOG_AUTH, "SYSLOG": syslog.LOG_SYSLOG, "LPR": syslog.LOG_LPR, "NEWS": syslog.LOG_NEWS,
	"UUCP": syslog.LOG_UUCP, "CRON": syslog.LOG_CRON, "AUTHPRIV": syslog.LOG_AUTHPRIV, "FTP": syslog.LOG_FTP,
	"LOCAL0": syslog.LOG_LOCAL0, "LOCAL1": syslog.LOG_LOCAL1, "LOCAL2": syslog.LOG_LOCAL2,
	"LOCAL3": syslog.LOG_LOCAL3, "LOCAL4": syslog.LOG_LOCAL4, "LOCAL5": syslog.LOG_LOCAL5,
	"LOCAL6": syslog.LOG_LOCAL6, "LOCAL7": syslog.LOG_LOCAL7,
}

// syslogSink is the syslog device: the local syslog daemon, facility AUTH
// and tag "vault" by default, each entry at info level. Without a daemon
// the enable fails, as Vault's does.
func (d *auditDevice) syslogSink(opts map[string]string) error {
	facility := strings.TrimSpace(opts["facility"])
	if facility == "" {
		facility = "AUTH"
	}
	tag := strings.TrimSpace(opts["tag"])
	if tag == "" {
		tag = "vault"
	}
	f, ok := syslogFacilities[strings.ToUpper(facility)]
	if !ok {
		return fmt.Errorf("error creating syslog sink node: error creating syslogger: invalid syslog facility: %s", facility)
	}
	w, err := syslog.New(f|syslog.LOG_INFO, tag)
	if err != nil {
		return fmt.Errorf("error creating syslog sink node: error creating syslogger: %w", err)
	}
	w.Close()
	d.sink = func(line []byte) error {
		w, err := syslog.New(f|syslog.LOG_INFO, tag)
		if err != nil {
			return err
		}
		defer w.Close()
		_, err = w.Write(line)
		return err
	}
	return nil
}

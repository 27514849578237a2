package mockvault

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
)

// Audit devices (Vault's audit broker): every enabled device gets one JSON
// line for each request and one for its response, with secrets HMACed
// under the device's own salt exactly where Vault hashes them, so
// sys/audit-hash reproduces a value seen in the log. The endpoints are in
// path_sys_audit.go; the entry records in audit_entry.go.

// auditState is the server's audit table and audited-headers config: part
// of Snapshot, Restore and Reset. Devices never change once enabled and
// the headers map is replaced, never written, once shared, so copies share
// both: a server without audit config pays no allocation for it.
type auditState struct {
	devices []*auditDevice // in enable order
	// headers are the audited request headers (lower case) and whether
	// their values are HMACed.
	headers map[string]bool
}

// defaultAuditHeaders are the headers Vault audits out of the box.
var defaultAuditHeaders = map[string]bool{"correlation-id": false, "x-correlation-id": false, "user-agent": false}

// newAuditState is a fresh server's: no device, Vault's default headers.
func newAuditState() auditState { return auditState{headers: defaultAuditHeaders} }

// clone copies the table (a server appends to its own); the headers map
// is shared.
func (a auditState) clone() auditState {
	return auditState{devices: append([]*auditDevice(nil), a.devices...), headers: a.headers}
}

// setHeader changes the headers config on a copy of the map.
func (a *auditState) setHeader(name string, hmac, remove bool) {
	h := make(map[string]bool, len(a.headers)+1)
	for k, v := range a.headers {
		h[k] = v
	}
	if remove {
		delete(h, name)
	} else {
		h[name] = hmac
	}
	a.headers = h
}

// device finds an enabled device by path (with its trailing slash).
func (a *auditState) device(p string) *auditDevice {
	for _, d := range a.devices {
		if d.path == p {
			return d
		}
	}
	return nil
}

// auditDevice is one enabled device: its table entry, its salt and the
// options that shape its entries.
type auditDevice struct {
	path, typ, description string
	options                map[string]string
	local                  bool
	accessor, uuid         string
	// salt keys the device's HMAC (Vault keeps one per device in storage).
	salt string

	hmacAccessor, raw, elide, jsonx bool
	prefix                          string
	// sink writes one formatted entry.
	sink func(line []byte) error
}

// hash is Vault's salt.GetIdentifiedHMAC under the device's salt.
func (d *auditDevice) hash(v string) string {
	m := hmac.New(sha256.New, []byte(d.salt))
	m.Write([]byte(v))
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil))
}

// auditTypes are the device types of Vault 1.21.1 CE.
var auditTypes = map[string]bool{"file": true, "socket": true, "syslog": true}

// auditPrecheck is what Vault checks of an enable request before the path
// is compared with the table: the type, enterprise-only options,
// skip_test (normalised in opts) and a file device's prefix.
func auditPrecheck(typ string, opts map[string]string) error {
	if !auditTypes[typ] {
		return fmt.Errorf("unknown backend type: %q%s", typ, errExtOpts)
	}
	for _, o := range []string{"exclude", "fallback", "filter"} {
		if _, ok := opts[o]; ok {
			return errors.New("enterprise-only options supplied" + errExtOpts)
		}
	}
	if v, ok := opts["skip_test"]; ok {
		b, err := parseutil.ParseBool(v)
		if err != nil {
			return errors.New("cannot parse supplied 'skip_test' setting" + errExtOpts)
		}
		opts["skip_test"] = strconv.FormatBool(b)
	}
	if typ == "file" && opts["prefix"] != "" {
		// A dev server has no allow_audit_log_prefixing in its config.
		return errors.New("audit prefixing is not enabled in configuration, audit prefixing may not be configured for file sinks")
	}
	return nil
}

// errExtOpts ends Vault's texts of errors in an enable request's options
// (audit.ErrExternalOptions).
const errExtOpts = ": invalid configuration"

// newAuditDevice builds a device as Vault's backend factories do, with
// their checks of the options in their order. Errors are Vault's texts;
// the caller answers them with a 400.
func newAuditDevice(p, typ, desc string, opts map[string]string, local bool) (*auditDevice, error) {
	const ext = errExtOpts
	d := &auditDevice{path: p, typ: typ, description: desc, options: opts, local: local, hmacAccessor: true}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("unable to create new audit backend: "+format, args...)
	}
	if typ == "file" {
		if _, ok := opts["file_path"]; !ok {
			if _, ok := opts["path"]; !ok {
				return nil, fail("%q is required%s", "file_path", ext)
			}
		}
	}
	if f, ok := opts["format"]; ok {
		switch strings.TrimSpace(strings.ToLower(f)) {
		case "json":
		case "jsonx":
			d.jsonx = true
		default:
			return nil, fail("unsupported %q%s", "format", ext)
		}
	}
	for _, b := range []struct {
		name string
		to   *bool
	}{{"hmac_accessor", &d.hmacAccessor}, {"log_raw", &d.raw}, {"elide_list_responses", &d.elide}} {
		if v, ok := opts[b.name]; ok {
			x, err := strconv.ParseBool(v)
			if err != nil {
				return nil, fail("unable to parse %q%s", b.name, ext)
			}
			*b.to = x
		}
	}
	d.prefix = opts["prefix"]
	var err error
	switch typ {
	case "file":
		err = d.fileSink(opts)
	case "socket":
		err = d.socketSink(opts)
	case "syslog":
		err = d.syslogSink(opts)
	}
	if err != nil {
		return nil, fail("%s", err)
	}
	return d, nil
}

// fileSink is the file device: a path (created with its directories, mode
// 0600 unless mode says otherwise, opened for each entry so tests may move
// or truncate it), "stdout" or "discard".
func (d *auditDevice) fileSink(opts map[string]string) error {
	fp, ok := opts["file_path"]
	if !ok {
		fp = opts["path"]
	}
	mode := os.FileMode(0o600)
	if m, ok := opts["mode"]; ok && strings.TrimSpace(m) != "" {
		v, err := strconv.ParseUint(m, 8, 32)
		if err != nil {
			return fmt.Errorf("invalid mode: %s", m)
		}
		if v&0o111 != 0 {
			return fmt.Errorf("file mode may not be executable: %s", m)
		}
		mode = os.FileMode(v)
	}
	switch {
	case strings.EqualFold(fp, "stdout"):
		d.sink = func(line []byte) error { _, err := os.Stdout.Write(line); return err }
		return nil
	case strings.EqualFold(fp, "discard"):
		d.sink = func([]byte) error { return nil }
		return nil
	case strings.TrimSpace(fp) == "":
		return errors.New("file path is required: invalid configuration")
	}
	fp = strings.TrimSpace(fp)
	open := func() (*os.File, error) {
		if err := os.MkdirAll(filepath.Dir(fp), mode); err != nil {
			return nil, fmt.Errorf("unable to create file %q: %w", fp, err)
		}
		f, err := os.OpenFile(fp, os.O_APPEND|os.O_WRONLY|os.O_CREATE, mode)
		if err != nil {
			return nil, fmt.Errorf("unable to open file for sink %q: %w", fp, err)
		}
		if mode != 0 && fp != os.DevNull {
			_ = f.Chmod(mode)
		}
		return f, nil
	}
	f, err := open()
	if err != nil {
		return fmt.Errorf("file sink creation failed for path %q: sanity check failed; unable to open %q for writing: %w", fp, fp, err)
	}
	f.Close()
	d.sink = func(line []byte) error {
		f, err := open()
		if err != nil {
			return err
		}
		_, err = f.Write(line)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	}
	return nil
}

// socketSink is the socket device: a connection per entry, bounded by
// write_timeout (2s by default), as Vault's sink reconnects on failure.
func (d *auditDevice) socketSink(opts map[string]string) error {
	addr, ok := opts["address"]
	if !ok {
		return errors.New(`"address" is required: invalid configuration`)
	}
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return errors.New(`"address" cannot be empty: invalid configuration`)
	}
	network := "tcp"
	if v := strings.TrimSpace(opts["socket_type"]); v != "" {
		network = v
	}
	timeout := 2 * time.Second
	if v := strings.TrimSpace(opts["write_timeout"]); v != "" {
		t, err := parseDurationSecond(v)
		if err != nil {
			return fmt.Errorf("unable to parse max duration: invalid parameter: %w", err)
		}
		timeout = t
	}
	d.sink = func(line []byte) error {
		// Vault's sink tries a connection twice before it gives up.
		var errs []string
		var c net.Conn
		for len(errs) < 2 && c == nil {
			var err error
			if c, err = net.DialTimeout(network, addr, timeout); err != nil {
				errs = append(errs, fmt.Sprintf("error connecting to %q address %q: %v", network, addr, err))
			}
		}
		if c == nil {
			return fmt.Errorf("error writing to socket %q: 2 errors occurred:\n\t* %s\n\n", addr, strings.Join(errs, "\n\t* "))
		}
		defer c.Close()
		_ = c.SetWriteDeadline(time.Now().Add(timeout))
		_, err := c.Write(line)
		return err
	}
	return nil
}

// auditFormat renders an entry as the device writes it: JSON (one line),
// or JSONx, after its prefix.
func (d *auditDevice) format(e *auditEntry) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	if d.jsonx {
		b, err = jsonToJSONx(b)
		if err != nil {
			return nil, err
		}
	} else {
		b = append(b, '\n')
	}
	if d.prefix != "" {
		b = append([]byte(d.prefix), b...)
	}
	return b, nil
}

// auditOn says whether any device is enabled: the request pipeline pays
// nothing more when none is.
func (s *Server) auditOn() bool { return len(s.audit.devices) > 0 }

// auditLog writes e (built unhashed) to every device, each hashing its own
// copy. Like Vault's broker it fails only when no device could log it.
func (s *Server) auditLog(e *auditEntry) error {
	ok := 0
	var last error
	for _, d := range s.audit.devices {
		line, err := d.format(d.prepare(e, s.audit.headers))
		if err == nil {
			err = d.sink(line)
		}
		if err != nil {
			s.logger().Error("audit device failed to log", "path", d.path, "error", err)
			last = err
			continue
		}
		ok++
	}
	if ok == 0 && last != nil {
		return errInternal
	}
	return nil
}

// errInternal is Vault's answer when auditing fails: the request is not
// served (blocking audit).
var errInternal = multiErr(500, "internal error")

// hashValue is Vault's hashStructure on a copy of v: every string (and
// json.Number, a string to Go's reflection) in maps and slices is hashed,
// map keys and other kinds are kept, times become RFC 3339 text unhashed.
// A nil h copies nothing (log_raw).
func hashValue(v any, h func(string) string) any {
	if h == nil {
		return v
	}
	switch x := v.(type) {
	case nil, bool, int, int64, float64:
		return v
	case string:
		return h(x)
	case json.Number:
		return h(string(x))
	case time.Time:
		return fmtTime(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = hashValue(e, h)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = hashValue(e, h)
		}
		return out
	}
	// Other maps, slices and structs: as their JSON says (structs by
	// their tags), which is what reaches the log.
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Map, reflect.Slice, reflect.Array, reflect.Struct, reflect.Pointer:
		b, err := json.Marshal(v)
		if err != nil {
			return v
		}
		var g any
		if json.Unmarshal(b, &g) != nil {
			return v
		}
		return hashValue(g, h)
	case reflect.String:
		return h(rv.String())
	}
	return v
}

// auditPassed logs the request entry of a request that passed the token
// and ACL checks, before it is served (Vault's LogRequest): when no device
// can log it, the request is refused.
func (s *Server) auditPassed(req *request) error {
	req.audit = s.auditRequestEntry(req, true)
	return s.auditLog(unrouted(req, req.audit, true))
}

// auditRequestEntry is the request entry of req: its auth block (allowed:
// the ACL verdict) and its request record, data copied.
func (s *Server) auditRequestEntry(req *request, allowed bool) *auditEntry {
	e := &auditEntry{Type: "request", Time: fmtTime(req.now), Request: s.auditRequestOf(req)}
	switch {
	case req.te != nil:
		e.Auth = s.auditAuthOf(req, req.te, allowed)
	case allowed:
		// An unauthenticated path (a login): Vault's token check still
		// gives an auth block, with no token entry behind it.
		e.Auth = &auditAuth{ClientToken: req.token, PolicyResults: &auditPolicyResult{Allowed: true}, TokenType: "default"}
	}
	if e.Request.Data != nil {
		e.Request.Data = copyMap(e.Request.Data)
	}
	return e
}

// unrouted is e as Vault logs it before routing: the request names its
// mount but not yet the mount's accessor, which the router sets; only the
// existence check of a write (run once the token is known, or on a login
// path) has routed it already.
func unrouted(req *request, e *auditEntry, checked bool) *auditEntry {
	if (checked || req.te != nil) && (req.op == opCreate || req.op == opUpdate) {
		return e
	}
	cp, r := *e, *e.Request
	r.MountAccessor = ""
	cp.Request = &r
	return &cp
}

// auditFinish logs the response entry of an audited request; a request
// refused at the token checks first gets its request entry, with the
// error. When no device can log the response, the client gets Vault's
// 500 instead of it.
func (s *Server) auditFinish(req *request, resp *response, err error) (*response, error) {
	if req.audit == nil {
		if !req.auditTried || err == nil || err == errSealed {
			return resp, err
		}
		req.audit = unrouted(req, s.auditRequestEntry(req, false), false)
		req.audit.Error = auditErrText(err)
		_ = s.auditLog(req.audit) // Vault goes on when this one fails
	}
	e := &auditEntry{Type: "response", Time: fmtTime(req.now), Auth: req.audit.Auth, Request: req.audit.Request, Response: s.auditResponseOf(req, resp, err)}
	if r := e.Response; r != nil && r.Auth != nil && req.login {
		// A login's response entry is about the token it issued.
		e.Auth = r.Auth
	}
	if r := e.Response; r != nil {
		// The response names the mount as the request finally does.
		q := e.Request
		r.MountPoint, r.MountType, r.MountAccessor, r.MountRunningVersion, r.MountClass = q.MountPoint, q.MountType, q.MountAccessor, q.MountRunningVersion, q.MountClass
	}
	if err != nil {
		e.Error = auditErrText(err)
	}
	if aerr := s.auditLog(e); aerr != nil {
		return nil, aerr
	}
	return resp, err
}

// auditErrText is the error an entry records: the answer's message.
func auditErrText(err error) string {
	_, msgs := statusOf(err)
	if len(msgs) == 0 {
		return err.Error()
	}
	return msgs[0]
}

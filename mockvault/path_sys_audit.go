package mockvault

import (
	"strings"
)

// Audit devices: sys/audit (the table), sys/audit/:path (enable, disable),
// sys/audit-hash/:path, and the audited request headers under
// sys/config/auditing/request-headers. The devices and the entries they
// write are in audit*.go.
func (s *Server) sysAuditPaths() []*path {
	return []*path{
		{pattern: "audit", ops: map[op]handlerFunc{opRead: s.auditTable}},
		{pattern: "audit/{path:.+}", fields: fields{"path": tString, "type": tString, "description": tString, "options": tKVPairs, "local": tBool},
			ops: map[op]handlerFunc{opUpdate: s.auditEnable, opDelete: s.auditDisable}},
		{pattern: "audit-hash/{path:.+}", fields: fields{"path": tString, "input": tString}, ops: map[op]handlerFunc{opUpdate: s.auditHash}},
		{pattern: "config/auditing/request-headers", ops: map[op]handlerFunc{opRead: s.auditHeadersRead}},
		{pattern: "config/auditing/request-headers/{header:.+}", fields: fields{"header": tString, "hmac": tBool},
			ops: map[op]handlerFunc{opRead: s.auditHeaderRead, opUpdate: s.auditHeaderWrite, opDelete: s.auditHeaderDelete}},
	}
}

func (s *Server) auditTable(req *request, d *fieldData) (*response, error) {
	data := map[string]any{}
	for _, dev := range s.audit.devices {
		data[dev.path] = map[string]any{
			"path": dev.path, "type": dev.typ, "description": dev.description,
			"options": dev.options, "local": dev.local,
		}
	}
	return dataResp(data), nil
}

func (s *Server) auditEnable(req *request, d *fieldData) (*response, error) {
	p := d.str("path")
	typ := d.str("type")
	opts := map[string]string{}
	for k, v := range d.kv("options") {
		opts[k] = v
	}
	if err := auditPrecheck(typ, opts); err != nil {
		return nil, badRequest("%s", err)
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	if p == "/" {
		return nil, badRequest("backend path must be specified%s", errExtOpts)
	}
	for _, dev := range s.audit.devices {
		if strings.HasPrefix(dev.path, p) || strings.HasPrefix(p, dev.path) {
			return nil, badRequest("path already in use%s", errExtOpts)
		}
		if typ == "file" && opts["file_path"] == dev.options["file_path"] {
			return nil, badRequest("file_path already in use%s", errExtOpts)
		}
	}
	dev, err := newAuditDevice(p, typ, d.str("description"), opts, d.boolean("local", false))
	if err != nil {
		return nil, badRequest("%s", err)
	}
	dev.accessor, dev.uuid, dev.salt = "audit_"+typ+"_"+randomHex(4), newUUID(), newUUID()
	if opts["skip_test"] != "true" {
		// Vault writes a probe entry, and refuses a device that cannot.
		probe := &auditEntry{Type: "request", Time: fmtTime(req.now), Request: &auditRequest{
			ID: newUUID(), Operation: string(opUpdate), Path: "sys/audit/test", Namespace: &auditNamespace{ID: "root"},
		}}
		line, err := dev.format(dev.prepare(probe, nil))
		if err == nil {
			err = dev.sink(line)
		}
		if err != nil {
			return nil, badRequest("audit backend failed test message: %s", err)
		}
	}
	s.audit.devices = append(s.audit.devices, dev)
	return nil, nil
}

func (s *Server) auditDisable(req *request, d *fieldData) (*response, error) {
	p := d.str("path")
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	out := s.audit.devices[:0:0]
	for _, dev := range s.audit.devices {
		if dev.path != p {
			out = append(out, dev)
		}
	}
	s.audit.devices = out
	return nil, nil
}

func (s *Server) auditHash(req *request, d *fieldData) (*response, error) {
	input := d.str("input")
	if input == "" {
		return nil, badRequest(`the "input" parameter is empty`)
	}
	p := sanitizeMountPath(d.str("path"))
	dev := s.audit.device(p)
	if dev == nil {
		return nil, badRequest("unknown audit backend %q", p)
	}
	return dataResp(map[string]any{"hash": dev.hash(input)}), nil
}

func (s *Server) auditHeadersRead(req *request, d *fieldData) (*response, error) {
	h := map[string]any{}
	for name, hm := range s.audit.headers {
		h[name] = map[string]any{"hmac": hm}
	}
	return dataResp(map[string]any{"headers": h}), nil
}

func (s *Server) auditHeaderRead(req *request, d *fieldData) (*response, error) {
	name := d.str("header")
	hm, ok := s.audit.headers[strings.ToLower(name)]
	if !ok {
		return nil, badRequest("Could not find header in config")
	}
	return dataResp(map[string]any{name: map[string]any{"hmac": hm}}), nil
}

// Headers are matched without case.
func (s *Server) auditHeaderWrite(req *request, d *fieldData) (*response, error) {
	s.audit.setHeader(strings.ToLower(d.str("header")), d.boolean("hmac", false), false)
	return nil, nil
}

func (s *Server) auditHeaderDelete(req *request, d *fieldData) (*response, error) {
	s.audit.setHeader(strings.ToLower(d.str("header")), false, true)
	return nil, nil
}

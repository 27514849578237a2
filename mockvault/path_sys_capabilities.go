package mockvault

import "strings"

// sys/capabilities, sys/capabilities-self and sys/capabilities-accessor.
func (s *Server) sysCapabilitiesPaths() []*path {
	f := fields{"token": tString, "path": tCommaSlice, "paths": tCommaSlice}
	self := fields{"token": tString, "path": tCommaSlice, "paths": tCommaSlice, "namespace": tString}
	acc := fields{"accessor": tString, "path": tCommaSlice, "paths": tCommaSlice}
	return []*path{
		{pattern: "capabilities", fields: f, ops: map[op]handlerFunc{opUpdate: s.capabilitiesHandler}},
		{pattern: "capabilities-self", fields: self, ops: map[op]handlerFunc{opUpdate: s.capabilitiesHandler}},
		{pattern: "capabilities-accessor", fields: acc, ops: map[op]handlerFunc{opUpdate: s.capabilitiesAccessor}},
	}
}

func (s *Server) capabilitiesAccessor(req *request, d *fieldData) (*response, error) {
	acc := d.str("accessor")
	if acc == "" {
		return nil, badRequest("missing accessor")
	}
	te := s.tokens.getByAccessor(acc)
	if te == nil || te.NumUses == -1 || !s.alive(te, req.now) {
		return nil, multiErr(400, "invalid accessor")
	}
	return s.capabilitiesOf(req, d, te.ID)
}

func (s *Server) capabilitiesHandler(req *request, d *fieldData) (*response, error) {
	token := req.token
	if !strings.HasSuffix(req.rel, "capabilities-self") {
		token, _ = d.raw["token"].(string)
	}
	return s.capabilitiesOf(req, d, token)
}

// capabilitiesOf answers the capabilities of token on the requested paths.
func (s *Server) capabilitiesOf(req *request, d *fieldData, token string) (*response, error) {
	if token == "" {
		return nil, multiErr(500, "no token found")
	}
	paths := d.strings("paths")
	if len(paths) == 0 {
		paths = d.strings("path")
	}
	if len(paths) == 0 {
		return nil, badRequest("paths must be supplied")
	}
	data := map[string]any{}
	for _, p := range paths {
		if p == "" {
			return nil, multiErr(400, "missing path")
		}
		te, err := s.lookupToken(token)
		if err != nil {
			return nil, multiErr(400, "invalid token")
		}
		var caps []string
		if len(te.Policies) == 0 {
			caps = []string{"deny"}
		} else {
			caps = s.aclForToken(te).pathCapabilities(p).names()
		}
		data[p] = caps
	}
	if len(paths) == 1 {
		data["capabilities"] = data[paths[0]]
	}
	return dataResp(data), nil
}

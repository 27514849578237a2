package mockvault

// wrapResponse replaces resp with a response-wrapping token. The wrapping
// endpoints themselves live in path_sys_wrapping.go.
func (s *Server) wrapResponse(req *request, resp *response) (*response, error) {
	if s.wrapHook != nil {
		return s.wrapHook(req, resp)
	}
	return resp, nil
}

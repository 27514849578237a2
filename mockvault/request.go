package mockvault

import (
	"net/http"
	"time"
)

// request is one logical Vault request, after HTTP decoding.
type request struct {
	srv        *Server
	op         op
	path       string // full logical path, e.g. "auth/token/create"
	mount      *mount
	state      engineState // the mount's state (nil for engines without)
	rel        string      // path relative to the mount
	vars       map[string]string
	data       map[string]any
	http       *http.Request
	token      string      // the client token as sent
	te         *tokenEntry // the resolved caller, nil when unauthenticated
	remoteAddr string
	wrapTTL    time.Duration
	now        time.Time
	// internal requests come from Go (seeding) and act as root.
	internal bool
	reqID    string
	// help is a GET with ?help=1: Vault answers with the path's help.
	help bool
}

// id is the request's id, made on first use.
func (r *request) id() string {
	if r.reqID == "" {
		r.reqID = newUUID()
	}
	return r.reqID
}

// response is what a handler returns; the HTTP layer turns it into Vault's
// envelope.
type response struct {
	data          map[string]any
	auth          *authInfo
	warnings      []string
	leaseID       string
	leaseDuration int
	renewable     bool
	wrapInfo      *wrapInfo
	// raw, when set, is written as is (sys/health and friends have no
	// envelope), with status.
	raw    any
	status int
	// noContent forces 204 for writes that return nothing.
	noContent bool
	// noMountType blanks mount_type, as Vault's async answers (tidy) have.
	noMountType bool
}

// authInfo is the "auth" block of a login or token creation.
type authInfo struct {
	ClientToken      string            `json:"client_token"`
	Accessor         string            `json:"accessor"`
	Policies         []string          `json:"policies"`
	TokenPolicies    []string          `json:"token_policies,omitempty"`
	IdentityPolicies []string          `json:"identity_policies,omitempty"`
	Metadata         map[string]string `json:"metadata"`
	LeaseDuration    int               `json:"lease_duration"`
	Renewable        bool              `json:"renewable"`
	EntityID         string            `json:"entity_id"`
	TokenType        string            `json:"token_type"`
	Orphan           bool              `json:"orphan"`
	MFARequirement   any               `json:"mfa_requirement"`
	NumUses          int               `json:"num_uses"`
}

// wrapInfo is the "wrap_info" block of a response-wrapped answer.
type wrapInfo struct {
	Token           string `json:"token"`
	Accessor        string `json:"accessor"`
	TTL             int    `json:"ttl"`
	CreationTime    string `json:"creation_time"`
	CreationPath    string `json:"creation_path"`
	WrappedAccessor string `json:"wrapped_accessor,omitempty"`
}

// envelope is Vault's JSON response body.
type envelope struct {
	RequestID     string         `json:"request_id"`
	LeaseID       string         `json:"lease_id"`
	Renewable     bool           `json:"renewable"`
	LeaseDuration int            `json:"lease_duration"`
	Data          map[string]any `json:"data"`
	WrapInfo      *wrapInfo      `json:"wrap_info"`
	Warnings      []string       `json:"warnings"`
	Auth          *authInfo      `json:"auth"`
	MountType     string         `json:"mount_type"`
}

func dataResp(data map[string]any) *response { return &response{data: data} }

// listResp answers a LIST; with no keys Vault answers 404.
func listResp(keys []string) *response {
	if len(keys) == 0 {
		return &response{data: map[string]any{}}
	}
	return &response{data: map[string]any{"keys": keys}}
}

// rawHTTPBody is a response Vault writes as bytes with a content type of
// its own (logical.HTTPRawBody: certificates, CRLs), not as JSON.
type rawHTTPBody struct {
	contentType string
	body        []byte
}

// rawBody returns the raw body of r, if it is one.
func (r *response) rawBody() (rawHTTPBody, bool) {
	if r == nil {
		return rawHTTPBody{}, false
	}
	rb, ok := r.raw.(rawHTTPBody)
	return rb, ok
}

// write sends the body; an empty one is a 204, as Vault answers an
// unconfigured CA or CRL.
func (rb rawHTTPBody) write(w http.ResponseWriter) {
	if rb.contentType != "" {
		w.Header().Set("Content-Type", rb.contentType)
	}
	if len(rb.body) == 0 {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(rb.body)
}

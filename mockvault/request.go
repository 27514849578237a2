package mockvault

import (
	"net/http"
	"strings"
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
	// auditing is set when audit devices are enabled; auditTried once the
	// request reached the token checks (what Vault audits), and audit holds
	// the entry logged when they passed.
	auditing, auditTried bool
	audit                *auditEntry
	// login is a request on an unauthenticated path (Vault's login
	// requests: their response entry is about the token issued).
	login bool
	// emptyBody is a write sent without a JSON body (Vault's own HTTP
	// handlers refuse it: "EOF").
	emptyBody bool
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
	// cacheControl, when set, replaces no-store on a raw answer (the
	// OIDC discovery documents).
	cacheControl string
	// noContent forces 204 for writes that return nothing.
	noContent bool
	// noMountType blanks mount_type, as Vault's async answers (tidy) have.
	noMountType bool
	// entityCreated: the login made its token's identity entity (audit
	// entries say so).
	entityCreated bool
}

// rawBody as response.raw is written byte for byte, not as JSON (Vault's
// logical.HTTPRawBody: an HTML page, a certificate or CRL, or no body at
// all). Without a status it is a 200, or a 204 when empty (an unconfigured
// CA or CRL).
type rawBody struct {
	contentType string
	body        []byte
}

// rawBody returns the raw body of a response that has one.
func (r *response) rawBody() (rawBody, bool) {
	if r == nil {
		return rawBody{}, false
	}
	rb, ok := r.raw.(rawBody)
	return rb, ok
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

// callerToken is the token a request carries: X-Vault-Token, else an
// Authorization: Bearer header.
func callerToken(hr *http.Request) string {
	if t := hr.Header.Get("X-Vault-Token"); t != "" {
		return t
	}
	if a := hr.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(a, "Bearer "))
	}
	return ""
}

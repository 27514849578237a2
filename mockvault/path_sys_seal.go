package mockvault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// The operator endpoints of a dev server's Shamir seal: sys/init,
// sys/seal, sys/unseal, sys/step-down, sys/key-status, sys/rotate,
// sys/generate-root and sys/rekey. Like Vault's, most are HTTP handlers of
// their own: they take no token (unseal key holders need none) and answer
// without the envelope; seal and step-down want a sudo token.

// sealState is the barrier as the operator endpoints see it: the unseal
// key (one share, threshold 1, as `vault server -dev`, until a rekey), the
// encryption key's term (sys/rotate), and the operations in progress.
type sealState struct {
	key         []byte
	t, n        int
	term        int
	installTime time.Time
	encryptions int64
	// unsealParts are the key shares given since the server was sealed
	// (threshold > 1), under unsealNonce.
	unsealParts [][]byte
	unsealNonce string
	genRoot     *genRootAttempt
	rekey       *rekeyAttempt
}

type genRootAttempt struct {
	nonce, otp string
	parts      [][]byte
}

type rekeyAttempt struct {
	created         time.Time
	nonce           string
	t, n            int
	verify          bool
	parts           [][]byte
	newKey          []byte
	verifyNonce     string
	verifyParts     [][]byte
	awaitingVerify  bool
	newT, newN      int
	pendingVerifyOf []byte
}

// newSealState is a fresh dev server's barrier: key, one share of it.
func newSealState(key []byte, now time.Time) sealState {
	return sealState{key: append([]byte(nil), key...), t: 1, n: 1, term: 1, installTime: now.UTC()}
}

// UnsealKey is the dev server's unseal key, base64 as the dev banner
// prints it ("Unseal Key: ...") and sys/unseal takes it. After a rekey to
// more than one share it is no longer a share: use the rekey's keys.
func (s *Server) UnsealKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return base64.StdEncoding.EncodeToString(s.seal.key)
}

func (s *Server) sysSealPaths() []*path {
	return []*path{
		{pattern: "init", unauthenticated: true, ops: rawOps(map[op]handlerFunc{opRead: s.sysInitRead, opUpdate: s.sysInitWrite})},
		{pattern: "seal", ops: rawOps(map[op]handlerFunc{opUpdate: s.sysSeal})},
		// A single node has nothing to step down from: Vault answers before
		// it looks at the token.
		{pattern: "step-down", unauthenticated: true, ops: rawOps(map[op]handlerFunc{opUpdate: s.sysStepDown})},
		{pattern: "unseal", unauthenticated: true, ops: rawOps(map[op]handlerFunc{opUpdate: s.sysUnseal})},
		{pattern: "key-status", ops: map[op]handlerFunc{opRead: s.sysKeyStatus}},
		{pattern: "rotate", ops: map[op]handlerFunc{opUpdate: s.sysRotate}},
		{pattern: "rotate/keyring", ops: map[op]handlerFunc{opUpdate: s.sysRotate}},
		{pattern: "rotate/config", ops: map[op]handlerFunc{opRead: s.sysRotateConfig}},
		{pattern: "generate-root/attempt", unauthenticated: true, ops: rawOps(map[op]handlerFunc{
			opRead: s.genRootStatus, opUpdate: s.genRootInit, opDelete: s.genRootCancel})},
		{pattern: "generate-root/update", unauthenticated: true, ops: rawOps(map[op]handlerFunc{opUpdate: s.genRootUpdate})},
		{pattern: "rekey/init", unauthenticated: true, ops: rawOps(map[op]handlerFunc{
			opRead: s.rekeyStatus, opUpdate: s.rekeyInit, opDelete: s.rekeyCancel})},
		{pattern: "rekey/update", unauthenticated: true, ops: rawOps(map[op]handlerFunc{opUpdate: s.rekeyUpdate})},
		{pattern: "rekey/verify", unauthenticated: true, ops: rawOps(map[op]handlerFunc{
			opRead: s.rekeyVerifyStatus, opUpdate: s.rekeyVerifyUpdate, opDelete: s.rekeyVerifyRestart})},
		{pattern: "rekey/backup", ops: map[op]handlerFunc{opRead: s.rekeyBackupRead, opDelete: s.rekeyBackupDelete}},
	}
}

// rawOps serves ops with their handlers; Vault's own HTTP handlers answer
// any other method with a bare 405.
func rawOps(ops map[op]handlerFunc) map[op]handlerFunc {
	refuse := func(*request, *fieldData) (*response, error) {
		return nil, &vaultError{code: http.StatusMethodNotAllowed, msgs: []string{}}
	}
	out := map[op]handlerFunc{opRead: refuse, opList: refuse, opUpdate: refuse, opDelete: refuse, opPatch: refuse}
	for o, h := range ops {
		out[o] = h
	}
	return out
}

// rawOK is Vault's respondOk: the body without envelope, or 204.
func rawOK(body any) *response {
	if body == nil {
		return &response{raw: nil, noContent: true}
	}
	return &response{raw: body}
}

// sealedSysAnswer is what a sealed Vault's own handlers answer before any
// token check: sealing again and stepping down succeed, a rekey finds no
// active node.
func sealedSysAnswer(req *request) (*response, error, bool) {
	switch {
	case (req.rel == "seal" || req.rel == "step-down") && req.op == opUpdate:
		return rawOK(nil), nil, true
	case strings.HasPrefix(req.rel, "rekey/") && req.rel != "rekey/backup":
		return nil, errCode(http.StatusServiceUnavailable, "node is not active"), true
	}
	return nil, nil, false
}

func (s *Server) sysInitRead(req *request, d *fieldData) (*response, error) {
	return rawOK(map[string]any{"initialized": true}), nil
}

func (s *Server) sysInitWrite(req *request, d *fieldData) (*response, error) {
	return nil, errCode(http.StatusBadRequest, "Vault is already initialized")
}

func (s *Server) sysSeal(req *request, d *fieldData) (*response, error) {
	if err := s.auditSeal(req); err != nil {
		return nil, err
	}
	s.sealed = true
	s.seal.unsealParts, s.seal.unsealNonce = nil, ""
	return rawOK(nil), nil
}

// auditSeal logs a seal's request entry as Vault's sealInitCommon does
// (its only raw handler that audits): an auth block of the token's
// essentials, no policy results, and a request without mount or data.
// (Vault logs it before its ACL check; the mock, once the request passed
// it, so a denied seal is not logged.)
func (s *Server) auditSeal(req *request) error {
	if !s.auditOn() || req.te == nil {
		return nil
	}
	a := s.auditAuthOf(req, req.te, true)
	a.PolicyResults, a.TokenIssueTime, a.TokenTTL, a.RemainingUses = nil, "", 0, 0
	r := s.auditRequestOf(req)
	r.MountPoint, r.MountType, r.MountAccessor, r.MountRunningVersion, r.MountClass = "", "", "", "", ""
	r.ClientID, r.Data = "", nil
	return s.auditLog(&auditEntry{Type: "request", Time: fmtTime(req.now), Auth: a, Request: r})
}

// sysStepDown is a no-op: a single dev node stays active.
func (s *Server) sysStepDown(req *request, d *fieldData) (*response, error) {
	return rawOK(nil), nil
}

// The bodies of Vault's own handlers, decoded as Vault decodes them (Go's
// JSON into these types, whose names its errors repeat).
type (
	UnsealRequest struct {
		Key     string
		Reset   bool
		Migrate bool
	}
	GenerateRootInitRequest struct {
		OTP    string `json:"otp"`
		PGPKey string `json:"pgp_key"`
	}
	GenerateRootUpdateRequest struct {
		Nonce string
		Key   string
	}
	RekeyRequest struct {
		SecretShares        int      `json:"secret_shares"`
		SecretThreshold     int      `json:"secret_threshold"`
		StoredShares        int      `json:"stored_shares"`
		PGPKeys             []string `json:"pgp_keys"`
		Backup              bool     `json:"backup"`
		RequireVerification bool     `json:"require_verification"`
	}
	RekeyUpdateRequest struct {
		Nonce string
		Key   string
	}
	RekeyVerificationUpdateRequest struct {
		Nonce string `json:"nonce"`
		Key   string `json:"key"`
	}
	RekeyDeleteRequest struct {
		Nonce string
	}
)

// parseRawJSON is Vault's parseJSONRequest: no body is "EOF" (unless
// emptyOK), a value of the wrong type is named with its field.
func parseRawJSON(req *request, out any, emptyOK bool) error {
	if req.emptyBody {
		if emptyOK {
			return nil
		}
		return errCode(http.StatusBadRequest, "EOF")
	}
	b, err := json.Marshal(req.data)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		return errCode(http.StatusBadRequest, "failed to parse JSON input: %v", err)
	}
	return nil
}

// keyArg decodes an unseal, generate-root or rekey key as Vault does: hex
// if it decodes to a plausible length, else base64.
func keyArg(v, missing string) ([]byte, error) {
	if v == "" {
		return nil, errCode(http.StatusBadRequest, "%s", missing)
	}
	key, err := hex.DecodeString(v)
	if err != nil || len(key) < 16 || len(key) > 33 {
		key, err = base64.StdEncoding.DecodeString(v)
		if err != nil {
			return nil, errCode(http.StatusBadRequest, "'key' must be a valid hex or base64 string")
		}
	}
	return key, nil
}

// keyNonceBody is an update body of generate-root or rekey.
type keyNonceBody interface{ keyNonce() (key, nonce string) }

func (b *GenerateRootUpdateRequest) keyNonce() (string, string)      { return b.Key, b.Nonce }
func (b *RekeyUpdateRequest) keyNonce() (string, string)             { return b.Key, b.Nonce }
func (b *RekeyVerificationUpdateRequest) keyNonce() (string, string) { return b.Key, b.Nonce }

// readKeyUpdate decodes a generate-root or rekey update body into body,
// then its key, checking the length; generate-root's length error says
// "invalid key: " first (lengthPrefix).
func readKeyUpdate(req *request, body keyNonceBody, lengthPrefix string) ([]byte, string, error) {
	if err := parseRawJSON(req, body, false); err != nil {
		return nil, "", err
	}
	k, nonce := body.keyNonce()
	key, err := keyArg(k, "'key' must be specified in request body as JSON")
	if err != nil {
		return nil, "", err
	}
	if err := checkKeyLength(key); err != nil {
		return nil, "", errCode(http.StatusBadRequest, "%s%v", lengthPrefix, err)
	}
	return key, nonce, nil
}

// checkKeyLength is the barrier's key length rule (AES-256: 16 to 32
// bytes, plus a share's coordinate byte).
func checkKeyLength(key []byte) error {
	switch {
	case len(key) < 16:
		return fmt.Errorf("key is shorter than minimum 16 bytes")
	case len(key) > 33:
		return fmt.Errorf("key is longer than maximum 33 bytes")
	}
	return nil
}

// addPart records a key share once; it reports false for a repeat.
func addPart(parts *[][]byte, key []byte) bool {
	for _, p := range *parts {
		if bytes.Equal(p, key) {
			return false
		}
	}
	*parts = append(*parts, append([]byte(nil), key...))
	return true
}

// combine turns the shares given into the key they make (a single share
// is the key itself).
func combine(parts [][]byte) ([]byte, error) {
	if len(parts) == 1 {
		return parts[0], nil
	}
	return shamirCombine(parts)
}

func (s *Server) sysUnseal(req *request, d *fieldData) (*response, error) {
	var body UnsealRequest
	if err := parseRawJSON(req, &body, false); err != nil {
		return nil, err
	}
	if body.Reset {
		if !s.sealed {
			return nil, errCode(http.StatusBadRequest, "vault is unsealed")
		}
		s.seal.unsealParts, s.seal.unsealNonce = nil, ""
		return s.sysSealStatus(req, d)
	}
	key, err := keyArg(body.Key, "'key' must be specified in request body as JSON, or 'reset' set to true")
	if err != nil {
		return nil, err
	}
	if body.Migrate {
		return nil, errCode(http.StatusInternalServerError, "can't perform a seal migration, no migration seal found")
	}
	if err := checkKeyLength(key); err != nil {
		return nil, errCode(http.StatusBadRequest, "invalid key: %v", err)
	}
	if !s.sealed {
		return s.sysSealStatus(req, d)
	}
	if !addPart(&s.seal.unsealParts, key) {
		return s.sysSealStatus(req, d)
	}
	if s.seal.unsealNonce == "" {
		s.seal.unsealNonce = newUUID()
	}
	if len(s.seal.unsealParts) < s.seal.t {
		return s.sysSealStatus(req, d)
	}
	combined, err := combine(s.seal.unsealParts)
	s.seal.unsealParts, s.seal.unsealNonce = nil, ""
	if err != nil {
		return nil, errCode(http.StatusBadRequest, "failed to compute combined key: %v", err)
	}
	if msg := s.unsealKeyError(combined, "unable to retrieve stored keys: "); msg != "" {
		return nil, errCode(http.StatusBadRequest, "%s", msg)
	}
	s.sealed = false
	return s.sysSealStatus(req, d)
}

// unsealKeyError is Vault's verdict on a combined unseal key, "" when it
// is the key: it must be an AES key (16, 24 or 32 bytes) that decrypts
// the stored keys. retrieve is what a wrong key's message starts with.
func (s *Server) unsealKeyError(key []byte, retrieve string) string {
	switch len(key) {
	case 16, 24, 32:
	default:
		return fmt.Sprintf("invalid key: failed to setup unseal key: crypto/aes: invalid key size %d", len(key))
	}
	if !bytes.Equal(key, s.seal.key) {
		return retrieve + "invalid key: failed to decrypt keys from storage: error decrypting seal wrapped value\n" +
			"error decrypting using seal shamir: cipher: message authentication failed"
	}
	return ""
}

func (s *Server) sysKeyStatus(req *request, d *fieldData) (*response, error) {
	s.seal.encryptions++
	return dataResp(map[string]any{
		"term": s.seal.term, "install_time": s.seal.installTime.Format(time.RFC3339Nano), "encryptions": s.seal.encryptions,
	}), nil
}

func (s *Server) sysRotate(req *request, d *fieldData) (*response, error) {
	s.seal.term++
	s.seal.installTime = req.now
	s.seal.encryptions = 0
	return nil, nil
}

func (s *Server) sysRotateConfig(req *request, d *fieldData) (*response, error) {
	return dataResp(map[string]any{"enabled": true, "max_operations": int64(3865470566), "interval": 0}), nil
}

// otpLength is an "hvs." root token's length: the generate-root OTP's.
const otpLength = len(serviceTokenPrefix) + tokenRandomLength

func (s *Server) genRootBody(otp string) map[string]any {
	body := map[string]any{
		"nonce": "", "started": false, "progress": 0, "required": s.seal.t, "complete": false,
		"encoded_token": "", "encoded_root_token": "", "pgp_fingerprint": "", "otp": otp, "otp_length": otpLength,
	}
	if g := s.seal.genRoot; g != nil {
		body["nonce"], body["started"], body["progress"] = g.nonce, true, len(g.parts)
	}
	return body
}

func (s *Server) genRootStatus(req *request, d *fieldData) (*response, error) {
	return rawOK(s.genRootBody("")), nil
}

func (s *Server) genRootInit(req *request, d *fieldData) (*response, error) {
	var body GenerateRootInitRequest
	if err := parseRawJSON(req, &body, true); err != nil {
		return nil, err
	}
	otp := body.OTP
	if body.PGPKey != "" {
		return nil, errCode(http.StatusBadRequest, "mockvault does not implement PGP-encrypted root tokens (pgp_key): use an OTP")
	}
	genned := otp == ""
	if genned {
		otp = randomBase62(otpLength)
	}
	if len(otp) != otpLength {
		return nil, errCode(http.StatusBadRequest, "OTP string is wrong length")
	}
	if s.seal.genRoot != nil {
		return nil, errCode(http.StatusBadRequest, "root generation already in progress")
	}
	s.seal.genRoot = &genRootAttempt{nonce: newUUID(), otp: otp}
	if !genned {
		otp = ""
	}
	return rawOK(s.genRootBody(otp)), nil
}

func (s *Server) genRootCancel(req *request, d *fieldData) (*response, error) {
	s.seal.genRoot = nil
	return rawOK(nil), nil
}

func (s *Server) genRootUpdate(req *request, d *fieldData) (*response, error) {
	key, nonce, err := readKeyUpdate(req, &GenerateRootUpdateRequest{}, "invalid key: ")
	if err != nil {
		return nil, err
	}
	g := s.seal.genRoot
	switch {
	case g == nil:
		return nil, errCode(http.StatusBadRequest, "no root generation in progress")
	case nonce != g.nonce:
		return nil, errCode(http.StatusBadRequest, "incorrect nonce supplied; nonce for this root generation operation is %q", g.nonce)
	case !addPart(&g.parts, key):
		return nil, errCode(http.StatusBadRequest, "given key has already been provided during this generation operation")
	}
	out := map[string]any{
		"nonce": nonce, "started": true, "progress": len(g.parts), "required": s.seal.t, "complete": false,
		"encoded_token": "", "encoded_root_token": "", "pgp_fingerprint": "", "otp": "", "otp_length": 0,
	}
	if len(g.parts) < s.seal.t {
		return rawOK(out), nil
	}
	combined, err := combine(g.parts)
	g.parts = nil // the attempt stays, its progress starts over
	if err != nil {
		return nil, errCode(http.StatusBadRequest, "failed to compute root key: %v", err)
	}
	if msg := s.unsealKeyError(combined, "unable to retrieve stored keys: "); msg != "" {
		return nil, errCode(http.StatusBadRequest, "root generation aborted: unable to authenticate: %s", msg)
	}
	s.seal.genRoot = nil
	te := &tokenEntry{Policies: []string{"root"}, Path: "auth/token/root", DisplayName: "root", CreationTime: req.now,
		Type: tokenTypeService, authMount: "auth/token/", noLease: true}
	if err := s.storeNewToken(te); err != nil {
		return nil, err
	}
	enc := make([]byte, len(te.ID))
	for i := range enc {
		enc[i] = te.ID[i] ^ g.otp[i]
	}
	tok := base64.RawStdEncoding.EncodeToString(enc)
	out["complete"], out["encoded_token"], out["encoded_root_token"] = true, tok, tok
	return rawOK(out), nil
}

package mockvault

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"
)

// sys/rekey: a new unseal key split into secret_shares shares, any
// secret_threshold of which unseal, after the current threshold of
// current shares is given (Vault's barrier rekey, without PGP). With
// require_verification the new shares take effect only once enough of
// them are given back to rekey/verify.

func (s *Server) rekeyStatusBody() map[string]any {
	body := map[string]any{
		"nonce": "", "started": false, "t": 0, "n": 0, "progress": 0, "required": s.seal.t,
		"pgp_fingerprints": nil, "backup": false, "verification_required": false,
	}
	if r := s.seal.rekey; r != nil {
		body["nonce"], body["started"], body["t"], body["n"] = r.nonce, true, r.t, r.n
		body["progress"], body["verification_required"] = len(r.parts), r.verify
		if r.verifyNonce != "" {
			body["verification_nonce"] = r.verifyNonce
		}
	}
	return body
}

func (s *Server) rekeyStatus(req *request, d *fieldData) (*response, error) {
	return rawOK(s.rekeyStatusBody()), nil
}

func (s *Server) rekeyInit(req *request, d *fieldData) (*response, error) {
	var body RekeyRequest
	if err := parseRawJSON(req, &body, false); err != nil {
		return nil, err
	}
	n, t, backup, verify, hasPGP := body.SecretShares, body.SecretThreshold, body.Backup, body.RequireVerification, len(body.PGPKeys) > 0
	switch {
	case backup && !hasPGP:
		return nil, errCode(http.StatusBadRequest, "cannot request a backup of the new keys without providing PGP keys for encryption")
	case hasPGP:
		return nil, errCode(http.StatusBadRequest, "mockvault does not implement PGP-encrypted unseal keys (pgp_keys)")
	case t > n:
		return nil, errCode(http.StatusBadRequest, "provided threshold greater than the total shares")
	}
	if err := validSealConfig(n, t); err != nil {
		return nil, errCode(http.StatusInternalServerError, "invalid rekey seal configuration: %s", err)
	}
	if s.seal.rekey != nil {
		return nil, errCode(http.StatusBadRequest, "rekey already in progress")
	}
	s.seal.rekey = &rekeyAttempt{nonce: newUUID(), t: t, n: n, verify: verify, created: req.now}
	return s.rekeyStatus(req, d)
}

// validSealConfig is SealConfig.Validate's rules for a Shamir seal.
func validSealConfig(n, t int) error {
	switch {
	case n < 1:
		return errors.New("shares must be at least one")
	case t < 1:
		return errors.New("threshold must be at least one")
	case n > 1 && t == 1:
		return errors.New("threshold must be greater than one for multiple shares")
	case n > 255:
		return errors.New("shares must be less than 256")
	case t > 255:
		return errors.New("threshold must be less than 256")
	case t > n:
		return errors.New("threshold cannot be larger than shares")
	}
	return nil
}

func (s *Server) rekeyCancel(req *request, d *fieldData) (*response, error) {
	var body RekeyDeleteRequest
	if err := parseRawJSON(req, &body, false); err != nil {
		return nil, err
	}
	// The nonce is needed for ten minutes after the rekey started.
	if r := s.seal.rekey; r != nil && body.Nonce != r.nonce && req.now.Sub(r.created) < 10*time.Minute {
		return nil, errCode(http.StatusBadRequest, "invalid request")
	}
	s.seal.rekey = nil
	return rawOK(nil), nil
}

func (s *Server) rekeyUpdate(req *request, d *fieldData) (*response, error) {
	key, nonce, err := readKeyUpdate(req, &RekeyUpdateRequest{}, "")
	if err != nil {
		return nil, err
	}
	r := s.seal.rekey
	switch {
	case r == nil:
		return nil, errCode(http.StatusBadRequest, "no barrier rekey in progress")
	case r.verifyNonce != "":
		return nil, errCode(http.StatusBadRequest, "rekey operation already finished; verification must be performed; nonce for the verification operation is %q", r.verifyNonce)
	case nonce != r.nonce:
		return nil, errCode(http.StatusBadRequest, "incorrect nonce supplied; nonce for this rekey operation is %q", r.nonce)
	case !addPart(&r.parts, key):
		return nil, errCode(http.StatusBadRequest, "given key has already been provided during this generation operation")
	}
	if len(r.parts) < s.seal.t {
		return s.rekeyStatus(req, d)
	}
	combined, err := combine(r.parts)
	r.parts = nil // the rekey stays, its progress starts over
	if err != nil {
		return nil, errCode(http.StatusInternalServerError, "failed to compute root key: %v", err)
	}
	if msg := s.unsealKeyError(combined, ""); msg != "" {
		return nil, errCode(http.StatusInternalServerError, "failed to read root key: %s", msg)
	}
	newKey := randBytes(32)
	shares := [][]byte{newKey}
	if r.n > 1 {
		if shares, err = shamirSplit(newKey, r.n, r.t); err != nil {
			return nil, err
		}
	}
	keys, keysB64 := make([]string, len(shares)), make([]string, len(shares))
	for i, sh := range shares {
		keys[i], keysB64[i] = hex.EncodeToString(sh), base64.StdEncoding.EncodeToString(sh)
	}
	out := map[string]any{
		"nonce": nonce, "complete": true, "keys": keys, "keys_base64": keysB64, "pgp_fingerprints": nil,
		"backup": false, "verification_required": r.verify,
	}
	if r.verify {
		r.newKey, r.verifyNonce = newKey, newUUID()
		out["verification_nonce"] = r.verifyNonce
		return rawOK(out), nil
	}
	s.seal.rekey = nil
	s.seal.key, s.seal.t, s.seal.n = newKey, r.t, r.n
	return rawOK(out), nil
}

func (s *Server) rekeyVerifyBody() (map[string]any, error) {
	r := s.seal.rekey
	if r == nil {
		return nil, errCode(http.StatusBadRequest, "no rekey configuration found")
	}
	return map[string]any{"started": r.verifyNonce != "", "nonce": r.verifyNonce, "t": r.t, "n": r.n, "progress": len(r.verifyParts)}, nil
}

func (s *Server) rekeyVerifyStatus(req *request, d *fieldData) (*response, error) {
	body, err := s.rekeyVerifyBody()
	if err != nil {
		return nil, err
	}
	return rawOK(body), nil
}

func (s *Server) rekeyVerifyRestart(req *request, d *fieldData) (*response, error) {
	if r := s.seal.rekey; r != nil && r.verifyNonce != "" {
		r.verifyParts, r.verifyNonce = nil, newUUID()
	}
	return s.rekeyVerifyStatus(req, d)
}

func (s *Server) rekeyVerifyUpdate(req *request, d *fieldData) (*response, error) {
	key, nonce, err := readKeyUpdate(req, &RekeyVerificationUpdateRequest{}, "")
	if err != nil {
		return nil, err
	}
	r := s.seal.rekey
	switch {
	case r == nil || r.verifyNonce == "":
		return nil, errCode(http.StatusBadRequest, "no rekey configuration found")
	case nonce != r.verifyNonce:
		return nil, errCode(http.StatusBadRequest, "incorrect nonce supplied; nonce for this verify operation is %q", r.verifyNonce)
	case !addPart(&r.verifyParts, key):
		return nil, errCode(http.StatusBadRequest, "given key has already been provided during this verify operation")
	}
	if len(r.verifyParts) < r.t {
		return s.rekeyVerifyStatus(req, d)
	}
	combined, err := combine(r.verifyParts)
	r.verifyParts = nil
	if err != nil || !bytes.Equal(combined, r.newKey) {
		return nil, errCode(http.StatusBadRequest, "failed to verify unseal key: Unseal failed, invalid key")
	}
	s.seal.rekey = nil
	s.seal.key, s.seal.t, s.seal.n = r.newKey, r.t, r.n
	return rawOK(map[string]any{"nonce": nonce, "complete": true}), nil
}

// rekey/backup holds PGP-encrypted backups of rekeyed shares; the mock
// makes none (no PGP), so there is never one to read.
func (s *Server) rekeyBackupRead(req *request, d *fieldData) (*response, error) {
	return nil, badRequest("no backed-up keys found")
}

func (s *Server) rekeyBackupDelete(req *request, d *fieldData) (*response, error) {
	return nil, nil
}

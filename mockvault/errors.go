package mockvault

import (
	"errors"
	"fmt"
	"net/http"
)

// vaultError is an error that carries the HTTP status Vault answers it with.
type vaultError struct {
	code int
	msgs []string
}

func (e *vaultError) Error() string {
	if len(e.msgs) == 0 {
		return http.StatusText(e.code)
	}
	return e.msgs[0]
}

// errCode builds an error answered with the given status and one message.
func errCode(code int, format string, args ...any) error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &vaultError{code: code, msgs: []string{msg}}
}

// badRequest is Vault's logical.ErrorResponse + ErrInvalidRequest: a 400.
func badRequest(format string, args ...any) error {
	return errCode(http.StatusBadRequest, format, args...)
}

var (
	// errPermissionDenied answers a request that carries no token.
	errPermissionDenied = &vaultError{code: http.StatusForbidden, msgs: []string{"permission denied"}}
	// errACLDenied answers a valid token that its policies do not allow.
	errACLDenied = &vaultError{code: http.StatusForbidden, msgs: []string{"1 error occurred:\n\t* permission denied\n\n"}}
	// Vault answers a request with an unknown or expired token this way.
	errInvalidToken    = &vaultError{code: http.StatusForbidden, msgs: []string{"2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n"}}
	errUnsupportedPath = &vaultError{code: http.StatusNotFound, msgs: []string{"1 error occurred:\n\t* unsupported path\n\n"}}
	errUnsupportedOp   = &vaultError{code: http.StatusMethodNotAllowed, msgs: []string{"1 error occurred:\n\t* unsupported operation\n\n"}}
	errSealed          = &vaultError{code: http.StatusServiceUnavailable, msgs: []string{"Vault is sealed"}}
)

// multiErr formats one message as Vault's wrapped (multierror) errors.
func multiErr(code int, format string, args ...any) error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &vaultError{code: code, msgs: []string{"1 error occurred:\n\t* " + msg + "\n\n"}}
}

// statusOf returns the HTTP status for err and the messages of its body.
func statusOf(err error) (int, []string) {
	var ve *vaultError
	if errors.As(err, &ve) {
		return ve.code, ve.msgs
	}
	return http.StatusInternalServerError, []string{"1 error occurred:\n\t* " + err.Error() + "\n\n"}
}

// dataError is an error response that carries data as well (Vault's
// logical.ErrorResponseWithData), answered {"errors":[...],"data":{...}}.
type dataError struct {
	*vaultError
	data map[string]any
}

func (e *dataError) Unwrap() error { return e.vaultError }

// withData attaches data to a *vaultError; other errors pass unchanged.
func withData(err error, data map[string]any) error {
	var ve *vaultError
	if !errors.As(err, &ve) {
		return err
	}
	return &dataError{vaultError: ve, data: data}
}

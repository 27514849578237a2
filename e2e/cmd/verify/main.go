// Command verify is `mockvault verify` with a real Vault 1.21.1 of its
// own: it replays recordings against a dev server it starts (a Docker
// container through dockertest, as `make conformance` does, or the binary
// with MOCKVAULT_E2E_REAL=binary; VAULT_ADDR/VAULT_TOKEN when set) and a
// fresh mock, and compares every answer. It lives in the e2e module so
// that Docker stays out of the library's go.mod.
//
//	cd e2e && go run ./cmd/verify [flags] RECORDING.json...
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/mockvault/mockvault/conform"
	"github.com/mockvault/mockvault/e2e"
)

func main() {
	os.Exit(conform.VerifyCommand(os.Args[1:], realVault, os.Stdout, os.Stderr))
}

// realVault starts the real Vault e2e.FindRealTarget picks.
func realVault(ctx context.Context) (conform.Endpoint, func(), error) {
	t, reason, err := e2e.FindRealTarget()
	if err == nil && t == nil {
		err = errors.New(reason)
	}
	if err != nil {
		return conform.Endpoint{}, nil, err
	}
	if err := t.Start(ctx); err != nil {
		_ = t.Stop()
		return conform.Endpoint{}, nil, fmt.Errorf("%s: %w", t.Kind(), err)
	}
	fmt.Fprintf(os.Stderr, "verify: real Vault is %s\n", t.Kind())
	return conform.Endpoint{Name: "vault", Addr: t.Addr(), Token: t.RootToken(), Client: t.Client()}, func() { _ = t.Stop() }, nil
}

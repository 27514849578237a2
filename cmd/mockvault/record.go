package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/mockvault/mockvault/conform"
	"github.com/mockvault/mockvault/mockvault"
)

// saveRecording writes srv's recording to file (-record FILE), when the
// server stops; it returns the exit status.
func saveRecording(file string, srv *mockvault.Server, stdout, stderr io.Writer) int {
	if file == "" {
		return 0
	}
	rec := srv.Recording()
	f, err := os.Create(file)
	if err == nil {
		_, err = rec.WriteTo(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "Error writing the recording: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "==> recorded %d steps to %s; check them against real Vault with: mockvault verify %s\n", len(rec.Steps), file, file)
	return 0
}

// verifyMain is `mockvault verify [flags] FILE...` (conform.VerifyCommand)
// against the real Vault of VAULT_ADDR and VAULT_TOKEN.
func verifyMain(args []string, stdout, stderr io.Writer) int {
	return conform.VerifyCommand(args, func(context.Context) (conform.Endpoint, func(), error) {
		e, err := conform.EnvEndpoint()
		return e, func() {}, err
	}, stdout, stderr)
}

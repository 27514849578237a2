package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

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

// verifyMain is `mockvault verify [flags] FILE...`: each recording is
// replayed against the real Vault of VAULT_ADDR/VAULT_TOKEN and a fresh
// in-process mock, step by step. Exit status 0 when every step verified
// matched, 1 when one differed (or, with -strict, could not be verified),
// 2 on a usage or setup error.
func verifyMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt conform.VerifyOptions
	fs.DurationVar(&opt.MaxWait, "max-wait", 10*time.Second, "longest clock move of the recording replayed as a real wait; later steps are not verifiable")
	fs.DurationVar(&opt.Settle, "settle", 3*time.Second, "how long a read whose answers differ is sent again before the difference counts (0: not at all)")
	fs.DurationVar(&opt.Compare.TTLTolerance, "ttl-tolerance", conform.DefaultOptions.TTLTolerance, "how far apart two TTLs may be")
	strict := fs.Bool("strict", false, "fail also when a step is skipped or not verifiable")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: VAULT_ADDR=... VAULT_TOKEN=... mockvault verify [flags] RECORDING.json...")
		fmt.Fprintln(stderr, "Replays recordings (mockvault server -record FILE, Options.Record) against real Vault and a fresh mock and compares every answer.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	if opt.Settle == 0 {
		opt.Settle = -1
	}
	real, err := conform.EnvEndpoint()
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return verifyFiles(ctx, fs.Args(), real, opt, *strict, stdout, stderr)
}

// verifyFiles verifies the files (conform.VerifyFiles) and prints the
// reports; it returns the exit status (see verifyMain).
func verifyFiles(ctx context.Context, files []string, real conform.Endpoint, opt conform.VerifyOptions, strict bool, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "== real Vault at %s, a fresh mock\n", real.Addr)
	reps, err := conform.VerifyFiles(ctx, files, real, opt)
	code := 0
	for _, rep := range reps {
		fmt.Fprintf(stdout, "== %s\n", rep.File)
		rep.Write(stdout)
		if !rep.OK() || (strict && len(rep.Steps) != rep.Count(conform.Match)+rep.Count(conform.Event)) {
			code = 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 2
	}
	return code
}

package conform

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// VerifyCommand is the `verify` command (`mockvault verify`, and the e2e
// module's Docker variant): flags, then recording files, replayed against
// the real Vault real returns (and stops) and one fresh mock. Its result
// is the exit status: 0 when every step verified matched, 1 when one
// differed (or, with -strict, was skipped or not verifiable), 2 on a usage
// or setup error.
func VerifyCommand(args []string, real func(context.Context) (Endpoint, func(), error), stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opt VerifyOptions
	fs.DurationVar(&opt.MaxWait, "max-wait", 10*time.Second, "longest clock move of the recording replayed as a real wait; later steps are not verifiable")
	fs.DurationVar(&opt.Settle, "settle", 3*time.Second, "how long a read whose answers differ is sent again before the difference counts (0: not at all)")
	fs.DurationVar(&opt.Compare.TTLTolerance, "ttl-tolerance", DefaultOptions.TTLTolerance, "how far apart two TTLs may be")
	strict := fs.Bool("strict", false, "fail also when a step is skipped or not verifiable")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: verify [flags] RECORDING.json...")
		fmt.Fprintln(stderr, "Replays recordings (mockvault server -record FILE, Options.Record) against real Vault and a fresh mock, in lockstep, and compares every answer.")
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
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ep, stop, err := real(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 2
	}
	defer stop()
	fmt.Fprintf(stdout, "== real Vault at %s, a fresh mock\n", ep.Addr)
	reps, err := VerifyFiles(ctx, fs.Args(), ep, opt)
	code := 0
	for _, rep := range reps {
		fmt.Fprintf(stdout, "== %s\n", rep.File)
		rep.Write(stdout)
		if !rep.OK() || (*strict && len(rep.Steps) != rep.Count(Match)+rep.Count(Event)) {
			code = 1
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "verify: %v\n", err)
		return 2
	}
	return code
}

// Command mockvault runs the mock Vault as a standalone server, as a drop-in
// for `vault server -dev` in scripts and CI pipelines.
//
//	mockvault server -dev -dev-root-token-id=root -dev-listen-address=127.0.0.1:8200
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/go-secure-stdlib/parseutil"
	"github.com/mockvault/mockvault/mockvault"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, nil))
}

// config is the server's settings after flags and their environment twins.
type config struct {
	rootToken  string
	listen     string
	noStore    bool
	logLevel   string
	tlsCert    string
	tlsKey     string
	manualTime bool
	seed       string
	admin      bool
	adminToken string
	record     string
	level      int
	// The listener's timeouts, Vault's http_read_header_timeout,
	// http_read_timeout, http_write_timeout and http_idle_timeout, with
	// the defaults of Vault 1.21.1's listeners (command/server.go).
	readHeaderTimeout time.Duration
	readTimeout       time.Duration
	writeTimeout      time.Duration
	idleTimeout       time.Duration
}

// httpServer is the HTTP server for handler with c's timeouts: a stalled
// or idle connection is closed, so thousands of them cannot hold the
// server's file descriptors.
func (c config) httpServer(handler http.Handler) *http.Server {
	return &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: c.readHeaderTimeout,
		ReadTimeout:       c.readTimeout,
		WriteTimeout:      c.writeTimeout,
		IdleTimeout:       c.idleTimeout,
	}
}

// durationFlag reads a duration as Vault's listener config does: "30s",
// "5m" or a number of seconds; 0 turns the timeout off.
type durationFlag struct{ d *time.Duration }

func (f durationFlag) String() string {
	if f.d == nil {
		return ""
	}
	return f.d.String()
}

func (f durationFlag) Set(v string) error {
	d, err := parseutil.ParseDurationSecond(v)
	if err != nil {
		return err
	}
	if d < 0 {
		return errors.New("must not be negative")
	}
	*f.d = d
	return nil
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envBool(name string) bool {
	v := strings.ToLower(os.Getenv(name))
	return v == "1" || v == "true" || v == "yes"
}

// run parses args and serves until a signal (or ready's context) stops it.
// ready, when non-nil, receives the bound address (used by tests).
func run(args []string, stdout, stderr io.Writer, ready chan<- string) int {
	if len(args) > 0 && args[0] == "health" {
		return health(args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "verify" {
		return verifyMain(args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "server" {
		fmt.Fprintln(stderr, "usage: mockvault server -dev [flags] | mockvault health [-address URL] | mockvault verify RECORDING.json...")
		return 2
	}
	c, code := parseServerFlags(args[1:], stderr)
	if code != 0 {
		return code
	}
	level := c.level
	opts := mockvault.Options{RootToken: c.rootToken, Clock: mockvault.RealClock{}, AdminRoutes: c.admin, AdminToken: c.adminToken, Record: c.record != ""}
	if level <= levelWarn {
		// The server's warnings (a mount of an engine the mock does not
		// implement) go where Vault's log goes; at debug level also a line
		// per request, its path masked by the server (never a token).
		lv := slog.LevelWarn
		if level <= levelDebug {
			lv = slog.LevelDebug
		}
		opts.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	}
	if c.manualTime {
		opts.Clock = mockvault.NewManualClock(time.Now().UTC().Truncate(time.Second))
	}
	srv := mockvault.New(opts)
	defer srv.Close()
	if c.seed != "" {
		sd, err := mockvault.LoadSeedFile(c.seed)
		if err == nil {
			err = srv.Seed(sd)
		}
		if err != nil {
			fmt.Fprintf(stderr, "Error applying seed: %v\n", err)
			return 1
		}
	}

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		fmt.Fprintf(stderr, "Error initializing listener of type tcp: %v\n", err)
		return 1
	}
	scheme := "http"
	if c.tlsCert != "" {
		scheme = "https"
	}
	bound := ln.Addr().(*net.TCPAddr)
	shown := bound.String()
	if bound.IP.IsUnspecified() {
		shown = net.JoinHostPort("0.0.0.0", fmt.Sprint(bound.Port))
	}
	addr := scheme + "://" + shown
	fmt.Fprintf(stdout, "==> mockvault server started! (a mock of Vault v1.21.1 for tests, not a real Vault)\n\n")
	fmt.Fprintf(stdout, "    Api Address: %s\n", addr)
	fmt.Fprintf(stdout, "    Root Token: %s\n", c.rootToken)
	fmt.Fprintf(stdout, "    Clock: %s\n", map[bool]string{true: "manual (frozen)", false: "real time"}[c.manualTime])
	if c.seed != "" {
		fmt.Fprintf(stdout, "    Seed: %s\n", c.seed)
	}
	if c.admin {
		if c.adminToken != "" {
			fmt.Fprintf(stdout, "    Admin routes: %s/_mockvault/ (X-Vault-Token: the admin token)\n", addr)
			fmt.Fprintf(stdout, "    Admin Token: %s\n", c.adminToken)
		} else {
			fmt.Fprintf(stdout, "    Admin routes: %s/_mockvault/ (X-Vault-Token: the root token)\n", addr)
		}
	}
	fmt.Fprintln(stdout)
	if !bound.IP.IsLoopback() {
		fmt.Fprintf(stdout, "WARNING: listening on %s, which is not a loopback address: anyone who can reach it can use the root token.\n\n", shown)
	}
	fmt.Fprintf(stdout, "    export VAULT_ADDR='%s'\n\n", addr)

	hs := c.httpServer(srv)
	errc := make(chan error, 1)
	go func() {
		if c.tlsCert != "" {
			// Ask for (never require) a client certificate, as Vault's
			// listener does: the cert auth method logs in with it.
			hs.TLSConfig = &tls.Config{ClientAuth: tls.RequestClientCert}
			errc <- hs.ServeTLS(ln, c.tlsCert, c.tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigc)
	if ready != nil {
		ready <- addr
	}
	select {
	case sig := <-sigc:
		fmt.Fprintf(stdout, "==> mockvault shutdown triggered (%v)\n", sig)
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(stderr, "serve: %v\n", err)
			return 1
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(ctx)
	return saveRecording(c.record, srv, stdout, stderr)
}

// parseServerFlags reads the flags of `mockvault server` (args after
// "server") and their environment twins; a non-zero code is the exit
// status, the error already written to stderr.
func parseServerFlags(args []string, stderr io.Writer) (config, int) {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	dev := fs.Bool("dev", false, "run in dev mode (the only mode mockvault has)")
	fs.StringVar(&c.rootToken, "dev-root-token-id", envOr("VAULT_DEV_ROOT_TOKEN_ID", "root"), "root token id (env VAULT_DEV_ROOT_TOKEN_ID)")
	fs.StringVar(&c.listen, "dev-listen-address", envOr("VAULT_DEV_LISTEN_ADDRESS", "127.0.0.1:8200"), "address to listen on (env VAULT_DEV_LISTEN_ADDRESS)")
	fs.BoolVar(&c.noStore, "dev-no-store-token", false, "accepted for compatibility: mockvault never writes ~/.vault-token")
	fs.StringVar(&c.logLevel, "log-level", envOr("VAULT_LOG_LEVEL", "info"), "log level: trace, debug, info, warn, error (env VAULT_LOG_LEVEL)")
	fs.StringVar(&c.tlsCert, "tls-cert-file", envOr("MOCKVAULT_TLS_CERT_FILE", ""), "serve TLS with this certificate (env MOCKVAULT_TLS_CERT_FILE)")
	fs.StringVar(&c.tlsKey, "tls-key-file", envOr("MOCKVAULT_TLS_KEY_FILE", ""), "TLS private key (env MOCKVAULT_TLS_KEY_FILE)")
	fs.BoolVar(&c.manualTime, "manual-clock", envBool("MOCKVAULT_MANUAL_CLOCK"), "freeze the server clock (env MOCKVAULT_MANUAL_CLOCK)")
	fs.StringVar(&c.seed, "seed", envOr("MOCKVAULT_SEED", ""), "seed file (HCL or JSON) applied at start (env MOCKVAULT_SEED)")
	fs.BoolVar(&c.admin, "admin-routes", envBool("MOCKVAULT_ADMIN_ROUTES"), "enable the /_mockvault/ control routes (env MOCKVAULT_ADMIN_ROUTES)")
	fs.StringVar(&c.record, "record", envOr("MOCKVAULT_RECORD", ""), "record the traffic to this file when the server stops, for `mockvault verify` (env MOCKVAULT_RECORD)")
	fs.StringVar(&c.adminToken, "admin-token", envOr("MOCKVAULT_ADMIN_TOKEN", ""), "the only token the admin routes take (default: the root token) (env MOCKVAULT_ADMIN_TOKEN)")
	for _, d := range []struct {
		name string
		p    *time.Duration
		def  time.Duration
		what string
	}{
		{"http-read-header-timeout", &c.readHeaderTimeout, 10 * time.Second, "time to read a request's headers"},
		{"http-read-timeout", &c.readTimeout, 30 * time.Second, "time to read a whole request, body included"},
		{"http-write-timeout", &c.writeTimeout, 0, "time to write an answer (0: none)"},
		{"http-idle-timeout", &c.idleTimeout, 5 * time.Minute, "time an idle keep-alive connection stays open"},
	} {
		env := "MOCKVAULT_" + strings.ToUpper(strings.ReplaceAll(d.name, "-", "_"))
		*d.p = d.def
		if v := os.Getenv(env); v != "" {
			if err := (durationFlag{d.p}).Set(v); err != nil {
				fmt.Fprintf(stderr, "invalid %s %q: %v\n", env, v, err)
				return c, 2
			}
		}
		fs.Var(durationFlag{d.p}, d.name, fmt.Sprintf("%s, as Vault's listener %s (env %s)", d.what, strings.ReplaceAll(d.name, "-", "_"), env))
	}
	if err := fs.Parse(args); err != nil {
		return c, 2
	}
	if !*dev {
		fmt.Fprintln(stderr, "mockvault only runs in dev mode: add -dev")
		return c, 2
	}
	level, ok := logLevels[strings.ToLower(c.logLevel)]
	if !ok {
		fmt.Fprintf(stderr, "Unknown log level: %s\n", c.logLevel)
		return c, 2
	}
	c.level = level
	if (c.tlsCert == "") != (c.tlsKey == "") {
		fmt.Fprintln(stderr, "both -tls-cert-file and -tls-key-file are needed for TLS")
		return c, 2
	}
	return c, 0
}

// health checks a running server's sys/health (the container image's
// HEALTHCHECK: a scratch image has no curl).
func health(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("address", envOr("VAULT_ADDR", "http://127.0.0.1:8200"), "server address (env VAULT_ADDR)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(strings.TrimSuffix(*addr, "/") + "/v1/sys/health")
	if err != nil {
		fmt.Fprintf(stderr, "unhealthy: %v\n", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "unhealthy: status %d\n", resp.StatusCode)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

const (
	levelTrace = iota
	levelDebug
	levelInfo
	levelWarn
	levelError
)

var logLevels = map[string]int{
	"trace": levelTrace, "debug": levelDebug, "info": levelInfo,
	"warn": levelWarn, "warning": levelWarn, "err": levelError, "error": levelError,
}

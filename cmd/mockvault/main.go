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
	"runtime/debug"
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
	dev        bool
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
	logFormat  string
	jsonLog    bool
	// The dev flags of vault server -dev beyond the token and address.
	devTLS        bool
	devTLSCertDir string
	devTLSSANs    []string
	devKVV1       bool
	devNoKV       bool
	pluginDir     string
	configs       []string
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

// vaultVersion is the Vault release the mock answers as.
const vaultVersion = "1.21.1"

// version is the mock's own version: set at build time with
// -ldflags "-X main.version=v1.2.3", else the module version Go recorded.
var version = ""

func mockVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

const topUsage = `Usage: mockvault <command> [flags]

  A mock of Vault ` + vaultVersion + ` for tests: a drop-in for "vault server -dev".

Commands:
    server     Start the mock dev server (mockvault server -dev; see mockvault server -h)
    health     Check a running server's sys/health (mockvault health [-address URL])
    verify     Replay recordings against real Vault and a fresh mock (mockvault verify RECORDING.json...)
    version    Print the mock's version and the Vault version it conforms to
`

// run parses args and serves until a signal (or ready's context) stops it.
// ready, when non-nil, receives the bound address (used by tests).
func run(args []string, stdout, stderr io.Writer, ready chan<- string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, topUsage)
		return 2
	}
	switch args[0] {
	case "health":
		return health(args[1:], stdout, stderr)
	case "verify":
		return verifyMain(args[1:], stdout, stderr)
	case "version", "-version", "--version", "-v":
		fmt.Fprintf(stdout, "mockvault %s (a mock of Vault v%s)\n", mockVersion(), vaultVersion)
		return 0
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, topUsage)
		fmt.Fprintln(stdout)
		var c config
		printServerUsage(stdout, serverFlags(&c))
		return 0
	case "server":
	default:
		fmt.Fprintf(stderr, "Unknown command: %s\n\n%s", args[0], topUsage)
		return 2
	}
	c, code := parseServerFlags(args[1:], stdout, stderr)
	if code == -1 {
		return 0 // -h
	}
	if code != 0 {
		return code
	}
	opts := mockvault.Options{RootToken: c.rootToken, Clock: mockvault.RealClock{}, AdminRoutes: c.admin, AdminToken: c.adminToken,
		DevKVV1: c.devKVV1, DevNoKV: c.devNoKV, Record: c.record != ""}
	logger := c.logger(stderr)
	opts.Logger = logger
	if c.pluginDir != "" && logger != nil {
		logger.Warn("mockvault runs no external plugins: -dev-plugin-dir ignored", "dir", c.pluginDir)
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
	var certDir string
	var tlsConf *tls.Config
	if c.devTLS {
		var cleanup func()
		var err error
		certDir, tlsConf, cleanup, err = c.setupDevTLS()
		if err != nil {
			fmt.Fprintf(stderr, "Error initializing Dev TLS: %v\n", err)
			return 1
		}
		defer cleanup()
	}

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		fmt.Fprintf(stderr, "Error initializing listener of type tcp: %v\n", err)
		return 1
	}
	scheme := "http"
	if c.tlsCert != "" || tlsConf != nil {
		scheme = "https"
	}
	bound := ln.Addr().(*net.TCPAddr)
	shown := bound.String()
	if bound.IP.IsUnspecified() {
		shown = net.JoinHostPort("0.0.0.0", fmt.Sprint(bound.Port))
	}
	addr := scheme + "://" + shown
	c.banner(stdout, addr, shown, certDir, srv.UnsealKey(), !bound.IP.IsLoopback())

	hs := c.httpServer(srv)
	if tlsConf == nil && c.tlsCert != "" {
		tlsConf = &tls.Config{}
	}
	if tlsConf != nil {
		// Ask for (never require) a client certificate, as Vault's
		// listener does: the cert auth method logs in with it.
		tlsConf.ClientAuth = tls.RequestClientCert
	}
	hs.TLSConfig = tlsConf
	errc := make(chan error, 1)
	go func() {
		switch {
		case c.tlsCert != "":
			errc <- hs.ServeTLS(ln, c.tlsCert, c.tlsKey)
		case tlsConf != nil:
			errc <- hs.ServeTLS(ln, "", "")
		default:
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

// logger is where Vault's log would go (stderr), nil above warn level:
// the server's warnings (a mount of an engine the mock does not
// implement), at debug level also a line per request, its path masked by
// the server (never a token). -log-format=json writes Vault's JSON keys.
func (c config) logger(stderr io.Writer) *slog.Logger {
	if c.level > levelWarn {
		return nil
	}
	lv := slog.LevelWarn
	if c.level <= levelDebug {
		lv = slog.LevelDebug
	}
	if !c.jsonLog {
		return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	}
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv, ReplaceAttr: vaultJSONKeys}))
}

// vaultJSONKeys renames slog's keys to hclog's JSON ones, as Vault's
// -log-format=json lines have them.
func vaultJSONKeys(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		a.Key = "@timestamp"
		a.Value = slog.StringValue(a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
	case slog.LevelKey:
		a.Key = "@level"
		a.Value = slog.StringValue(strings.ToLower(a.Value.String()))
	case slog.MessageKey:
		a.Key = "@message"
	}
	return a
}

// setupDevTLS generates the -dev-tls CA and certificate into the
// certificate directory (an existing one, or a new temporary one) as
// Vault does; cleanup removes them (and a directory it made) on shutdown.
func (c config) setupDevTLS() (dir string, conf *tls.Config, cleanup func(), err error) {
	dir = c.devTLSCertDir
	made := false
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return "", nil, nil, err
		}
	} else {
		if dir, err = os.MkdirTemp("", "vault-tls"); err != nil {
			return "", nil, nil, err
		}
		made = true
	}
	sans := c.devTLSSANs
	// As Vault: the listen host joins the names unless it is the default
	// 127.0.0.1 (already in) or empty (all interfaces).
	if host, _, err := net.SplitHostPort(c.listen); err == nil && host != "" && host != "127.0.0.1" {
		sans = append(append([]string(nil), sans...), host)
	}
	d, err := mockvault.NewDevTLS(sans...)
	if err == nil {
		err = d.WriteFiles(dir)
	}
	if err == nil {
		conf, err = d.ServerConfig()
	}
	cleanup = func() {
		d.RemoveFiles(dir)
		if made {
			_ = os.Remove(dir)
		}
	}
	if err != nil {
		cleanup()
		return "", nil, nil, err
	}
	return dir, conf, cleanup, nil
}

// banner prints the mock's header, then Vault's dev-mode block with its
// lines scripts parse (export VAULT_ADDR/VAULT_CACERT, Unseal Key, Root
// Token) as Vault 1.21.1 prints them.
func (c config) banner(w io.Writer, addr, shown, certDir, unsealKey string, exposed bool) {
	fmt.Fprintf(w, "==> mockvault server started! (a mock of Vault v%s for tests, not a real Vault)\n\n", vaultVersion)
	fmt.Fprintf(w, "    Api Address: %s\n", addr)
	fmt.Fprintf(w, "    Clock: %s\n", map[bool]string{true: "manual (frozen)", false: "real time"}[c.manualTime])
	if c.seed != "" {
		fmt.Fprintf(w, "    Seed: %s\n", c.seed)
	}
	if c.admin {
		if c.adminToken != "" {
			fmt.Fprintf(w, "    Admin routes: %s/_mockvault/ (X-Vault-Token: the admin token)\n", addr)
			fmt.Fprintf(w, "    Admin Token: %s\n", c.adminToken)
		} else {
			fmt.Fprintf(w, "    Admin routes: %s/_mockvault/ (X-Vault-Token: the root token)\n", addr)
		}
	}
	fmt.Fprintln(w)
	if exposed {
		fmt.Fprintf(w, "WARNING: listening on %s, which is not a loopback address: anyone who can reach it can use the root token.\n\n", shown)
	}
	fmt.Fprint(w, "WARNING! dev mode is enabled! In this mode, mockvault runs entirely\n"+
		"in-memory and starts unsealed with a single unseal key. Unlike Vault, it\n"+
		"does not store the root token for the CLI: set VAULT_TOKEN.\n\n"+
		"You may need to set the following environment variables:\n\n")
	fmt.Fprintf(w, "    $ export VAULT_ADDR='%s'\n", addr)
	if certDir != "" {
		fmt.Fprintf(w, "    $ export VAULT_CACERT='%s/%s'\n\n", certDir, mockvault.DevTLSCAFile)
	}
	fmt.Fprint(w, "\nThe unseal key and root token are displayed below in case you want to\n"+
		"seal/unseal the Vault or re-authenticate.\n\n")
	fmt.Fprintf(w, "Unseal Key: %s\n", unsealKey)
	fmt.Fprintf(w, "Root Token: %s\n\n", c.rootToken)
	fmt.Fprint(w, "Development mode should NOT be used in production installations!\n\n")
}

// serverFlag is one flag of `mockvault server`: its value (holding the
// default), its environment twin ("" for none) and its help.
type serverFlag struct {
	name, env, usage string
	value            flag.Value
}

// boolValue is a bool flag (-name alone means true).
type boolValue struct{ p *bool }

func (b boolValue) String() string {
	if b.p == nil {
		return "false"
	}
	return fmt.Sprint(*b.p)
}
func (b boolValue) IsBoolFlag() bool { return true }
func (b boolValue) Set(v string) error {
	x, err := parseBoolArg(v)
	*b.p = x
	return err
}

// parseBoolArg reads a bool flag or environment value: 1/true/yes, 0/false/no.
func parseBoolArg(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "t":
		return true, nil
	case "0", "false", "no", "f", "":
		return false, nil
	}
	return false, fmt.Errorf("invalid boolean %q", v)
}

// stringValue is a string flag.
type stringValue struct{ p *string }

func (v stringValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v stringValue) Set(s string) error { *v.p = s; return nil }

// listValue is a repeatable flag (-dev-tls-san a -dev-tls-san b); its
// environment twin takes a comma-separated list.
type listValue struct{ p *[]string }

func (v listValue) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}
func (v listValue) Set(s string) error { *v.p = append(*v.p, strings.TrimSpace(s)); return nil }

// serverFlags declares every flag of `mockvault server` into c, with its
// default, in the order -h lists them.
func serverFlags(c *config) []serverFlag {
	c.rootToken, c.listen, c.logLevel, c.logFormat = "root", "127.0.0.1:8200", "info", "standard"
	flags := []serverFlag{
		{"dev", "", "run in dev mode (the only mode mockvault has; -dev-tls, -dev-kv-v1 and -dev-no-kv imply it)", boolValue{&c.dev}},
		{"dev-root-token-id", "VAULT_DEV_ROOT_TOKEN_ID", "root token id", stringValue{&c.rootToken}},
		{"dev-listen-address", "VAULT_DEV_LISTEN_ADDRESS", "address to listen on; port 0 picks a free port, printed in the banner", stringValue{&c.listen}},
		{"dev-no-store-token", "MOCKVAULT_DEV_NO_STORE_TOKEN", "accepted for compatibility: mockvault never writes ~/.vault-token", boolValue{&c.noStore}},
		{"dev-tls", "MOCKVAULT_DEV_TLS", "serve https with a generated CA and certificate, as vault server -dev-tls", boolValue{&c.devTLS}},
		{"dev-tls-cert-dir", "MOCKVAULT_DEV_TLS_CERT_DIR", "existing directory for vault-ca.pem, vault-cert.pem, vault-key.pem; empty: a new temporary directory", stringValue{&c.devTLSCertDir}},
		{"dev-tls-san", "MOCKVAULT_DEV_TLS_SAN", "extra subject alternative name (DNS name or IP) of the -dev-tls certificate; repeatable (env: comma-separated)", listValue{&c.devTLSSANs}},
		{"dev-kv-v1", "MOCKVAULT_DEV_KV_V1", "mount secret/ as KV version 1", boolValue{&c.devKVV1}},
		{"dev-no-kv", "MOCKVAULT_DEV_NO_KV", "mount no secret/ KV engine", boolValue{&c.devNoKV}},
		{"dev-plugin-dir", "MOCKVAULT_DEV_PLUGIN_DIR", "accepted with a warning: mockvault runs no external plugins", stringValue{&c.pluginDir}},
		{"config", "", "refused: mockvault takes no configuration file (use the flags here and -seed)", listValue{&c.configs}},
		{"log-level", "VAULT_LOG_LEVEL", "log level: trace, debug, info, warn, error", stringValue{&c.logLevel}},
		{"log-format", "VAULT_LOG_FORMAT", "log format: standard or json", stringValue{&c.logFormat}},
		{"tls-cert-file", "MOCKVAULT_TLS_CERT_FILE", "serve TLS with this certificate", stringValue{&c.tlsCert}},
		{"tls-key-file", "MOCKVAULT_TLS_KEY_FILE", "TLS private key", stringValue{&c.tlsKey}},
		{"manual-clock", "MOCKVAULT_MANUAL_CLOCK", "freeze the server clock", boolValue{&c.manualTime}},
		{"seed", "MOCKVAULT_SEED", "seed file (HCL or JSON) applied at start", stringValue{&c.seed}},
		{"admin-routes", "MOCKVAULT_ADMIN_ROUTES", "enable the /_mockvault/ control routes", boolValue{&c.admin}},
		{"admin-token", "MOCKVAULT_ADMIN_TOKEN", "the only token the admin routes take (default: the root token)", stringValue{&c.adminToken}},
		{"record", "MOCKVAULT_RECORD", "record the traffic to this file when the server stops, for mockvault verify", stringValue{&c.record}},
	}
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
		*d.p = d.def
		flags = append(flags, serverFlag{d.name, "MOCKVAULT_" + strings.ToUpper(strings.ReplaceAll(d.name, "-", "_")),
			fmt.Sprintf("%s, as Vault's listener %s", d.what, strings.ReplaceAll(d.name, "-", "_")), durationFlag{d.p}})
	}
	return flags
}

// printServerUsage lists every flag with its default and environment twin.
func printServerUsage(w io.Writer, flags []serverFlag) {
	fmt.Fprintln(w, "Usage: mockvault server -dev [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "  A mock of `vault server -dev` (Vault "+vaultVersion+") for tests. Flags (a flag wins over its environment variable):")
	fmt.Fprintln(w)
	for _, f := range flags {
		def := f.value.String()
		if def == "" {
			def = `""`
		}
		env := ""
		if f.env != "" {
			env = "; env " + f.env
		}
		fmt.Fprintf(w, "  -%s\n      %s (default %s%s)\n", f.name, f.usage, def, env)
	}
}

// parseServerFlags reads the flags of `mockvault server` (args after
// "server") and their environment twins; a non-zero code is the exit
// status, the error already written to stderr.
func parseServerFlags(args []string, stdout, stderr io.Writer) (config, int) {
	var c config
	flags := serverFlags(&c)
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, f := range flags {
		fs.Var(f.value, f.name, f.usage)
	}
	// Help shows the defaults, before the environment changes them.
	var help strings.Builder
	printServerUsage(&help, flags)
	for _, f := range flags {
		v, ok := os.LookupEnv(f.env)
		if f.env == "" || !ok || v == "" {
			continue
		}
		var err error
		if lv, isList := f.value.(listValue); isList {
			for _, item := range strings.Split(v, ",") {
				err = errors.Join(err, lv.Set(item))
			}
		} else {
			err = f.value.Set(v)
		}
		if err != nil {
			fmt.Fprintf(stderr, "invalid %s %q: %v\n", f.env, v, err)
			return c, 2
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, help.String())
			return c, -1
		}
		fmt.Fprintln(stderr, err)
		fmt.Fprintln(stderr, "Run 'mockvault server -h' for the flags mockvault takes.")
		return c, 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "Too many arguments (expected 0, got %d): %q\n", fs.NArg(), fs.Args())
		return c, 2
	}
	if len(c.configs) > 0 {
		fmt.Fprintf(stderr, "mockvault does not read Vault configuration files (-config %s): it runs only as `vault server -dev` does. "+
			"Use the dev flags (-dev-listen-address, -dev-root-token-id, -dev-tls, -tls-cert-file ...; see mockvault server -h) and -seed for initial state.\n",
			strings.Join(c.configs, ","))
		return c, 2
	}
	// As Vault, these dev flags turn dev mode on by themselves.
	if c.devTLS || c.devKVV1 || c.devNoKV {
		c.dev = true
	}
	if !c.dev {
		fmt.Fprintln(stderr, "mockvault only runs in dev mode: add -dev")
		return c, 2
	}
	level, ok := logLevels[strings.ToLower(c.logLevel)]
	if !ok {
		fmt.Fprintf(stderr, "Unknown log level: %s\n", c.logLevel)
		return c, 2
	}
	c.level = level
	switch strings.ToLower(c.logFormat) {
	case "standard", "":
		c.jsonLog = false
	case "json":
		c.jsonLog = true
	default:
		fmt.Fprintf(stderr, "unknown log format: %s\n", c.logFormat)
		return c, 2
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		fmt.Fprintln(stderr, "both -tls-cert-file and -tls-key-file are needed for TLS")
		return c, 2
	}
	if c.devTLS && c.tlsCert != "" {
		fmt.Fprintln(stderr, "-dev-tls generates its own certificate: drop -tls-cert-file and -tls-key-file, or -dev-tls")
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
	// A liveness probe of a server on this host (the image's HEALTHCHECK):
	// it sends no token and believes nothing but the status, so a -dev-tls
	// server's own CA need not be found to trust it.
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
	}}
	url := strings.TrimSuffix(*addr, "/") + "/v1/sys/health"
	status, body, err := healthGet(client, url)
	// a -dev-tls server (`docker run IMAGE server -dev -dev-tls`) answers
	// the default http address so: ask it again over https
	if err == nil && status == http.StatusBadRequest && strings.Contains(body, "HTTPS server") && strings.HasPrefix(url, "http://") {
		status, _, err = healthGet(client, "https://"+strings.TrimPrefix(url, "http://"))
	}
	if err != nil {
		fmt.Fprintf(stderr, "unhealthy: %v\n", err)
		return 1
	}
	if status != http.StatusOK {
		fmt.Fprintf(stderr, "unhealthy: status %d\n", status)
		return 1
	}
	fmt.Fprintln(stdout, "ok")
	return 0
}

// healthGet is GET url's status and the start of its body.
func healthGet(client *http.Client, url string) (int, string, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, string(b), nil
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

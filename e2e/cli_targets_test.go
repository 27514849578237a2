package e2e

// Targets and process helpers for TestCLIAgent (cli_agent_test.go): the
// mock's own binary and its container image, built from this checkout.

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

const (
	// cliMockImage is the mock's image built from the repository's
	// Dockerfile (the same one `make image` builds, under another tag).
	cliMockImage = "mockvault/mockvault-e2e"
	cliMockTag   = "cli"
	// labelMock marks the mock containers of this test (reaped like the
	// real-Vault ones when their test process is gone).
	labelMock = "mock"
)

// repoRoot is the repository root (the e2e module's parent).
func repoRoot() string { return filepath.Dir(moduleDir()) }

// goTool is the go command that runs this test, else the one on PATH.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// goBuild runs `go build -o out ./cmd/mockvault` in the repository root.
func goBuild(ctx context.Context, out string, static bool) error {
	args := []string{"build", "-o", out}
	if static {
		args = append(args, "-trimpath", "-ldflags=-s -w")
	}
	cmd := exec.CommandContext(ctx, goTool(), append(args, "./cmd/mockvault")...)
	cmd.Dir = repoRoot()
	cmd.Env = os.Environ()
	if static {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=0", "GOOS=linux")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", strings.Join(cmd.Args[1:], " "), err, b)
	}
	return nil
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port that was free a
// moment ago.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// ---------------------------------------------------------------- mock container

// MockContainerTarget runs the mock's image, built through the Docker API
// from the repository's Dockerfile (FROM scratch around bin/mockvault-linux,
// which must be built first), with its default command `server -dev`.
type MockContainerTarget struct {
	pool     *dockertest.Pool
	res      *dockertest.Resource
	addr     string
	client   *http.Client
	BuildDur time.Duration
}

// NewMockContainerTarget connects to the Docker daemon.
func NewMockContainerTarget() (*MockContainerTarget, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, err
	}
	if err := pool.Client.Ping(); err != nil {
		return nil, err
	}
	return &MockContainerTarget{pool: pool}, nil
}

func (m *MockContainerTarget) Name() string         { return "mock-container" }
func (m *MockContainerTarget) Kind() string         { return "docker " + cliMockImage + ":" + cliMockTag }
func (m *MockContainerTarget) Addr() string         { return m.addr }
func (m *MockContainerTarget) RootToken() string    { return "root" }
func (m *MockContainerTarget) Client() *http.Client { return m.client }

// Build builds the image from the repository root (the context is what
// .dockerignore lets through: bin/mockvault-linux). The previous image of
// that tag, if any and now unused, is removed.
func (m *MockContainerTarget) Build() error {
	// the image's empty /tmp (see the Dockerfile; make image does the same)
	tmp := filepath.Join(repoRoot(), "bin", "rootfs", "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return err
	}
	if err := os.Chmod(tmp, os.ModeSticky|0o777); err != nil {
		return err
	}
	old, _ := m.pool.Client.InspectImage(cliMockImage + ":" + cliMockTag)
	start := time.Now()
	var out bytes.Buffer
	err := m.pool.Client.BuildImage(dc.BuildImageOptions{
		Name:           cliMockImage + ":" + cliMockTag,
		Dockerfile:     "Dockerfile",
		ContextDir:     repoRoot(),
		OutputStream:   &out,
		RmTmpContainer: true,
		Labels:         map[string]string{labelKey: "mock-image"},
	})
	if err != nil {
		return fmt.Errorf("building the mock image from %s/Dockerfile: %w\n%s", repoRoot(), err, tail(out.String(), 2000))
	}
	m.BuildDur = time.Since(start)
	if now, err := m.pool.Client.InspectImage(cliMockImage + ":" + cliMockTag); err == nil && old != nil && old.ID != now.ID {
		_ = m.pool.Client.RemoveImageExtended(old.ID, dc.RemoveImageOptions{})
	}
	return nil
}

// Start runs the container on a random loopback port and waits for
// sys/health.
func (m *MockContainerTarget) Start(ctx context.Context) error {
	m.reapStale()
	res, err := m.run(nil)
	if err != nil {
		return err
	}
	m.res = res
	m.addr, m.client, err = awaitContainer(ctx, m.pool, res, 30*time.Second)
	if err != nil {
		m.res = nil
	}
	return err
}

// run starts a container of the image with args as its command (nil: the
// image's `server -dev`), its port 8200 published on a random loopback
// port, labelled to be reaped if this process dies first.
func (m *MockContainerTarget) run(args []string) (*dockertest.Resource, error) {
	bindIP := "127.0.0.1"
	if dockerHost() != "127.0.0.1" {
		bindIP = ""
	}
	res, err := m.pool.RunWithOptions(&dockertest.RunOptions{
		Repository:   cliMockImage,
		Tag:          cliMockTag,
		Cmd:          args,
		Env:          []string{"VAULT_DEV_ROOT_TOKEN_ID=root"},
		ExposedPorts: []string{"8200/tcp"},
		PortBindings: map[dc.Port][]dc.PortBinding{"8200/tcp": {{HostIP: bindIP, HostPort: ""}}},
		Labels:       m.labels(),
	}, func(hc *dc.HostConfig) {
		hc.AutoRemove = false
		hc.RestartPolicy = dc.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return nil, fmt.Errorf("starting %s %s: %w", m.Kind(), strings.Join(args, " "), err)
	}
	return res, nil
}

// labels mark this process's containers of the image (reapStale).
func (m *MockContainerTarget) labels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{labelKey: labelMock, labelPID: strconv.Itoa(os.Getpid()), labelHost: host}
}

// ServerCommand is how ops_cli.sh starts a server of its own from the
// image: clients/container_server.sh (docker run with the host's network,
// user and $TMPDIR) and its environment; "" and the reason when this host
// cannot (no docker command, or a Docker engine elsewhere, whose host
// network and directories are not this machine's).
func (m *MockContainerTarget) ServerCommand() (string, []string, string) {
	if _, err := exec.LookPath("docker"); err != nil {
		return "", nil, "n/a (no docker command)"
	}
	if dockerHost() != "127.0.0.1" {
		return "", nil, "n/a (remote Docker)"
	}
	var args []string
	for k, v := range m.labels() {
		args = append(args, "--label="+k+"="+v)
	}
	sort.Strings(args)
	return filepath.Join(moduleDir(), "clients", "container_server.sh"),
		[]string{"MOCK_IMAGE=" + cliMockImage + ":" + cliMockTag, "DOCKER_RUN_ARGS=" + strings.Join(args, " ")}, ""
}

// CheckDevTLS runs `docker run IMAGE server -dev -dev-tls` as a user of
// the image would, with nothing mounted: the server must write its
// certificates into a new directory in the image's own /tmp, print it as
// VAULT_CACERT in the banner, and answer https with that CA (the file
// copied out of the container). It returns what it saw.
func (m *MockContainerTarget) CheckDevTLS(ctx context.Context) (string, error) {
	res, err := m.run([]string{"server", "-dev", "-dev-tls"})
	if err != nil {
		return "", err
	}
	defer func() { _ = m.pool.Purge(res) }()
	fail := func(err error) (string, error) {
		return "", fmt.Errorf("%w; container output:\n%s", err, containerLogs(m.pool, res))
	}
	cacertRE := regexp.MustCompile(`(?m)^ *\$ export VAULT_CACERT='(/tmp/vault-tls[0-9]+/vault-ca\.pem)'$`)
	var cacert string
	for deadline := time.Now().Add(30 * time.Second); cacert == ""; time.Sleep(100 * time.Millisecond) {
		if mm := cacertRE.FindStringSubmatch(containerLogs(m.pool, res)); mm != nil {
			cacert = mm[1]
		} else if time.Now().After(deadline) || ctx.Err() != nil {
			return fail(errors.New("no VAULT_CACERT='/tmp/vault-tls<n>/vault-ca.pem' line in the banner"))
		}
	}
	var tarball bytes.Buffer
	if err := m.pool.Client.DownloadFromContainer(res.Container.ID, dc.DownloadFromContainerOptions{
		Path: cacert, OutputStream: &tarball, Context: ctx,
	}); err != nil {
		return fail(fmt.Errorf("copying %s out of the container: %w", cacert, err))
	}
	tr := tar.NewReader(&tarball)
	if _, err := tr.Next(); err != nil {
		return fail(fmt.Errorf("copying %s out of the container: %w", cacert, err))
	}
	pem, err := io.ReadAll(tr)
	if err != nil {
		return fail(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return fail(fmt.Errorf("%s holds no certificate", cacert))
	}
	addr := "https://" + net.JoinHostPort(dockerHost(), res.GetPort("8200/tcp"))
	// the dev certificate names localhost and 127.0.0.1, not a remote
	// Docker host
	client := newHTTPClient(&tls.Config{RootCAs: pool, ServerName: "localhost"})
	if err := waitHealthy(ctx, client, addr, 30*time.Second, nil); err != nil {
		return fail(err)
	}
	// the image's HEALTHCHECK (mockvault health, on http://127.0.0.1:8200)
	// must find the https server healthy too
	var health string
	for deadline := time.Now().Add(30 * time.Second); health != "healthy"; time.Sleep(250 * time.Millisecond) {
		c, err := m.pool.Client.InspectContainerWithContext(res.Container.ID, ctx)
		if err == nil && c.State.Health.Status != "" {
			health = c.State.Health.Status
		}
		if health != "healthy" && (time.Now().After(deadline) || ctx.Err() != nil) {
			return fail(fmt.Errorf("the image's health check says %q, not healthy", health))
		}
	}
	return fmt.Sprintf("banner VAULT_CACERT=%s; sys/health over https with that CA: 200; health check: healthy", cacert), nil
}

// Stop removes the container.
func (m *MockContainerTarget) Stop() error {
	if m.res == nil {
		return nil
	}
	err := m.pool.Purge(m.res)
	m.res = nil
	return err
}

// Logs is the tail of the container's output.
func (m *MockContainerTarget) Logs() string {
	return containerLogs(m.pool, m.res)
}

func (m *MockContainerTarget) reapStale() { reapStaleContainers(m.pool, labelMock) }

// ---------------------------------------------------------------- named targets

// namedTarget renames a target for the report (BinaryTarget calls itself
// "vault" whatever binary it runs).
type namedTarget struct {
	Target
	name, kind string
}

func (n namedTarget) Name() string { return n.name }
func (n namedTarget) Kind() string { return n.kind }

// ---------------------------------------------------------------- scripts

// scriptRun is one run of a client script against a target.
type scriptRun struct {
	Record   string // the normalised record the script wrote
	Stderr   string
	ExitCode int
	Dur      time.Duration
}

// runScript runs sh SCRIPT RECORD with a clean VAULT_* environment plus env,
// in its own process group, killed (with the agent it may have started)
// when ctx ends.
func runScript(ctx context.Context, script, record string, env []string) (scriptRun, error) {
	var r scriptRun
	cmd := exec.CommandContext(ctx, "sh", script, record)
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "VAULT_") || strings.HasPrefix(kv, "AGENT_") || strings.HasPrefix(kv, "RAW_DIR=") {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	r.Dur = time.Since(start)
	if cmd.Process != nil {
		// whatever the script left behind in its group (an agent)
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	r.Stderr = stderr.String()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.ExitCode = ee.ExitCode()
	default:
		return r, err
	}
	if ctx.Err() != nil {
		return r, fmt.Errorf("%s: %w", filepath.Base(script), ctx.Err())
	}
	b, rerr := os.ReadFile(record)
	if rerr != nil {
		return r, rerr
	}
	r.Record = string(b)
	return r, nil
}

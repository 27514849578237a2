package e2e

// Targets and process helpers for TestCLIAgent (cli_agent_test.go): the
// mock's own binary and its container image, built from this checkout.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
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
	host, _ := os.Hostname()
	bindIP := "127.0.0.1"
	if dockerHost() != "127.0.0.1" {
		bindIP = ""
	}
	res, err := m.pool.RunWithOptions(&dockertest.RunOptions{
		Repository:   cliMockImage,
		Tag:          cliMockTag,
		Env:          []string{"VAULT_DEV_ROOT_TOKEN_ID=root"},
		ExposedPorts: []string{"8200/tcp"},
		PortBindings: map[dc.Port][]dc.PortBinding{"8200/tcp": {{HostIP: bindIP, HostPort: ""}}},
		Labels:       map[string]string{labelKey: labelMock, labelPID: strconv.Itoa(os.Getpid()), labelHost: host},
	}, func(hc *dc.HostConfig) {
		hc.AutoRemove = false
		hc.RestartPolicy = dc.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return fmt.Errorf("starting %s: %w", m.Kind(), err)
	}
	m.res = res
	m.addr, m.client, err = awaitContainer(ctx, m.pool, res, 30*time.Second)
	if err != nil {
		m.res = nil
	}
	return err
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

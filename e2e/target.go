package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/mockvault/mockvault/conform"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mockvault/mockvault/mockvault"
)

// VaultVersion is the real Vault release the mock is measured against.
const VaultVersion = "1.21.1"

// A Target is a Vault-compatible server the scenarios run against.
type Target interface {
	// Name is the short name used in the report ("mock", "vault").
	Name() string
	// Kind says where it runs ("in-process", "docker hashicorp/vault:1.21.1",
	// "VAULT_ADDR=...").
	Kind() string
	// Start brings the server up and waits until it is ready.
	Start(ctx context.Context) error
	// Addr is the base URL (no /v1), valid after Start.
	Addr() string
	// RootToken is a root token, valid after Start.
	RootToken() string
	// Client is the HTTP client to use for Addr.
	Client() *http.Client
	// Stop tears the server down. It is safe to call more than once.
	Stop() error
}

// newHTTPClient keeps redirects visible to the comparison.
func newHTTPClient(tlsConf *tls.Config) *http.Client { return conform.NewHTTPClient(tlsConf) }

// ---------------------------------------------------------------- mock

// MockTarget is the in-process mock on an httptest listener. It reads the
// wall clock (mockvault.RealClock) so that TTLs run down as on real Vault.
type MockTarget struct {
	srv    *mockvault.Server
	hs     *httptest.Server
	client *http.Client
}

// NewMockTarget returns an unstarted in-process mock target.
func NewMockTarget() *MockTarget { return &MockTarget{} }

func (m *MockTarget) Name() string { return "mock" }
func (m *MockTarget) Kind() string { return "in-process mockvault" }
func (m *MockTarget) Start(context.Context) error {
	m.srv = mockvault.New(mockvault.Options{RootToken: "root", Clock: mockvault.RealClock{}})
	m.hs = httptest.NewServer(m.srv)
	m.client = newHTTPClient(nil)
	return nil
}
func (m *MockTarget) Addr() string         { return m.hs.URL }
func (m *MockTarget) RootToken() string    { return m.srv.RootToken() }
func (m *MockTarget) Client() *http.Client { return m.client }
func (m *MockTarget) Stop() error {
	if m.hs != nil {
		m.hs.Close()
		m.srv.Close()
		m.hs = nil
	}
	return nil
}

// ---------------------------------------------------------------- env

// EnvTarget is any running Vault named by VAULT_ADDR and VAULT_TOKEN
// (VAULT_CACERT and VAULT_SKIP_VERIFY are honoured). Point it at a fresh dev
// server: the scenarios create and delete tokens and roles, and the ones
// that list things expect nothing else to be there.
type EnvTarget struct {
	addr, token string
	client      *http.Client
}

// NewEnvTarget reads VAULT_ADDR and VAULT_TOKEN; ok is false when either is
// unset.
func NewEnvTarget() (t *EnvTarget, ok bool) {
	addr, token := os.Getenv("VAULT_ADDR"), os.Getenv("VAULT_TOKEN")
	if addr == "" || token == "" {
		return nil, false
	}
	return &EnvTarget{addr: strings.TrimRight(addr, "/"), token: token}, true
}

func (e *EnvTarget) Name() string { return "vault" }
func (e *EnvTarget) Kind() string { return "VAULT_ADDR=" + e.addr }
func (e *EnvTarget) Start(ctx context.Context) error {
	conf, err := conform.TLSConfigFromEnv()
	if err != nil {
		return err
	}
	e.client = newHTTPClient(conf)
	return waitHealthy(ctx, e.client, e.addr, 10*time.Second, nil)
}
func (e *EnvTarget) Addr() string         { return e.addr }
func (e *EnvTarget) RootToken() string    { return e.token }
func (e *EnvTarget) Client() *http.Client { return e.client }
func (e *EnvTarget) Stop() error          { return nil }

// ---------------------------------------------------------------- binary

// BinaryTarget runs the vault binary directly as a dev server on a loopback
// port (MOCKVAULT_E2E_REAL=binary): no Docker needed, same binary the image
// wraps.
type BinaryTarget struct {
	bin    string
	addr   string
	cmd    *exec.Cmd
	logs   *tailBuffer
	client *http.Client
}

// NewBinaryTarget runs bin.
func NewBinaryTarget(bin string) *BinaryTarget { return &BinaryTarget{bin: bin} }

func (b *BinaryTarget) Name() string { return "vault" }
func (b *BinaryTarget) Kind() string { return "binary " + b.bin }
func (b *BinaryTarget) Start(ctx context.Context) error {
	// The port is picked free and handed to Vault, which binds it (and
	// the next one, its cluster port) a moment later: another process may
	// take it meanwhile. Vault then exits at once saying so, and a new
	// port is tried, a few times at most.
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if err = b.start(ctx); err == nil || !strings.Contains(err.Error(), "address already in use") {
			return err
		}
	}
	return err
}

func (b *BinaryTarget) start(ctx context.Context) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hostport := l.Addr().String()
	l.Close()
	b.addr = "http://" + hostport
	cmd, logs, err := startVaultDev(b.bin, hostport, os.TempDir())
	if err != nil {
		return err
	}
	b.cmd, b.logs = cmd, logs
	b.client = newHTTPClient(nil)
	exited := make(chan struct{})
	go func() { _ = b.cmd.Wait(); close(exited) }()
	if err := waitHealthy(ctx, b.client, b.addr, 60*time.Second, exited); err != nil {
		_ = b.Stop()
		return fmt.Errorf("%w; vault output:\n%s", err, b.logs.String())
	}
	return nil
}
func (b *BinaryTarget) Addr() string         { return b.addr }
func (b *BinaryTarget) RootToken() string    { return "root" }
func (b *BinaryTarget) Client() *http.Client { return b.client }
func (b *BinaryTarget) Stop() error {
	if b.cmd != nil && b.cmd.Process != nil {
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		b.cmd = nil
	}
	return nil
}

// ---------------------------------------------------------------- helpers

// startVaultDev starts bin as a dev server (root token "root") listening
// on hostport, with home as HOME and extra flags; its output goes to the
// returned buffer. The process group dies with the test process.
func startVaultDev(bin, hostport, home string, extra ...string) (*exec.Cmd, *tailBuffer, error) {
	logs := &tailBuffer{max: 16 << 10}
	args := append([]string{"server", "-dev", "-dev-no-store-token", "-dev-root-token-id=root", "-dev-listen-address=" + hostport}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = []string{"HOME=" + home, "VAULT_LOG_LEVEL=warn"}
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	return cmd, logs, nil
}

// waitHealthy polls sys/health until it answers 200 (unsealed, active).
func waitHealthy(ctx context.Context, c *http.Client, addr string, limit time.Duration, died <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	var last string
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, addr+"/v1/sys/health", nil)
		resp, err := c.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("sys/health answered %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s: %s", addr, limit, last)
		case <-died:
			return errors.New("vault exited before becoming ready")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// DefaultVaultBin is where tools/realvault/build.sh puts the binary:
// $MOCKVAULT_VAULT_BIN, else $HOME/.cache/mockvault/vault-1.21.1.
func DefaultVaultBin() string {
	if p := os.Getenv("MOCKVAULT_VAULT_BIN"); p != "" {
		return p
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "mockvault", "vault-"+VaultVersion)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

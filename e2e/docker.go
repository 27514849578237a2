package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ory/dockertest/v3"
	dc "github.com/ory/dockertest/v3/docker"
)

const (
	// officialImage is used when present locally (it is never pulled
	// implicitly: CI has no registry).
	officialImage = "hashicorp/vault"
	// localImage is built from a FROM scratch Dockerfile around the static
	// binary of tools/realvault/build.sh.
	localImage = "mockvault/vault-dev"
	// labelKey marks our containers, labelPID the test process owning one.
	labelKey    = "io.mockvault.e2e"
	labelPID    = "io.mockvault.e2e.pid"
	labelHost   = "io.mockvault.e2e.host"
	labelBinSum = "io.mockvault.vault.sha256"
)

var devCmd = []string{"server", "-dev", "-dev-no-store-token", "-dev-root-token-id=root", "-dev-listen-address=0.0.0.0:8200"}

// DockerTarget is a real Vault dev server in a container started through
// dockertest. It uses hashicorp/vault:1.21.1 when that image is present
// locally (or MOCKVAULT_E2E_PULL=1 lets it be pulled); otherwise it builds
// mockvault/vault-dev:1.21.1 FROM scratch around the static binary at Bin.
type DockerTarget struct {
	// Bin is the static vault binary for the local image.
	Bin string

	pool     *dockertest.Pool
	res      *dockertest.Resource
	image    string
	addr     string
	client   *http.Client
	BuildDur time.Duration // time spent building the image (0 if cached)
}

// NewDockerTarget connects to the Docker daemon (DOCKER_HOST or the default
// socket) and checks that it answers.
func NewDockerTarget(bin string) (*DockerTarget, error) {
	pool, err := dockertest.NewPool("")
	if err != nil {
		return nil, err
	}
	if err := pool.Client.Ping(); err != nil {
		return nil, err
	}
	return &DockerTarget{Bin: bin, pool: pool}, nil
}

func (d *DockerTarget) Name() string { return "vault" }
func (d *DockerTarget) Kind() string {
	if d.image == "" {
		return "docker"
	}
	return "docker " + d.image
}
func (d *DockerTarget) Addr() string         { return d.addr }
func (d *DockerTarget) RootToken() string    { return "root" }
func (d *DockerTarget) Client() *http.Client { return d.client }

// ErrNoImage means neither image nor binary is available.
var ErrNoImage = errors.New("no image")

// ChooseImage picks the image to run, building the local one when needed.
// It returns ErrNoImage (wrapped, with advice) when there is neither an
// official image nor a binary to build one from.
func (d *DockerTarget) ChooseImage() error {
	if d.image != "" {
		return nil
	}
	off := officialImage + ":" + VaultVersion
	if _, err := d.pool.Client.InspectImage(off); err == nil {
		d.image = off
		return nil
	}
	if b, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_PULL")); b {
		if err := d.pool.Client.PullImage(dc.PullImageOptions{Repository: officialImage, Tag: VaultVersion}, dc.AuthConfiguration{}); err == nil {
			d.image = off
			return nil
		}
	}
	local := localImage + ":" + VaultVersion
	img, ierr := d.pool.Client.InspectImage(local)
	st, berr := os.Stat(d.Bin)
	if berr != nil {
		if ierr == nil {
			d.image = local // binary gone, image still there: good enough
			return nil
		}
		return fmt.Errorf("%w: no image %s or %s and no vault binary at %s (build it with tools/realvault/build.sh, ~13 min the first time)", ErrNoImage, off, local, d.Bin)
	}
	sum, err := fileSHA256(d.Bin)
	if err != nil {
		return err
	}
	if ierr == nil && img.Config != nil && img.Config.Labels[labelBinSum] == sum {
		d.image = local
		return nil
	}
	start := time.Now()
	if err := d.buildImage(local, sum, st.Size()); err != nil {
		return fmt.Errorf("building %s from %s: %w", local, d.Bin, err)
	}
	d.BuildDur = time.Since(start)
	if ierr == nil && img.Config != nil && img.Config.Labels[labelKey] == "image" {
		// the previous build of ours is now untagged: drop it (fails
		// harmlessly while another run still uses it)
		_ = d.pool.Client.RemoveImageExtended(img.ID, dc.RemoveImageOptions{})
	}
	d.image = local
	return nil
}

const dockerfile = `FROM scratch
COPY vault /vault
EXPOSE 8200
ENTRYPOINT ["/vault"]
CMD ["server", "-dev", "-dev-no-store-token", "-dev-root-token-id=root", "-dev-listen-address=0.0.0.0:8200"]
`

// buildImage streams a build context (Dockerfile + binary) to the daemon.
func (d *DockerTarget) buildImage(name, sum string, size int64) error {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeContext(pw, d.Bin, size))
	}()
	var out bytes.Buffer
	err := d.pool.Client.BuildImage(dc.BuildImageOptions{
		Name:           name,
		Dockerfile:     "Dockerfile",
		InputStream:    pr,
		OutputStream:   &out,
		RmTmpContainer: true,
		Labels:         map[string]string{labelBinSum: sum, labelKey: "image"},
	})
	pr.Close()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tail(out.String(), 2000))
	}
	return nil
}

func writeContext(w io.Writer, bin string, size int64) error {
	tw := tar.NewWriter(w)
	now := time.Now()
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: now}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, dockerfile); err != nil {
		return err
	}
	f, err := os.Open(bin)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := tw.WriteHeader(&tar.Header{Name: "vault", Mode: 0o755, Size: size, ModTime: now}); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, f, size); err != nil {
		return err
	}
	return tw.Close()
}

// Start runs the container and waits for sys/health.
func (d *DockerTarget) Start(ctx context.Context) error {
	if err := d.ChooseImage(); err != nil {
		return err
	}
	d.reapStale()
	repo, tag, _ := strings.Cut(d.image, ":")
	host, _ := os.Hostname()
	bindIP := "127.0.0.1"
	if dockerHost() != "127.0.0.1" {
		bindIP = "" // remote daemon: publish on all its interfaces
	}
	opts := &dockertest.RunOptions{
		Repository:   repo,
		Tag:          tag,
		Cmd:          devCmd,
		Env:          []string{"VAULT_LOG_LEVEL=warn"},
		ExposedPorts: []string{"8200/tcp"},
		PortBindings: map[dc.Port][]dc.PortBinding{"8200/tcp": {{HostIP: bindIP, HostPort: ""}}},
		Labels:       map[string]string{labelKey: "vault", labelPID: strconv.Itoa(os.Getpid()), labelHost: host},
	}
	if repo == officialImage {
		// The official entrypoint script adds its own config; run vault
		// itself.
		opts.Entrypoint = []string{"vault"}
	}
	res, err := d.pool.RunWithOptions(opts, func(hc *dc.HostConfig) {
		hc.AutoRemove = false
		hc.RestartPolicy = dc.RestartPolicy{Name: "no"}
	})
	if err != nil {
		return fmt.Errorf("starting %s: %w", d.image, err)
	}
	d.res = res
	d.addr, d.client, err = awaitContainer(ctx, d.pool, res, 60*time.Second)
	if err != nil {
		d.res = nil
	}
	return err
}

// Stop removes the container (and its volumes).
func (d *DockerTarget) Stop() error {
	if d.res == nil {
		return nil
	}
	err := d.pool.Purge(d.res)
	d.res = nil
	return err
}

// awaitContainer waits for a started container's published 8200 to answer
// sys/health; on failure it removes the container and returns its output.
func awaitContainer(ctx context.Context, pool *dockertest.Pool, res *dockertest.Resource, timeout time.Duration) (string, *http.Client, error) {
	addr := "http://" + net.JoinHostPort(dockerHost(), res.GetPort("8200/tcp"))
	client := newHTTPClient(nil)
	if err := waitHealthy(ctx, client, addr, timeout, nil); err != nil {
		logs := containerLogs(pool, res)
		_ = pool.Purge(res)
		return "", nil, fmt.Errorf("%w; container output:\n%s", err, logs)
	}
	return addr, client, nil
}

// containerLogs is the tail of a container's output.
func containerLogs(pool *dockertest.Pool, res *dockertest.Resource) string {
	if res == nil {
		return ""
	}
	var b bytes.Buffer
	_ = pool.Client.Logs(dc.LogsOptions{Container: res.Container.ID, OutputStream: &b, ErrorStream: &b, Stdout: true, Stderr: true, Tail: "50"})
	return b.String()
}

// reapStale removes containers of earlier runs on this host whose test
// process is gone (killed by a timeout or a signal before its cleanup ran).
// Containers of live runs, and of other hosts, are left alone.
func (d *DockerTarget) reapStale() { reapStaleContainers(d.pool, "vault") }

// reapStaleContainers removes this host's containers with the given label
// value whose test process is gone.
func reapStaleContainers(pool *dockertest.Pool, label string) {
	host, _ := os.Hostname()
	list, err := pool.Client.ListContainers(dc.ListContainersOptions{All: true, Filters: map[string][]string{"label": {labelKey + "=" + label}}})
	if err != nil {
		return
	}
	for _, c := range list {
		if c.Labels[labelHost] != host {
			continue
		}
		pid, err := strconv.Atoi(c.Labels[labelPID])
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		_ = pool.Client.RemoveContainer(dc.RemoveContainerOptions{ID: c.ID, Force: true, RemoveVolumes: true})
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// dockerHost is where published ports are reachable: the host of a tcp://
// DOCKER_HOST, else loopback.
func dockerHost() string {
	if h := os.Getenv("DOCKER_HOST"); strings.HasPrefix(h, "tcp://") {
		if u, err := url.Parse(h); err == nil && u.Hostname() != "" {
			return u.Hostname()
		}
	}
	return "127.0.0.1"
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

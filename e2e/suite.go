package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// RealMode is MOCKVAULT_E2E_REAL: how to find a real Vault.
//
//	auto (default)  VAULT_ADDR+VAULT_TOKEN if both set, else Docker, else skip
//	env             VAULT_ADDR+VAULT_TOKEN (fail if unset)
//	docker          a dockertest container (fail if impossible)
//	binary          run the vault binary directly (MOCKVAULT_VAULT_BIN)
//	replay          recorded real answers (testdata/) as the reference
//	none            mock only
func RealMode() string {
	m := strings.ToLower(strings.TrimSpace(os.Getenv("MOCKVAULT_E2E_REAL")))
	if m == "" {
		m = "auto"
	}
	return m
}

// howToEnable is the advice printed when the real-Vault part is skipped.
const howToEnable = "to compare against real Vault " + VaultVersion + ": start Docker and run `make conformance` " +
	"(or tools/realvault/build.sh once, then go test), or set VAULT_ADDR and VAULT_TOKEN to a fresh dev server"

// FindRealTarget picks the real-Vault target. It returns (nil, reason, nil)
// when the real part must be skipped and an error when a requested target
// cannot be used.
func FindRealTarget() (Target, string, error) {
	mode := RealMode()
	switch mode {
	case "none", "off", "mock", "replay":
		return nil, "skipped: MOCKVAULT_E2E_REAL=" + mode, nil
	case "env":
		t, ok := NewEnvTarget()
		if !ok {
			return nil, "", errors.New("MOCKVAULT_E2E_REAL=env but VAULT_ADDR or VAULT_TOKEN is unset")
		}
		return t, "", nil
	case "binary":
		bin := DefaultVaultBin()
		if err := ensureBinary(bin); err != nil {
			return nil, "", err
		}
		return NewBinaryTarget(bin), "", nil
	case "docker", "auto":
	default:
		return nil, "", fmt.Errorf("MOCKVAULT_E2E_REAL=%q: want auto, env, docker, binary, replay or none", mode)
	}
	if mode == "auto" {
		if t, ok := NewEnvTarget(); ok {
			return t, "", nil
		}
	}
	bin := DefaultVaultBin()
	d, err := NewDockerTarget(bin)
	if err != nil {
		if mode == "docker" {
			return nil, "", fmt.Errorf("docker: %w", err)
		}
		return nil, fmt.Sprintf("skipped: no Docker daemon (%v) and VAULT_ADDR/VAULT_TOKEN unset; %s", oneLine(err), howToEnable), nil
	}
	if err := d.ChooseImage(); err != nil {
		if !errors.Is(err, ErrNoImage) {
			return nil, "", err
		}
		if b, _ := strconv.ParseBool(os.Getenv("MOCKVAULT_E2E_BUILD")); b || mode == "docker" {
			if err := ensureBinary(bin); err != nil {
				return nil, "", err
			}
			if err := d.ChooseImage(); err != nil {
				return nil, "", err
			}
			return d, "", nil
		}
		return nil, fmt.Sprintf("skipped: Docker works but %v; or set MOCKVAULT_E2E_BUILD=1 to build it from this test", oneLine(err)), nil
	}
	return d, "", nil
}

// ensureBinary runs tools/realvault/build.sh when bin is missing.
func ensureBinary(bin string) error {
	if _, err := os.Stat(bin); err == nil {
		return nil
	}
	script := filepath.Join(moduleDir(), "..", "tools", "realvault", "build.sh")
	cmd := exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "MOCKVAULT_VAULT_BIN="+bin)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	fmt.Fprintf(os.Stderr, "e2e: no vault binary at %s; running %s (first build ~13 min)\n", bin, script)
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", script, err)
	}
	fmt.Fprintf(os.Stderr, "e2e: vault binary built in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// moduleDir is the e2e module's directory (tests run there; fall back to
// this source file's directory).
func moduleDir() string {
	if _, err := os.Stat("go.mod"); err == nil {
		if wd, err := os.Getwd(); err == nil && filepath.Base(wd) == "e2e" {
			return wd
		}
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}

func oneLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// StartAll starts the targets, stopping those already started when one
// fails.
func StartAll(ctx context.Context, ts []Target) error {
	for i, t := range ts {
		if err := t.Start(ctx); err != nil {
			for _, s := range ts[:i] {
				_ = s.Stop()
			}
			return fmt.Errorf("%s (%s): %w", t.Name(), t.Kind(), err)
		}
	}
	return nil
}

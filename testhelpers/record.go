package testhelpers

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/mockvault/mockvault/conform"
	"github.com/mockvault/mockvault/mockvault"
)

// RecordDirEnv names the environment variable that makes every server
// RunT and RunInMemory start record its traffic (Options.Record) and write
// it, when its test ends, to <dir>/<test name>.json: run the suite once with
// it set, then check the files against real Vault with `mockvault verify`
// or VerifyRecordings.
const RecordDirEnv = "MOCKVAULT_RECORD_DIR"

// recordOptions turns recording on when RecordDirEnv is set, and makes
// the test write the recording there when it ends (a Tester without a
// Name, not a *testing.T, records without writing).
func recordOptions(t Tester, o *mockvault.Options) (save func(*mockvault.Server)) {
	dir := os.Getenv(RecordDirEnv)
	if dir == "" {
		return func(*mockvault.Server) {}
	}
	o.Record = true
	named, ok := t.(interface{ Name() string })
	if !ok {
		return func(*mockvault.Server) {}
	}
	// Named now: the first server a test starts gets the plain name.
	file := uniqueFile(filepath.Join(dir, recordingName(named.Name())))
	return func(srv *mockvault.Server) {
		t.Cleanup(func() {
			if err := writeRecording(srv, file); err != nil {
				t.Fatalf("mockvault: writing the recording: %v", err)
			}
		})
	}
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// recordingName is a file name for a test ("TestA/sub case" is
// "TestA__sub_case.json"); a second server of the same test gets "-2"...
func recordingName(test string) string {
	return unsafeName.ReplaceAllString(strings.ReplaceAll(test, "/", "__"), "_") + ".json"
}

// SaveRecording writes what the server recorded (Options.Record) to file,
// for `mockvault verify` or VerifyRecordings.
func (v *Vault) SaveRecording(file string) error { return writeRecording(v.Server, file) }

func writeRecording(srv *mockvault.Server, file string) error {
	rec := srv.Recording()
	if rec == nil {
		return os.ErrInvalid
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := rec.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

var (
	writtenMu sync.Mutex
	written   = map[string]bool{}
)

// uniqueFile is file, or file-2.json, -3... when this process already
// wrote file (a test that starts several servers keeps each one's). Files
// of an earlier run are overwritten.
func uniqueFile(file string) string {
	writtenMu.Lock()
	defer writtenMu.Unlock()
	base := strings.TrimSuffix(file, ".json")
	for i := 2; written[file]; i++ {
		file = fmt.Sprintf("%s-%d.json", base, i)
	}
	written[file] = true
	return file
}

// VerifyRecordings replays the recordings matching the glob pattern against
// the real Vault of VAULT_ADDR and VAULT_TOKEN (a fresh dev server of Vault
// 1.21.1) and a fresh mock, in lockstep (conform.VerifyFiles), and fails
// the test for each step where the mock answered otherwise, showing both
// answers. It skips the test when VAULT_ADDR or VAULT_TOKEN is unset.
func VerifyRecordings(t testing.TB, pattern string) {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		t.Fatalf("mockvault: no recording matches %q (%v)", pattern, err)
	}
	real, err := conform.EnvEndpoint()
	if err != nil {
		t.Skipf("mockvault: %v", err)
	}
	reps, err := conform.VerifyFiles(context.Background(), files, real, conform.VerifyOptions{})
	for _, rep := range reps {
		var b strings.Builder
		rep.Write(&b)
		if rep.OK() {
			t.Logf("%s:\n%s", rep.File, b.String())
		} else {
			t.Errorf("%s: the mock answered otherwise than real Vault:\n%s", rep.File, b.String())
		}
	}
	if err != nil {
		t.Fatalf("mockvault: %v", err)
	}
}

package mockvault_test

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// Shared helpers of the policy, KV, mounts, wrapping and lease tests.

// mvErr returns the status and errors of a failed API call.
func mvErr(t *testing.T, err error) (int, []string) {
	t.Helper()
	var re *api.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("want *api.ResponseError, got %T: %v", err, err)
	}
	return re.StatusCode, re.Errors
}

// mvWantErr fails unless err is an API error with code whose messages
// contain msg.
func mvWantErr(t *testing.T, err error, code int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %d %q, got success", code, msg)
	}
	c, errs := mvErr(t, err)
	if c != code || !strings.Contains(strings.Join(errs, "|"), msg) {
		t.Fatalf("want %d %q, got %d %q", code, msg, c, errs)
	}
}

// mvDenied fails unless err is Vault's ACL denial.
func mvDenied(t *testing.T, err error) {
	t.Helper()
	mvWantErr(t, err, 403, "1 error occurred:\n\t* permission denied\n\n")
}

// mvPolicy writes an ACL policy as root.
func mvPolicy(t *testing.T, v *testhelpers.Vault, name, text string) {
	t.Helper()
	if err := v.Client.Sys().PutPolicy(name, text); err != nil {
		t.Fatalf("put policy %s: %v", name, err)
	}
}

// mvToken creates a service token with the given policies (plus default;
// default alone when none are given, not the root parent's).
func mvToken(t *testing.T, v *testhelpers.Vault, policies ...string) string {
	t.Helper()
	if len(policies) == 0 {
		policies = []string{"default"}
	}
	sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: policies})
	if err != nil {
		t.Fatal(err)
	}
	return sec.Auth.ClientToken
}

// mvClient returns a client of v using token.
func mvClient(t *testing.T, v *testhelpers.Vault, token string) *api.Client {
	t.Helper()
	c, err := v.Client.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(token)
	return c
}

// mvCaps asks sys/capabilities-self for token's capabilities on path.
func mvCaps(t *testing.T, c *api.Client, path string) string {
	t.Helper()
	caps, err := c.Sys().CapabilitiesSelf(path)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(caps)
	return strings.Join(caps, ",")
}

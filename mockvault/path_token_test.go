package mockvault_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

// respErr returns the status code and errors of a failed API call.
func respErr(t *testing.T, err error) (int, []string) {
	t.Helper()
	re, ok := err.(*api.ResponseError)
	if !ok {
		t.Fatalf("want *api.ResponseError, got %T: %v", err, err)
	}
	return re.StatusCode, re.Errors
}

func wantErr(t *testing.T, err error, code int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %d %q, got success", code, msg)
	}
	c, errs := respErr(t, err)
	if c != code || !strings.Contains(strings.Join(errs, "|"), msg) {
		t.Fatalf("want %d %q, got %d %q", code, msg, c, errs)
	}
}

func ttlOf(t *testing.T, s *api.Secret) int {
	t.Helper()
	n, err := s.Data["ttl"].(json.Number).Int64()
	if err != nil {
		t.Fatal(err)
	}
	return int(n)
}

func TestTokenCreateLookupService(t *testing.T) {
	v := testhelpers.RunT(t)
	sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"app"}, TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	a := sec.Auth
	if !strings.HasPrefix(a.ClientToken, "hvs.") || a.Accessor == "" || !a.Renewable || a.Orphan {
		t.Fatalf("auth: %+v", a)
	}
	if strings.Join(a.Policies, ",") != "app,default" || a.LeaseDuration != 3600 {
		t.Fatalf("policies/ttl: %v %d", a.Policies, a.LeaseDuration)
	}
	if len(sec.Warnings) != 1 || sec.Warnings[0] != `Policy "app" does not exist` {
		t.Fatalf("warnings: %v", sec.Warnings)
	}
	look, err := v.Client.Auth().Token().Lookup(a.ClientToken)
	if err != nil {
		t.Fatal(err)
	}
	if look.Data["display_name"] != "token" || look.Data["path"] != "auth/token/create" || ttlOf(t, look) != 3600 {
		t.Fatalf("lookup: %v", look.Data)
	}
	v.Clock.Advance(10 * time.Minute)
	look, _ = v.Client.Auth().Token().Lookup(a.ClientToken)
	if ttlOf(t, look) != 3000 {
		t.Fatalf("ttl after 10m: %v", look.Data["ttl"])
	}
}

func TestTokenExpiresOnServerClock(t *testing.T) {
	v := testhelpers.RunT(t)
	sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{TTL: "15m"})
	if err != nil {
		t.Fatal(err)
	}
	c, _ := v.Client.Clone()
	c.SetToken(sec.Auth.ClientToken)
	v.Clock.Advance(15*time.Minute - time.Second)
	if _, err := c.Auth().Token().LookupSelf(); err != nil {
		t.Fatalf("at 14m59s: %v", err)
	}
	v.Clock.Advance(time.Second)
	_, err = c.Auth().Token().LookupSelf()
	wantErr(t, err, 403, "permission denied")
}

func TestBatchTokenRules(t *testing.T) {
	v := testhelpers.RunT(t)
	sec, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Policies: []string{"build"}, TTL: "15m"})
	if err != nil {
		t.Fatal(err)
	}
	tok := sec.Auth.ClientToken
	if !strings.HasPrefix(tok, "hvb.") || sec.Auth.Renewable || sec.Auth.Accessor != "" {
		t.Fatalf("batch auth: %+v", sec.Auth)
	}
	// Contrary to the seed article, real Vault looks batch tokens up.
	look, err := v.Client.Auth().Token().Lookup(tok)
	if err != nil {
		t.Fatal(err)
	}
	if look.Data["type"] != "batch" {
		t.Fatalf("lookup: %v", look.Data)
	}
	_, err = v.Client.Auth().Token().Renew(tok, 0)
	wantErr(t, err, 400, "batch tokens cannot be renewed")
	err = v.Client.Auth().Token().RevokeTree(tok)
	wantErr(t, err, 400, "batch tokens cannot be revoked")
	// A flipped character is rejected.
	bad := tok[:len(tok)-2] + flip(tok[len(tok)-2]) + tok[len(tok)-1:]
	c, _ := v.Client.Clone()
	c.SetToken(bad)
	_, err = c.Auth().Token().LookupSelf()
	wantErr(t, err, 403, "permission denied")
	_, err = v.Client.Auth().Token().Create(&api.TokenCreateRequest{Type: "batch", Period: "1h"})
	wantErr(t, err, 400, `batch tokens cannot have "period" set`)
}

func flip(b byte) string {
	if b == 'A' {
		return "B"
	}
	return "A"
}

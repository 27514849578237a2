package mockvault_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	userpass "github.com/hashicorp/vault/api/auth/userpass"
	"github.com/mockvault/mockvault/testhelpers"
	"golang.org/x/crypto/bcrypt"
)

// upVault is a server with userpass enabled at auth/userpass.
func upVault(t *testing.T) *testhelpers.Vault {
	t.Helper()
	v := testhelpers.RunT(t)
	if err := v.Client.Sys().EnableAuthWithOptions("userpass", &api.EnableAuthOptions{Type: "userpass"}); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestUserpassOfficialHelper logs in with the official api/auth/userpass
// helper, as HashiCorp's token-renewal example does.
func TestUserpassOfficialHelper(t *testing.T) {
	v := upVault(t)
	arWrite(t, v.Client, "auth/userpass/users/Alice", map[string]any{"password": "s3cret", "token_policies": "app,B", "token_ttl": "1h"})

	c, err := v.Client.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.ClearToken()
	auth, err := userpass.NewUserpassAuth("alice", &userpass.Password{FromString: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	sec, err := c.Auth().Login(context.Background(), auth)
	if err != nil {
		t.Fatal(err)
	}
	a := sec.Auth
	if c.Token() != a.ClientToken || !strings.HasPrefix(a.ClientToken, "hvs.") || a.LeaseDuration != 3600 || !a.Renewable {
		t.Fatalf("auth: %+v", a)
	}
	if strings.Join(a.Policies, ",") != "app,b,default" || a.Metadata["username"] != "alice" || a.EntityID == "" {
		t.Fatalf("auth: %+v", a)
	}
	self, err := c.Auth().Token().LookupSelf()
	if err != nil {
		t.Fatal(err)
	}
	if self.Data["display_name"] != "userpass-alice" || self.Data["path"] != "auth/userpass/login/alice" || self.Data["entity_id"] != a.EntityID {
		t.Fatalf("lookup-self: %v", self.Data)
	}
	// A second login finds the same entity.
	sec2, err := c.Auth().Login(context.Background(), auth)
	if err != nil || sec2.Auth.EntityID != a.EntityID {
		t.Fatalf("second login: %v %+v", err, sec2)
	}
	// The stored password is a bcrypt hash, never the password.
	wrong, _ := userpass.NewUserpassAuth("alice", &userpass.Password{FromString: "nope"})
	_, err = c.Auth().Login(context.Background(), wrong)
	mvWantErr(t, err, 400, "invalid username or password")
}

func TestUserpassUserCRUD(t *testing.T) {
	v := upVault(t)
	c := v.Client
	_, err := c.Logical().Write("auth/userpass/users/bob", map[string]any{"token_ttl": "1m"})
	mvWantErr(t, err, 400, `"password" or "password_hash" must be supplied`)
	_, err = c.Logical().Write("auth/userpass/users/bob", map[string]any{"password": "a", "password_hash": "b"})
	mvWantErr(t, err, 400, `"password" and "password_hash" cannot be supplied together`)

	arWrite(t, c, "auth/userpass/users/bob", map[string]any{"password": "pw", "policies": "x", "ttl": "10m", "bound_cidrs": "127.0.0.1"})
	got := arRead(t, c, "auth/userpass/users/bob").Data
	arWantData(t, got, `{"bound_cidrs":["127.0.0.1"],"policies":["x"],"token_bound_cidrs":["127.0.0.1"],"token_explicit_max_ttl":0,"token_max_ttl":0,"token_no_default_policy":false,"token_num_uses":0,"token_period":0,"token_policies":["x"],"token_ttl":600,"token_type":"default","ttl":600}`)

	// An update without a password keeps it; token_* fields clear the
	// deprecated twins.
	arWrite(t, c, "auth/userpass/users/bob", map[string]any{"token_policies": "y", "token_ttl": "5m", "token_bound_cidrs": ""})
	got = arRead(t, c, "auth/userpass/users/bob").Data
	arWantData(t, got, `{"token_bound_cidrs":[],"token_explicit_max_ttl":0,"token_max_ttl":0,"token_no_default_policy":false,"token_num_uses":0,"token_period":0,"token_policies":["y"],"token_ttl":300,"token_type":"default"}`)

	arWrite(t, c, "auth/userpass/users/bob/policies", map[string]any{"token_policies": "p2,P1"})
	if p := arRead(t, c, "auth/userpass/users/bob").Data["token_policies"]; strings.Join(toStrings(p), ",") != "p1,p2" {
		t.Fatalf("policies: %v", p)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("hashed"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	arWrite(t, c, "auth/userpass/users/bob/password", map[string]any{"password_hash": string(hash)})
	if _, err := c.Logical().Write("auth/userpass/login/bob", map[string]any{"password": "hashed"}); err != nil {
		t.Fatalf("login with the pre-hashed password: %v", err)
	}
	_, err = c.Logical().Write("auth/userpass/users/bob/password", map[string]any{"password_hash": "$3x$" + strings.Repeat("a", 56)})
	mvWantErr(t, err, 500, "password hash has incorrect prefix")
	_, err = c.Logical().Write("auth/userpass/users/nobody/password", map[string]any{"password": "x"})
	mvWantErr(t, err, 500, "username does not exist")

	list, err := c.Logical().List("auth/userpass/users")
	if err != nil || strings.Join(toStrings(list.Data["keys"]), ",") != "bob" {
		t.Fatalf("list: %v %v", list, err)
	}
	if _, err := c.Logical().Delete("auth/userpass/users/BOB"); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Logical().Read("auth/userpass/users/bob"); err != nil || s != nil {
		t.Fatalf("read after delete: %v %v", s, err)
	}
}

// TestUserpassLockout: five wrong passwords lock the user out for 15
// minutes of the server's clock; unknown users never count.
func TestUserpassLockout(t *testing.T) {
	v := upVault(t)
	arWrite(t, v.Client, "auth/userpass/users/carol", map[string]any{"password": "right"})
	anon, _ := v.Client.Clone()
	anon.ClearToken()
	login := func(user, pw string) error {
		_, err := anon.Logical().Write("auth/userpass/login/"+user, map[string]any{"password": pw})
		return err
	}
	for i := 0; i < 5; i++ {
		mvWantErr(t, login("carol", "wrong"), 400, "invalid username or password")
	}
	mvWantErr(t, login("carol", "right"), 403, "permission denied")
	mvWantErr(t, login("carol", ""), 403, "permission denied")
	v.Clock.Advance(15*time.Minute + time.Second)
	if err := login("carol", "right"); err != nil {
		t.Fatalf("after the lockout: %v", err)
	}
	for i := 0; i < 7; i++ {
		mvWantErr(t, login("dave", "x"), 400, "invalid username or password")
	}
}

// TestUserpassRenewal: renewals follow the user's current settings, fail
// once its policies change and answer nothing once it is gone.
func TestUserpassRenewal(t *testing.T) {
	v := upVault(t)
	c := v.Client
	arWrite(t, c, "auth/userpass/users/erin", map[string]any{"password": "pw", "token_ttl": "10m", "token_max_ttl": "30m", "token_policies": "a"})
	sec, err := c.Logical().Write("auth/userpass/login/erin", map[string]any{"password": "pw"})
	if err != nil {
		t.Fatal(err)
	}
	u := arAs(t, v, sec.Auth.ClientToken)
	arWrite(t, c, "auth/userpass/users/erin", map[string]any{"token_ttl": "20m"})
	r, err := u.Auth().Token().RenewSelf(0)
	if err != nil || r.Auth.LeaseDuration != 1200 {
		t.Fatalf("renew: %v %+v", err, r)
	}
	arWrite(t, c, "auth/userpass/users/erin/policies", map[string]any{"token_policies": "b"})
	_, err = u.Auth().Token().RenewSelf(0)
	mvWantErr(t, err, 500, "policies have changed, not renewing")
}

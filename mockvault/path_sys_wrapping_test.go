package mockvault_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

func wrapped(c *api.Client, ttl string) *api.Client {
	w, _ := c.Clone()
	w.SetToken(c.Token())
	w.SetWrappingLookupFunc(func(string, string) string { return ttl })
	return w
}

func TestWrapAnyResponseAndUnwrapOnce(t *testing.T) {
	v := testhelpers.RunT(t)
	if _, err := v.Client.KVv2("secret").Put(context.Background(), "w", map[string]any{"pw": "s3cret"}); err != nil {
		t.Fatal(err)
	}
	s, err := wrapped(v.Client, "5m").Logical().Read("secret/data/w")
	if err != nil {
		t.Fatal(err)
	}
	wi := s.WrapInfo
	if wi == nil || wi.TTL != 300 || wi.CreationPath != "secret/data/w" || wi.Token == "" || wi.Accessor == "" || s.Data != nil {
		t.Fatalf("wrap info: %+v data %v", wi, s.Data)
	}
	look, err := v.Client.Logical().Write("sys/wrapping/lookup", map[string]any{"token": wi.Token})
	if err != nil {
		t.Fatal(err)
	}
	if look.Data["creation_path"] != "secret/data/w" || look.Data["creation_ttl"] != json.Number("300") {
		t.Fatalf("lookup: %v", look.Data)
	}
	// Unwrapping with the wrapping token itself, as the CLI does.
	u := mvClient(t, v, wi.Token)
	got, err := u.Logical().Unwrap("")
	if err != nil {
		t.Fatal(err)
	}
	inner := got.Data["data"].(map[string]any)
	if inner["pw"] != "s3cret" || got.MountType != "kv" {
		t.Fatalf("unwrapped: %+v", got)
	}
	_, err = u.Logical().Unwrap("")
	mvWantErr(t, err, 400, "wrapping token is not valid or does not exist")
	_, err = v.Client.Logical().Unwrap(wi.Token)
	mvWantErr(t, err, 400, "wrapping token is not valid or does not exist")
}

func TestWrapTokenCreateThirdPartyUnwrap(t *testing.T) {
	v := testhelpers.RunT(t)
	s, err := wrapped(v.Client, "60").Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.WrapInfo == nil || s.WrapInfo.WrappedAccessor == "" || s.Auth != nil {
		t.Fatalf("wrapped create: %+v", s)
	}
	// A third party (here a default-policy token) unwraps with the token in the body.
	c := mvClient(t, v, mvToken(t, v))
	got, err := c.Logical().Unwrap(s.WrapInfo.Token)
	if err != nil {
		t.Fatal(err)
	}
	if got.Auth == nil || got.Auth.Accessor != s.WrapInfo.WrappedAccessor {
		t.Fatalf("unwrapped auth: %+v", got.Auth)
	}
	if _, err := mvClient(t, v, got.Auth.ClientToken).Auth().Token().LookupSelf(); err != nil {
		t.Fatal(err)
	}
	_, err = c.Logical().Unwrap(s.WrapInfo.Token)
	mvWantErr(t, err, 400, "wrapping token is not valid or does not exist")
}

func TestWrappingTokenExpiresOnServerClock(t *testing.T) {
	v := testhelpers.RunT(t)
	s, err := wrapped(v.Client, "1m").Logical().Write("sys/wrapping/wrap", map[string]any{"a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	v.Clock.Advance(time.Minute)
	_, err = v.Client.Logical().Unwrap(s.WrapInfo.Token)
	mvWantErr(t, err, 400, "wrapping token is not valid or does not exist")
}

func TestWrapEndpointsAndRewrap(t *testing.T) {
	v := testhelpers.RunT(t)
	_, err := v.Client.Logical().Write("sys/wrapping/wrap", map[string]any{"a": "b"})
	mvWantErr(t, err, 400, "endpoint requires response wrapping to be used")
	s, err := wrapped(v.Client, "10m").Logical().Write("sys/wrapping/wrap", map[string]any{"a": "b"})
	if err != nil {
		t.Fatal(err)
	}
	if s.WrapInfo.CreationPath != "sys/wrapping/wrap" {
		t.Fatalf("creation path: %+v", s.WrapInfo)
	}
	v.Clock.Advance(time.Minute)
	re, err := v.Client.Logical().Write("sys/wrapping/rewrap", map[string]any{"token": s.WrapInfo.Token})
	if err != nil {
		t.Fatal(err)
	}
	if re.WrapInfo == nil || re.WrapInfo.TTL != 600 || re.WrapInfo.CreationPath != "sys/wrapping/wrap" || re.WrapInfo.Token == s.WrapInfo.Token {
		t.Fatalf("rewrap: %+v", re.WrapInfo)
	}
	_, err = v.Client.Logical().Unwrap(s.WrapInfo.Token)
	mvWantErr(t, err, 400, "wrapping token is not valid or does not exist")
	got, err := v.Client.Logical().Unwrap(re.WrapInfo.Token)
	if err != nil || got.Data["a"] != "b" || len(got.Warnings) != 0 {
		t.Fatalf("unwrap rewrapped: %+v %v", got, err)
	}
	// The wrapping token may not rewrap itself: its policy only unwraps.
	s2, _ := wrapped(v.Client, "10m").Logical().Write("sys/wrapping/wrap", map[string]any{"a": "b"})
	_, err = mvClient(t, v, s2.WrapInfo.Token).Logical().Write("sys/wrapping/rewrap", nil)
	mvDenied(t, err)
	// Lists are wrapped when they have keys; empty lists are a 404.
	if l, err := wrapped(v.Client, "1m").Logical().List("secret/metadata/"); err != nil || l != nil {
		t.Fatalf("empty wrapped list: %+v %v", l, err) // the client turns the 404 into nil
	}
	if _, err := v.Client.KVv2("secret").Put(context.Background(), "k", map[string]any{"a": "b"}); err != nil {
		t.Fatal(err)
	}
	l, err := wrapped(v.Client, "1m").Logical().List("secret/metadata/")
	if err != nil || l.WrapInfo == nil {
		t.Fatalf("wrapped list: %+v %v", l, err)
	}
}

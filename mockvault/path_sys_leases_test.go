package mockvault_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/mockvault/mockvault/testhelpers"
)

func TestTokenLeases(t *testing.T) {
	v := testhelpers.RunT(t)
	a, err := v.Client.Auth().Token().Create(&api.TokenCreateRequest{TTL: "1h"})
	if err != nil {
		t.Fatal(err)
	}
	b := mvToken(t, v)
	list, err := v.Client.Logical().List("sys/leases/lookup/auth/token/create/")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range list.Data["keys"].([]any) {
		ids = append(ids, "auth/token/create/"+k.(string))
	}
	if len(ids) != 3 { // root, a, b
		t.Fatalf("leases: %v", ids)
	}
	top, err := v.Client.Logical().List("sys/leases/lookup/auth/token/")
	if err != nil {
		t.Fatal(err)
	}
	if k, _ := json.Marshal(top.Data["keys"]); string(k) != `["create/"]` {
		t.Fatalf("top: %s", k)
	}
	var aLease string
	for _, id := range ids {
		l, err := v.Client.Sys().Lookup(id)
		if err != nil {
			t.Fatal(err)
		}
		if ttl, _ := l.Data["ttl"].(json.Number).Int64(); ttl == 3600 {
			aLease = id
			if l.Data["renewable"] != true || l.Data["expire_time"] == nil {
				t.Fatalf("lookup: %v", l.Data)
			}
		}
	}
	if aLease == "" || !strings.HasPrefix(aLease, "auth/token/create/h") {
		t.Fatalf("no lease for a among %v", ids)
	}
	_, err = v.Client.Sys().Renew(aLease, 0)
	mvWantErr(t, err, 400, "tokens cannot be renewed through this endpoint")
	_, err = v.Client.Sys().Lookup("nope")
	mvWantErr(t, err, 400, "invalid lease")
	v.Clock.Advance(time.Minute)
	if err := v.Client.Sys().Revoke(aLease); err != nil {
		t.Fatal(err)
	}
	_, err = v.Client.Auth().Token().Lookup(a.Auth.ClientToken)
	mvWantErr(t, err, 403, "bad token")
	// revoke-prefix needs sudo and revokes every lease below it.
	_, err = mvClient(t, v, b).Logical().Write("sys/leases/revoke-prefix/auth/token/create", nil)
	mvDenied(t, err)
	if err := v.Client.Sys().RevokePrefix("auth/token/create"); err != nil {
		t.Fatal(err)
	}
	_, err = v.Client.Auth().Token().Lookup(b)
	if err == nil {
		t.Fatal("b survived revoke-prefix")
	}
}

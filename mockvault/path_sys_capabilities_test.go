package mockvault_test

import (
	"strings"
	"testing"

	"github.com/mockvault/mockvault/testhelpers"
)

func TestCapabilitiesEndpoints(t *testing.T) {
	v := testhelpers.RunT(t)
	mvPolicy(t, v, "p", `path "secret/data/*" { capabilities = ["read", "list", "create"] }`)
	tok := mvToken(t, v, "p")
	look, err := v.Client.Auth().Token().Lookup(tok)
	if err != nil {
		t.Fatal(err)
	}
	acc := look.Data["accessor"].(string)

	caps, err := v.Client.Sys().Capabilities(tok, "secret/data/x")
	if err != nil || strings.Join(caps, ",") != "create,list,read" {
		t.Fatalf("capabilities: %v %v", caps, err)
	}
	s, err := v.Client.Logical().Write("sys/capabilities-accessor", map[string]any{"accessor": acc, "paths": []string{"secret/data/x", "sys/mounts"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Data["capabilities"]; ok || len(s.Data) != 2 {
		t.Fatalf("two paths: %v", s.Data)
	}
	if strings.Join(toStringList(s.Data["sys/mounts"]), ",") != "deny" {
		t.Fatalf("sys/mounts: %v", s.Data)
	}
	c := mvClient(t, v, tok)
	if got := mvCaps(t, c, "secret/data/x"); got != "create,list,read" {
		t.Fatalf("self: %s", got)
	}
	// The default policy grants capabilities-self and the cubbyhole.
	if got := mvCaps(t, c, "cubbyhole/a"); got != "create,delete,list,read,update" {
		t.Fatalf("cubbyhole: %s", got)
	}
	_, err = c.Logical().Write("sys/capabilities", map[string]any{"token": tok, "paths": "secret/data/x"})
	mvDenied(t, err) // sys/capabilities is not in default
	_, err = v.Client.Sys().Capabilities("not-a-token", "secret")
	mvWantErr(t, err, 400, "1 error occurred:\n\t* invalid token\n\n")
	_, err = v.Client.Logical().Write("sys/capabilities-accessor", map[string]any{"accessor": "nope", "paths": "a"})
	mvWantErr(t, err, 400, "1 error occurred:\n\t* invalid accessor\n\n")
	_, err = v.Client.Logical().Write("sys/capabilities-accessor", map[string]any{"paths": "a"})
	mvWantErr(t, err, 400, "missing accessor")
	_, err = v.Client.Logical().Write("sys/capabilities-self", map[string]any{})
	mvWantErr(t, err, 400, "paths must be supplied")
	// The deprecated "path" field still works.
	old, err := v.Client.Logical().Write("sys/capabilities-self", map[string]any{"path": "x"})
	if err != nil || strings.Join(toStringList(old.Data["capabilities"]), ",") != "root" {
		t.Fatalf("path field: %v %v", old, err)
	}
}

func toStringList(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

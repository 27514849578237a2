package mockvault

import (
	"reflect"
	"testing"
)

func TestAppRoleLoginTokenType(t *testing.T) {
	cases := []struct{ mount, role, want string }{
		{"", "", "service"}, {"default-service", "default", "service"}, {"default-service", "service", "service"},
		{"default-service", "batch", "batch"}, {"default-batch", "", "batch"}, {"default-batch", "default", "batch"},
		{"default-batch", "service", "service"}, {"default-batch", "batch", "batch"},
		{"service", "batch", "service"}, {"batch", "service", "batch"}, {"batch", "default", "batch"},
	}
	for _, c := range cases {
		if got := loginTokenType(c.mount, c.role); got != c.want {
			t.Errorf("mount %q role %q: got %q want %q", c.mount, c.role, got, c.want)
		}
	}
}

func TestAppRoleCIDRSubset(t *testing.T) {
	if err := verifyCIDRSubset([]string{"10.1.0.0/16"}, []string{"10.0.0.0/8"}); err != nil {
		t.Fatal(err)
	}
	err := verifyCIDRSubset([]string{"192.168.0.0/16"}, []string{"10.0.0.0/8"})
	want := `failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["192.168.0.0/16"]: %!w(<nil>)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v", err)
	}
	// A bare role IP counts as /32.
	if err := verifyCIDRSubset([]string{"10.0.0.1/32"}, []string{"10.0.0.1"}); err != nil {
		t.Fatal(err)
	}
}

func TestAppRoleParseArbitraryKeyValues(t *testing.T) {
	for in, want := range map[string]map[string]string{
		`{"Env":"Prod"}`: {"Env": "Prod"},
		"Env=Prod,b=c":   {"env": "prod", "b": "c"},
		"eyJhIjoiYiJ9":   {"a": "b"}, // base64 of {"a":"b"}
	} {
		out := map[string]string{}
		if err := parseArbitraryKeyValues(in, out); err != nil || !reflect.DeepEqual(out, want) {
			t.Errorf("%q: %v %v", in, out, err)
		}
	}
	if err := parseArbitraryKeyValues("novalue", map[string]string{}); err == nil ||
		err.Error() != "failed to parse the input: invalid <key,value> format" {
		t.Errorf("got %v", err)
	}
}

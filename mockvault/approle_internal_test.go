package mockvault

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// Until the sys/auth family (path_sys_mounts.go) lands, the AppRole tests
// enable their mounts through this test-only stand-in for sys/auth/:path
// (enable, disable) and sys/{auth,mounts/auth}/:path/tune. It steps aside
// as soon as any other sys family serves auth/… paths.
func init() {
	sysPathRegistry = append(sysPathRegistry, approleTestSysAuthShim)
}

func approleTestSysAuthShim(s *Server) []*path {
	self := reflect.ValueOf(approleTestSysAuthShim).Pointer()
	for _, f := range sysPathRegistry {
		if reflect.ValueOf(f).Pointer() == self {
			continue
		}
		for _, p := range f(s) {
			if strings.HasPrefix(p.pattern, "auth/") {
				return nil
			}
		}
	}
	tune := func(req *request, d *fieldData) (*response, error) {
		m := s.mounts["auth/"+strings.Trim(d.str("path"), "/")+"/"]
		if m == nil {
			return nil, badRequest("no mount")
		}
		if err := approleShimApplyConfig(m, d.raw); err != nil {
			return nil, err
		}
		return nil, nil
	}
	tuneFields := fields{"path": tString, "default_lease_ttl": tString, "max_lease_ttl": tString, "token_type": tString}
	return []*path{
		{pattern: "auth/{path:.+}/tune", fields: tuneFields, ops: map[op]handlerFunc{opUpdate: tune}},
		{pattern: "mounts/auth/{path:.+}/tune", fields: tuneFields, ops: map[op]handlerFunc{opUpdate: tune}},
		{pattern: "auth/{path:.+}", fields: fields{"path": tString, "type": tString, "description": tString, "config": tMap, "local": tBool, "seal_wrap": tBool, "options": tMap},
			ops: map[op]handlerFunc{
				opUpdate: func(req *request, d *fieldData) (*response, error) {
					p := "auth/" + strings.Trim(d.str("path"), "/") + "/"
					if s.mounts[p] != nil {
						return nil, badRequest("path is already in use at %s", strings.TrimPrefix(p, "auth/"))
					}
					f := backendFactories[d.str("type")]
					if f == nil {
						return nil, badRequest("unknown auth method type %q", d.str("type"))
					}
					m := &mount{path: p, typ: d.str("type"), auth: true, description: d.str("description"), tokenType: "default-service"}
					if cfg, ok := d.raw["config"].(map[string]any); ok {
						if err := approleShimApplyConfig(m, cfg); err != nil {
							return nil, err
						}
					}
					m.backend = f(s, m)
					s.addMount(m)
					return nil, nil
				},
				opDelete: func(req *request, d *fieldData) (*response, error) {
					p := "auth/" + strings.Trim(d.str("path"), "/") + "/"
					m := s.mounts[p]
					if m == nil {
						return nil, nil
					}
					delete(s.mounts, p)
					for _, h := range onMountRemoved {
						h(s, m)
					}
					return nil, nil
				},
			}},
	}
}

func approleShimApplyConfig(m *mount, cfg map[string]any) error {
	for k, set := range map[string]*time.Duration{"default_lease_ttl": &m.defaultLeaseTTL, "max_lease_ttl": &m.maxLeaseTTL} {
		if v, ok := cfg[k]; ok && v != nil && v != "" {
			d, err := parseDurationAny(v)
			if err != nil {
				return badRequest("%v", err)
			}
			*set = d
		}
	}
	if v, ok := cfg["token_type"].(string); ok && v != "" {
		m.tokenType = v
	}
	return nil
}

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

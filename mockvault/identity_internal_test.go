package mockvault

import (
	"strings"
	"testing"
)

// External groups: a login naming a group alias of its mount joins the
// alias's group, and leaves it when a later login no longer names it;
// groups of other mounts are left alone.
func TestIdentityExternalGroupsFollowLogins(t *testing.T) {
	s := New(Options{})
	defer s.Close()
	if _, err := s.Write("sys/auth/approle", map[string]any{"type": "approle"}); err != nil {
		t.Fatal(err)
	}
	acc := s.mounts["auth/approle/"].accessor
	g, err := s.Write("identity/group-alias", map[string]any{"name": "devs", "mount_accessor": acc})
	if err != nil {
		t.Fatal(err)
	}
	gid := g["canonical_id"].(string)
	if _, err := s.Write("identity/group/id/"+gid, map[string]any{"policies": "dev"}); err != nil {
		t.Fatal(err)
	}
	other, err := s.Write("identity/group-alias", map[string]any{"name": "devs", "mount_accessor": s.mounts["auth/token/"].accessor})
	if err != nil {
		t.Fatal(err)
	}
	m := s.mounts["auth/approle/"]
	login := func(groups ...string) string {
		t.Helper()
		s.mu.Lock()
		defer s.mu.Unlock()
		id, err := s.identityLogin(m, &loginAlias{Name: "user", Metadata: map[string]string{"k": "v"}}, groups)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	policies := func(id string) string {
		s.mu.Lock()
		defer s.mu.Unlock()
		p, _ := s.identityPolicies(id)
		return strings.Join(p, ",")
	}
	id := login("DEVS", "unknown")
	if got := policies(id); got != "dev" {
		t.Fatalf("policies after joining = %q", got)
	}
	// A member of an external group of another mount stays one.
	s.mu.Lock()
	st := s.identityStore()
	og := st.groups[other["canonical_id"].(string)].clone()
	og.MemberEntityIDs = []string{id}
	st.putGroup(og)
	s.mu.Unlock()
	if login() != id {
		t.Fatal("a second login made another entity")
	}
	if got := policies(id); got != "" {
		t.Fatalf("policies after leaving = %q", got)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !contains(s.identityStore().groups[og.ID].MemberEntityIDs, id) {
		t.Fatal("the group of another mount lost its member")
	}
}

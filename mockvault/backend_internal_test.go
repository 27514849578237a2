package mockvault

import (
	"fmt"
	"testing"
)

// A memoised route match answers as the router does, hands each caller
// its own captures, and keeps at most maxRouteMemo answers.
func TestRouteMemo(t *testing.T) {
	b := newBackend([]*path{
		{pattern: "roles/{name}", ops: map[op]handlerFunc{opRead: nil, opUpdate: nil}},
		{pattern: "roles/", ops: map[op]handlerFunc{opList: nil}},
	})
	for i := 0; i < 2; i++ { // the second time from the memo
		p, vars, err := b.match(opRead, "roles/web")
		if err != nil || p != b.paths[0] || vars["name"] != "web" {
			t.Fatalf("read roles/web: %v %v %v", p, vars, err)
		}
		vars["name"] = "changed" // the caller's own copy
		if _, _, err := b.match(opDelete, "roles/web"); err != errUnsupportedOp {
			t.Fatalf("delete roles/web: %v", err)
		}
		if _, _, err := b.match(opRead, "nothing/here"); err != errUnsupportedPath {
			t.Fatalf("read nothing/here: %v", err)
		}
		if p, _, err := b.match(opList, "roles"); err != nil || p != b.paths[1] {
			t.Fatalf("list roles: %v %v", p, err)
		}
	}
	for i := 0; i < 2*maxRouteMemo; i++ {
		if _, vars, err := b.match(opRead, fmt.Sprintf("roles/r%d", i)); err != nil || vars["name"] != fmt.Sprintf("r%d", i) {
			t.Fatalf("read roles/r%d: %v %v", i, vars, err)
		}
	}
	if n := b.router.memo.len(); n > maxRouteMemo {
		t.Fatalf("%d answers kept, bound %d", n, maxRouteMemo)
	}
}

package mockvault

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"
)

// op is a logical operation, as Vault's request router names them.
type op string

const (
	opRead   op = "read"
	opList   op = "list"
	opCreate op = "create"
	opUpdate op = "update"
	opDelete op = "delete"
	opPatch  op = "patch"
)

// handlerFunc serves one operation on one path of a backend.
type handlerFunc func(r *request, d *fieldData) (*response, error)

// path is one endpoint of a backend: a gorilla/mux template relative to the
// mount point, the parameters it knows and the operations it serves.
type path struct {
	pattern string
	fields  fields
	ops     map[op]handlerFunc
	// exists tells create from update for policy checks; without it every
	// write is an update, as in Vault.
	exists func(r *request, d *fieldData) (bool, error)
	// unauthenticated paths are served without a token (login, health…).
	unauthenticated bool
}

// backend routes a mount's relative paths to their handlers.
type backend struct {
	router *mux.Router
}

type matchedPath struct {
	p    *path
	vars map[string]string
}

func (m matchedPath) ServeHTTP(http.ResponseWriter, *http.Request) {}

func newBackend(paths []*path) *backend {
	r := mux.NewRouter()
	for _, p := range paths {
		var methods []string
		for o := range p.ops {
			methods = append(methods, strings.ToUpper(string(o)))
		}
		// Writes are routed as updates; create is decided later.
		if _, ok := p.ops[opCreate]; ok {
			methods = append(methods, "UPDATE")
		}
		pattern := "/" + p.pattern
		if strings.HasSuffix(pattern, "/") && len(pattern) > 1 {
			// Vault's list paths ("roles/?") also match without the
			// slash, so a GET there is a 405, not a 404.
			pattern = strings.TrimSuffix(pattern, "/") + "{_slash:/?}"
		}
		r.Path(pattern).Methods(methods...).Handler(matchedPath{p: p})
	}
	return &backend{router: r}
}

// match finds the endpoint serving o on rel (relative to the mount).
func (b *backend) match(o op, rel string) (*path, map[string]string, error) {
	method := strings.ToUpper(string(o))
	if o == opCreate {
		method = "UPDATE"
	}
	req := &http.Request{Method: method, URL: &url.URL{Path: "/" + rel}}
	var m mux.RouteMatch
	if !b.router.Match(req, &m) {
		if errors.Is(m.MatchErr, mux.ErrMethodMismatch) {
			return nil, nil, errUnsupportedOp
		}
		return nil, nil, errUnsupportedPath
	}
	mp := m.Handler.(matchedPath)
	delete(m.Vars, "_slash")
	return mp.p, m.Vars, nil
}

// handler returns the function for o, treating create as update when the
// path does not tell them apart.
func (p *path) handler(o op) handlerFunc {
	if h, ok := p.ops[o]; ok {
		return h
	}
	if o == opCreate {
		return p.ops[opUpdate]
	}
	if o == opUpdate {
		return p.ops[opCreate]
	}
	return nil
}

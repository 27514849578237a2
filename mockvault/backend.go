package mockvault

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"

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
	// defaults are values for fields a request leaves out (Vault's
	// FieldSchema.Default), returned by the fieldData getters.
	defaults map[string]any
	ops      map[op]handlerFunc
	// exists tells create from update for policy checks; without it every
	// write is an update, as in Vault.
	exists func(r *request, d *fieldData) (bool, error)
	// unauthenticated paths are served without a token (login, health…).
	unauthenticated bool
	// captures are every capture of Vault's pattern for this path,
	// optional ones included: Vault sets each (to "" when absent) over
	// a body parameter of the same name, with a warning.
	captures []string
}

// backend routes a mount's relative paths to their handlers.
type backend struct {
	router *routeTable
	// paths are this backend's endpoints; a shared router's routes name
	// them by index (matchedPath.i).
	paths []*path
	// prefix, when set, is put before the relative path when matching
	// (KV routes each version's paths under its own prefix).
	prefix func() string
	// build, when set, makes the real backend on first use: a server
	// that never routes to a mount never pays for its route table.
	build func() *backend
	// unimplemented, when set, is the answer to every request: the mount's
	// type is one the mock does not implement.
	unimplemented error
	// notFound, when set, may replace the plain "unsupported path" of a
	// path no route matches (sys/ names the families it does not serve).
	notFound func(rel string) error
}

// lazyBackend defers building a backend to its first match (always under
// the server lock).
func lazyBackend(build func() *backend) *backend { return &backend{build: build} }

type matchedPath struct {
	i int // index in backend.paths
}

func (m matchedPath) ServeHTTP(http.ResponseWriter, *http.Request) {}

// routers caches compiled routers by route table: compiling gorilla/mux's
// regexps is most of what a new server costs, and servers (and mounts of
// one type) have the same tables. A router only reads after it is built.
var routers sync.Map // string -> *routeTable

// routeTable is a compiled router and the answers it gave: gorilla/mux
// tries every route's regexp in turn, which was a tenth of the server's
// own work per request, while tests ask the same few paths over and
// over. A match depends on the method and path alone, so answers are
// kept, up to maxRouteMemo of them per table (then forgotten at once:
// paths that are all different, KV keys, say, cost one map reset).
type routeTable struct {
	router *mux.Router
	memo   *boundedMemo[string, routeMatch]
}

const maxRouteMemo = 4096

// routeMatch is one answer of the router: the index of the path matched
// and its captures, or why none matched.
type routeMatch struct {
	ok, methodMismatch bool
	i                  int
	vars               map[string]string
}

// match asks the router about method on p ("/"+rel), or its memo. The
// vars returned are the caller's own.
func (t *routeTable) match(method, p string) routeMatch {
	key := method + " " + p
	rm, hit := t.memo.get(key)
	if !hit {
		var m mux.RouteMatch
		rm.ok = t.router.Match(&http.Request{Method: method, URL: &url.URL{Path: p}}, &m)
		if rm.ok {
			rm.i = m.Handler.(matchedPath).i
			delete(m.Vars, "_slash")
			rm.vars = m.Vars
		} else {
			rm.methodMismatch = errors.Is(m.MatchErr, mux.ErrMethodMismatch)
		}
		t.memo.put(key, rm)
	}
	if rm.vars != nil {
		rm.vars = maps.Clone(rm.vars)
	}
	return rm
}

// opMethods are the router's method names, in a fixed order.
var opMethods = [...]struct {
	o op
	m string
}{{opRead, "READ"}, {opList, "LIST"}, {opCreate, "CREATE"}, {opUpdate, "UPDATE"}, {opDelete, "DELETE"}, {opPatch, "PATCH"}}

// opMask is the set of operations p serves; writes are routed as updates
// (create is decided later), so create implies update.
func opMask(p *path) byte {
	var mask byte
	for i, om := range opMethods {
		if _, ok := p.ops[om.o]; ok {
			mask |= 1 << i
		}
	}
	if mask&(1<<2) != 0 {
		mask |= 1 << 3
	}
	return mask
}

func maskMethods(mask byte) []string {
	var out []string
	for i, om := range opMethods {
		if mask&(1<<i) != 0 {
			out = append(out, om.m)
		}
	}
	return out
}

func newBackend(paths []*path) *backend {
	n := 0
	for _, p := range paths {
		n += len(p.pattern) + 2
	}
	key := make([]byte, 0, n)
	for _, p := range paths {
		key = append(key, p.pattern...)
		key = append(key, 0, opMask(p))
	}
	if r, ok := routers.Load(string(key)); ok {
		return &backend{router: r.(*routeTable), paths: paths}
	}
	r := mux.NewRouter()
	for i, p := range paths {
		pattern := "/" + p.pattern
		if strings.HasSuffix(pattern, "/") && len(pattern) > 1 {
			// Vault's list paths ("roles/?") also match without the
			// slash, so a GET there is a 405, not a 404.
			pattern = strings.TrimSuffix(pattern, "/") + "{_slash:/?}"
		}
		r.Path(pattern).Methods(maskMethods(opMask(p))...).Handler(matchedPath{i: i})
	}
	t := &routeTable{router: r, memo: newBoundedMemo[string, routeMatch](maxRouteMemo)}
	routers.Store(string(key), t)
	return &backend{router: t, paths: paths}
}

// match finds the endpoint serving o on rel (relative to the mount).
func (b *backend) match(o op, rel string) (*path, map[string]string, error) {
	if b.build != nil {
		*b = *b.build()
	}
	if b.unimplemented != nil {
		return nil, nil, b.unimplemented
	}
	method := opMethodNames[o]
	if b.prefix != nil {
		rel = b.prefix() + rel
	}
	m := b.router.match(method, "/"+rel)
	if !m.ok {
		if m.methodMismatch {
			return nil, nil, errUnsupportedOp
		}
		if b.notFound != nil {
			if err := b.notFound(strings.TrimPrefix(rel, "/")); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, errUnsupportedPath
	}
	return b.paths[m.i], m.vars, nil
}

// opMethodNames are the router's method names of operations: writes are
// routed as updates (create is decided later).
var opMethodNames = map[op]string{opRead: "READ", opList: "LIST", opCreate: "UPDATE", opUpdate: "UPDATE", opDelete: "DELETE", opPatch: "PATCH"}

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

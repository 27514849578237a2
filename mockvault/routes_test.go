package mockvault

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// The route index (docs/routes.md) is generated from the engine registry
// and checked here, so it always says what the code serves. Regenerate it
// with: MOCKVAULT_UPDATE_ROUTES=1 go test -run TestRouteIndex ./mockvault
const routeIndexFile = "../docs/routes.md"

func TestRouteIndex(t *testing.T) {
	got := routeIndex(t)
	if os.Getenv("MOCKVAULT_UPDATE_ROUTES") != "" {
		if err := os.WriteFile(routeIndexFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	// The index must name what a newcomer looks for.
	for _, want := range []string{
		"| `auth/approle/role/:role_name/secret-id` | update |",
		"| `sys/wrapping/rewrap` | update |",
		"| `auth/token/create` | update |",
		"| `secret/data/:path` (kv v2) |",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("route index lacks %q", want)
		}
	}
	old, err := os.ReadFile(routeIndexFile)
	if err != nil || string(old) != got {
		t.Fatalf("%s is out of date: regenerate it with MOCKVAULT_UPDATE_ROUTES=1 go test -run TestRouteIndex ./mockvault", routeIndexFile)
	}
}

// routeRow is one line of the index.
type routeRow struct {
	path, ops, notes, files string
}

var muxVar = regexp.MustCompile(`\{([A-Za-z_]+)(:[^{}]*(\{[^{}]*\}[^{}]*)*)?\}`)

func routeIndex(t *testing.T) string {
	files := declFiles(t)
	s := New(Options{})
	var b strings.Builder
	b.WriteString("# Route index\n\n")
	b.WriteString("Every Vault path the mock serves, generated from the engine registry\n")
	b.WriteString("(`mockvault/engines.go`) by `TestRouteIndex` (`mockvault/routes_test.go`),\n")
	b.WriteString("which fails when this file is out of date. Regenerate it with\n")
	b.WriteString("`MOCKVAULT_UPDATE_ROUTES=1 go test -run TestRouteIndex ./mockvault`.\n\n")
	b.WriteString("`:name` is a path parameter; an auth method or secrets engine enabled\n")
	b.WriteString("elsewhere serves the same paths under its own mount. Operations are\n")
	b.WriteString("Vault's (`read` is GET, `list` is LIST or `GET ?list=true`, `update` is\n")
	b.WriteString("POST/PUT, `create` is a POST/PUT to what does not exist yet). Mount\n")
	b.WriteString("types Vault has and the mock does not implement can be enabled; every\n")
	b.WriteString("request under them answers 404 naming mockvault.\n")
	for _, e := range engineList {
		if e.routes == nil {
			fmt.Fprintf(&b, "\n## %s (not implemented)\n", e.typ)
			continue
		}
		mountPath := e.typ + "/"
		if e.auth {
			mountPath = "auth/" + mountPath
		}
		if len(e.dev) > 0 {
			mountPath = e.dev[0].path
		}
		m := &mount{path: mountPath, typ: e.typ, auth: e.auth, options: map[string]string{"version": "2"}}
		be := e.routes(s, m)
		if be.build != nil {
			be = be.build()
		}
		kind := "secrets engine"
		if e.auth {
			kind = "auth method"
		}
		fmt.Fprintf(&b, "\n## %s (%s, mounted at `%s`)\n\n", e.typ, kind, mountPath)
		b.WriteString("| path | operations | notes | served by |\n|---|---|---|---|\n")
		for _, r := range engineRows(e, m, be, files) {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", r.path, r.ops, r.notes, r.files)
		}
		if e.typ == "system" {
			b.WriteString("\nNot implemented (each answers 404 `unsupported path (mockvault does not implement sys/...)`, after the usual token and ACL checks): ")
			for i, u := range sysUnimplemented {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString("`sys/" + u + "`")
			}
			b.WriteString(".\n")
		}
	}
	return b.String()
}

func engineRows(e *engine, m *mount, be *backend, files map[string]string) []routeRow {
	var rows []routeRow
	for _, p := range be.paths {
		pattern, label := p.pattern, ""
		if e.typ == "kv" {
			// KV routes each version under its own prefix (see kvBackend).
			v, rest, _ := strings.Cut(pattern, "/")
			pattern, label = rest, " (kv "+strings.TrimPrefix(v, "_")+")"
		}
		full := m.path + muxVar.ReplaceAllString(pattern, ":$1")
		var ops []string
		fileSet := map[string]bool{}
		for _, om := range opMethods {
			h, ok := p.ops[om.o]
			if !ok {
				continue
			}
			ops = append(ops, string(om.o))
			fileSet[handlerFile(h, files)] = true
		}
		var notes []string
		if p.unauthenticated {
			notes = append(notes, "unauthenticated")
		}
		if isSudo(e, strings.TrimPrefix(full, m.path)) {
			notes = append(notes, "sudo")
		}
		var fl []string
		for f := range fileSet {
			fl = append(fl, f)
		}
		sort.Strings(fl)
		rows = append(rows, routeRow{"`" + full + "`" + label, strings.Join(ops, ", "), strings.Join(notes, ", "), strings.Join(fl, ", ")})
	}
	return rows
}

// isSudo applies isSudoPath's rule to a route's relative pattern.
func isSudo(e *engine, rel string) bool {
	req := &request{mount: &mount{typ: e.typ}, rel: rel}
	return (&Server{}).isSudoPath(req)
}

// handlerFile names the file declaring h: the function's own file, or,
// for a method value (whose code is generated), the file declaring the
// method, found by parsing the package.
func handlerFile(h handlerFunc, files map[string]string) string {
	fn := runtime.FuncForPC(reflect.ValueOf(h).Pointer())
	if fn == nil {
		return "?"
	}
	name := fn.Name()
	if strings.HasSuffix(name, "-fm") {
		short := name[strings.LastIndex(name, ".")+1 : len(name)-3]
		if f, ok := files[short]; ok {
			return f
		}
	}
	file, _ := fn.FileLine(fn.Entry())
	return filepath.Base(file)
}

// declFiles maps every method and function name of the package to its file.
func declFiles(t *testing.T) map[string]string {
	fset := token.NewFileSet()
	matches, _ := filepath.Glob("*.go")
	out := map[string]string{}
	for _, f := range matches {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				out[fd.Name.Name] = f
			}
		}
	}
	return out
}

package app_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestServicesAreBuiltOnlyInApp fails when code outside app/services.go
// builds a domain service (a Service literal of a domain package or a call
// of its NewService): services are built once, in app.NewServices, and
// handed to the resolvers and the workers (docs/architecture.md). Tests and test
// support packages (…test) may build their own. The positive control: app/services.go builds every one.
func TestServicesAreBuiltOnlyInApp(t *testing.T) {
	fset := token.NewFileSet()
	builds := map[string][]string{} // file → domain packages whose service it builds
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "frontend") {
			return filepath.SkipDir
		}
		if d.IsDir() && strings.HasSuffix(d.Name(), "test") { // test support (apptest, authtest, testdb)
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		domain := map[string]string{} // local import name → domain package
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if rest, ok := strings.CutPrefix(p, "github.com/stratumhq/stratum/domain/"); ok && !strings.Contains(rest, "/") {
				name := rest
				if im.Name != nil {
					name = im.Name.Name
				}
				domain[name] = rest
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var sel *ast.SelectorExpr
			switch n := n.(type) {
			case *ast.CompositeLit:
				sel, _ = n.Type.(*ast.SelectorExpr)
				if sel == nil || sel.Sel.Name != "Service" {
					return true
				}
			case *ast.CallExpr:
				sel, _ = n.Fun.(*ast.SelectorExpr)
				if sel == nil || sel.Sel.Name != "NewService" {
					return true
				}
			default:
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && domain[x.Name] != "" {
				builds[filepath.ToSlash(path)] = append(builds[filepath.ToSlash(path)], domain[x.Name])
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for file, pkgs := range builds {
		if file != "../app/services.go" {
			t.Errorf("%s builds domain services %v: build them in app.NewServices and pass them in", file, pkgs)
		}
	}
	got := map[string]bool{}
	for _, p := range builds["../app/services.go"] {
		got[p] = true
	}
	for _, want := range []string{"auth", "tenancy", "audit", "signals", "platforms", "incidents", "automation", "notifications"} {
		if !got[want] {
			t.Errorf("app/services.go does not build the %s service (the scan would miss a copy elsewhere)", want)
		}
	}
}

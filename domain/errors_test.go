package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// unwrapped lists the exported operations that need no
// `defer derrors.Wrap(&err, …)` (internal/derrors), as "pkg.Type.Method"
// or "pkg.Func", each with the reason. The test fails when an entry no
// longer matches an operation without the line, so the list only shrinks.
var unwrapped = map[string]string{
	"audiences.Meta.Finish":                  "a no-op: Meta applies each request at once",
	"audiences.TikTok.Finish":                "a no-op: TikTok applies each request at once",
	"audiences.Snapchat.Finish":              "a no-op: Snapchat applies each request at once",
	"audit.ForAuth":                          "auth's Audit hook; delegates to audit.Record, which names itself",
	"auth.Service.HashNewPassword":           "delegates to Hasher.Hash, which names itself",
	"automation.Service.SetRuleEnabled":      "delegates to UpdateRule, which names itself",
	"billing.Service.For":                    "a per-request cache over Service.Entitlements, which names itself",
	"incidents.Service.ActionFailedTx":       "delegates to OpenTx, which names itself",
	"platforms.Service.CampaignsByID":        "delegates to Service.Campaigns, which names itself",
	"platforms.Service.Degrade":              "checks the platform, then delegates to Sim.Degrade, which names itself",
	"platforms.Service.Recover":              "checks the platform, then delegates to Sim.Recover, which names itself",
	"platforms.Service.SeedSimulatedHistory": "delegates to Sim.SeedHistory, which names itself",
	"platforms.Service.SeedSimulator":        "delegates to Sim.SeedSimulator, which names itself",
	"platforms.Sim.Apply": "a Connector's Apply: its error text is the platform's words, which automation " +
		"records verbatim on a FAILED action (platformWords)",
	"platforms.RemoteConnector.Apply": "a Connector's Apply: its error text is the platform's words, which automation " +
		"records verbatim on a FAILED action (platformWords)",
	"platforms.SandboxAPI.Accounts": sandboxAPI,
	"platforms.SandboxAPI.Campaign": sandboxAPI,
	"platforms.SandboxAPI.Exchange": sandboxAPI,
	"platforms.SandboxAPI.Refresh":  sandboxAPI,
	"realtime.Hub.Run":              "always returns nil: a lost connection is logged and retried",
}

const sandboxAPI = "a platforms.API: its errors are *APIError values classified for the sync and action " +
	"jobs, exactly as the real platform clients' are"

// TestOperationsNameThemselvesInErrors fails when an exported function or
// method of a domain package (domain/*/, tests excluded) that takes a
// context.Context and returns an error does not start with
// `defer derrors.Wrap(&err, "<pkg>.<Type>.<Method>…", …)` (docs/architecture.md,
// "Errors"): without it a failing query reaches the log with no operation
// name.
func TestOperationsNameThemselvesInErrors(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("*", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in domain/*/: %v", err)
	}
	var missing, wrong []string
	seen := map[string]bool{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || !operation(fd) {
				continue
			}
			name := f.Name.Name + "." + fd.Name.Name
			if fd.Recv != nil {
				recv := receiver(fd)
				if !ast.IsExported(recv) {
					continue
				}
				name = f.Name.Name + "." + recv + "." + fd.Name.Name
			}
			seen[name] = true
			format, ok := wrapFormat(fd)
			if _, allowed := unwrapped[name]; allowed {
				if ok {
					t.Errorf("%s wraps its errors now: remove it from unwrapped", name)
				}
				continue
			}
			at := fset.Position(fd.Pos())
			switch {
			case !ok:
				missing = append(missing, at.String()+": "+name)
			case format != name && !strings.HasPrefix(format, name+"("):
				wrong = append(wrong, at.String()+": "+name+" is named "+strconv.Quote(format))
			}
		}
	}
	for name := range unwrapped {
		if !seen[name] {
			t.Errorf("unwrapped lists %s, which is not an exported operation any more", name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%d exported operations do not start with `defer derrors.Wrap(&err, \"<pkg>.<Type>.<Method>(…)\", ids…)` "+
			"(or belong in unwrapped, with the reason):\n%s", len(missing), strings.Join(missing, "\n"))
	}
	if len(wrong) > 0 {
		t.Errorf("operations named after something else:\n%s", strings.Join(wrong, "\n"))
	}
}

// operation reports whether fd is exported, takes a context.Context first
// and returns an error last: an operation that can fail for internal
// reasons (pure helpers without a context only validate or compute).
func operation(fd *ast.FuncDecl) bool {
	if !fd.Name.IsExported() || fd.Type.Results == nil || len(fd.Type.Params.List) == 0 {
		return false
	}
	rs := fd.Type.Results.List
	if id, ok := rs[len(rs)-1].Type.(*ast.Ident); !ok || id.Name != "error" {
		return false
	}
	sel, ok := fd.Type.Params.List[0].Type.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "Context"
}

// receiver is the name of fd's receiver type.
func receiver(fd *ast.FuncDecl) string {
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

// wrapFormat returns the format of fd's first statement when that is
// `defer derrors.Wrap(&err, "format", …)` and err is fd's last result.
func wrapFormat(fd *ast.FuncDecl) (string, bool) {
	if len(fd.Body.List) == 0 {
		return "", false
	}
	ds, ok := fd.Body.List[0].(*ast.DeferStmt)
	if !ok {
		return "", false
	}
	sel, ok := ds.Call.Fun.(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "Wrap" || len(ds.Call.Args) < 2 {
		return "", false
	}
	if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "derrors" {
		return "", false
	}
	rs := fd.Type.Results.List
	last := rs[len(rs)-1]
	if len(last.Names) == 0 || last.Names[len(last.Names)-1].Name != "err" {
		return "", false
	}
	ref, ok := ds.Call.Args[0].(*ast.UnaryExpr)
	if !ok || ref.Op != token.AND {
		return "", false
	}
	if id, ok := ref.X.(*ast.Ident); !ok || id.Name != "err" {
		return "", false
	}
	lit, ok := ds.Call.Args[1].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	format, err := strconv.Unquote(lit.Value)
	return format, err == nil
}

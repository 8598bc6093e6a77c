package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// owners says which context owns each table (docs/architecture.md: a
// context's SQL touches only its own tables; other contexts go through its
// exported service).
var owners = map[string][]string{
	"signals":       {"signal_measurements", "signal_health", "signal_health_history", "signal_recompute_state"},
	"platforms":     {"ad_campaigns", "ad_campaign_metrics", "platform_status", "simulator_state", "simulator_applied_changes"},
	"automation":    {"automation_actions", "automation_rules", "automation_settings", "enforcement_rules", "trust_gate_audit"},
	"incidents":     {"incidents", "incident_events"},
	"tenancy":       {"tenants", "memberships", "invites"},
	"auth":          {"users", "sessions", "refresh_tokens", "api_keys", "mfa_backup_codes", "revocations", "rate_limit_buckets", "platform_audit_log"},
	"audit":         {"audit_log"},
	"notifications": {"notification_channels", "notification_deliveries"},
}

// known lists the reaches not straightened yet (docs/architecture.md,
// "Still to straighten"), as "context: table". The test fails when one
// disappears too, so the list only shrinks.
var known = []string{
	"audit: users",      // actor e-mails of audit entries
	"auth: memberships", // a user's memberships at log-in (tenancy builds on auth)
	"auth: tenants",     // the same
	"tenancy: users",    // members' and invitees' e-mails
}

// TestContextsTouchOnlyTheirOwnTables fails when a domain package names
// another context's table in its SQL or hands another context's bun model
// to a query (Model((*other.T)(nil)), or Model(&x) with x of another
// context's type).
func TestContextsTouchOnlyTheirOwnTables(t *testing.T) {
	table := map[string]string{}
	for ctx, ts := range owners {
		for _, tb := range ts {
			table[tb] = ctx
		}
	}
	word := regexp.MustCompile(`[a-z_]+`)
	// A string is SQL (or a bun tag) when it holds a keyword, or is a bare
	// table name (Table("tenants")); error messages are neither.
	sql := regexp.MustCompile(`\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|AS)\b|table:|^[a-z_]+$`)
	found := map[string]bool{}
	for ctx := range owners {
		files, err := filepath.Glob(filepath.Join(ctx, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in domain/%s: %v", ctx, err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ImportSpec:
					return false
				case *ast.BasicLit:
					if n.Kind != token.STRING {
						return true
					}
					s, _ := strconv.Unquote(n.Value)
					if !sql.MatchString(s) {
						return true
					}
					for _, w := range word.FindAllString(s, -1) {
						if o, ok := table[w]; ok && o != ctx {
							found[ctx+": "+w] = true
						}
					}
				case *ast.CallExpr:
					sel, ok := n.Fun.(*ast.SelectorExpr)
					if !ok || sel.Sel.Name != "Model" || len(n.Args) != 1 {
						return true
					}
					if pkg := foreignModel(n.Args[0], ctx); pkg != "" {
						found[ctx+": model of "+pkg] = true
					}
				}
				return true
			})
		}
	}
	var got []string
	for k := range found {
		got = append(got, k)
	}
	slices.Sort(got)
	want := slices.Clone(known)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("reaches into another context's tables:\n got %q\nwant %q", got, want)
	}
}

// foreignModel returns the domain package whose type arg's model is, when
// that is not ctx: (*pkg.T)(nil), &pkg.T{}, or &x with x declared as
// pkg.T, []pkg.T or *pkg.T in the same function.
func foreignModel(arg ast.Expr, ctx string) string {
	var typ ast.Expr
	switch a := arg.(type) {
	case *ast.CallExpr: // (*pkg.T)(nil)
		typ = a.Fun
	case *ast.UnaryExpr: // &x, &pkg.T{}
		switch x := a.X.(type) {
		case *ast.CompositeLit:
			typ = x.Type
		case *ast.Ident:
			if x.Obj != nil {
				if vs, ok := x.Obj.Decl.(*ast.ValueSpec); ok {
					typ = vs.Type
				}
			}
		}
	}
	if typ == nil {
		return ""
	}
	var pkg string
	ast.Inspect(typ, func(n ast.Node) bool {
		if s, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := s.X.(*ast.Ident); ok {
				if _, isCtx := owners[id.Name]; isCtx && id.Name != ctx {
					pkg = id.Name
				}
			}
		}
		return true
	})
	return pkg
}

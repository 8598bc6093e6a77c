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

	"github.com/stretchr/testify/require"
)

// owners says which context owns each table (docs/architecture.md: a
// context's SQL touches only its own tables; other contexts go through its
// exported service).
var owners = map[string][]string{
	"signals":       {"signal_measurements", "signal_health", "signal_health_history", "signal_recompute_state"},
	"platforms":     {"ad_campaigns", "ad_campaign_metrics", "platform_status", "simulator_state", "simulator_applied_changes", "platform_connections", "platform_oauth_states", "ad_accounts", "ad_groups", "ads", "sync_runs", "platform_applied_changes"},
	"automation":    {"automation_actions", "automation_rule_activity", "automation_rules", "automation_settings", "enforcement_rules", "trust_gate_audit"},
	"incidents":     {"incidents", "incident_events"},
	"tenancy":       {"tenants", "memberships", "invites"},
	"auth":          {"users", "sessions", "refresh_tokens", "api_keys", "mfa_backup_codes", "revocations", "rate_limit_buckets", "platform_audit_log", "account_tokens"},
	"audit":         {"audit_log"},
	"notifications": {"notification_channels", "notification_deliveries"},
	"billing":       {"tenant_billing", "tenant_feature_overrides", "feature_skips"},
	"cdp": {"cdp_sources", "cdp_message_ids", "cdp_batches", "cdp_events", "cdp_profiles", "cdp_identifiers", "cdp_profile_merges", "cdp_refused_links", "cdp_identity_settings",
		"cdp_trait_tenants", "cdp_trait_definitions", "cdp_trait_profiles", "cdp_computed_traits",
		"cdp_rfm_settings", "cdp_profile_rfm", "cdp_rfm_reports", "cdp_funnels",
		"cdp_consents", "cdp_consent_history", "cdp_privacy_requests", "cdp_suppressions",
		"cdp_segments", "cdp_segment_members", "cdp_segment_membership_changes"},
	"conversions": {"conversion_destinations", "conversion_deliveries", "conversion_sent_requests", "conversion_delivery_log", "conversion_emq_hourly", "conversion_emq_platform_scores", "conversion_emq_platform_fetches"},
	"audiences":   {"audiences", "audience_members"},
}

// TestContextsTouchOnlyTheirOwnTables fails when a domain package names
// another context's table in its SQL or hands another context's bun model
// to a query (Model((*other.T)(nil)), or Model(&x) with x of another
// context's type). A lower context that needs a higher one's data defines
// an interface the higher one implements (auth.MembershipSource).
func TestContextsTouchOnlyTheirOwnTables(t *testing.T) {
	t.Parallel()
	var got []string
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
			got = append(got, reaches(t, ctx, path, src)...)
		}
	}
	slices.Sort(got)
	if got = slices.Compact(got); len(got) > 0 {
		t.Errorf("reaches into another context's tables (go through the owner's exported service):\n%q", got)
	}
}

// TestReachesAreFound is the positive control of
// TestContextsTouchOnlyTheirOwnTables: each kind of reach in a made-up
// file of audit is found, and the same code in the owning context is not.
func TestReachesAreFound(t *testing.T) {
	t.Parallel()
	src := []byte(`package audit

func f(ctx context.Context, tx bun.IDB) {
	tx.NewRaw("SELECT email FROM users WHERE id = ?", id)
	tx.NewSelect().TableExpr("memberships AS m")
	tx.NewSelect().Model((*tenancy.Tenant)(nil))
	var ks []auth.APIKey
	tx.NewSelect().Model(&ks)
	_ = errors.New("no users")
}
`)
	got := reaches(t, "audit", "made-up.go", src)
	slices.Sort(got)
	require.Equal(t, []string{"audit: memberships", "audit: model of auth", "audit: model of tenancy", "audit: users"}, got)
	require.Empty(t, reaches(t, "auth", "made-up.go", []byte(`package auth

func f(ctx context.Context, tx bun.IDB) {
	tx.NewRaw("SELECT email FROM users WHERE id = ?", id)
	var ks []auth.APIKey
	tx.NewSelect().Model(&ks)
}
`)))
}

var (
	// tableOwner maps each table to its context.
	tableOwner = func() map[string]string {
		m := map[string]string{}
		for ctx, ts := range owners {
			for _, tb := range ts {
				m[tb] = ctx
			}
		}
		return m
	}()
	word = regexp.MustCompile(`[a-z_]+`)
	// A string is SQL (or a bun tag) when it holds a keyword, or is a bare
	// table name (Table("tenants")); error messages are neither.
	sqlText = regexp.MustCompile(`\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|AS)\b|table:|^[a-z_]+$`)
)

// reaches lists the reaches of context ctx's file src into other
// contexts' tables, as "ctx: table" or "ctx: model of pkg".
func reaches(t *testing.T, ctx, path string, src []byte) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ImportSpec:
			return false
		case *ast.ValueSpec:
			// billing's feature-flag keys (const X Flag = "automation_rules")
			// name features, not tables.
			// And its limit keys (const X Limit = "conversion_destinations")
			// name quantities.
			if id, ok := n.Type.(*ast.Ident); ok && ctx == "billing" && (id.Name == "Flag" || id.Name == "Limit") {
				return false
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, _ := strconv.Unquote(n.Value)
			if !sqlText.MatchString(s) {
				return true
			}
			for _, w := range word.FindAllString(s, -1) {
				if o, ok := tableOwner[w]; ok && o != ctx {
					found = append(found, ctx+": "+w)
				}
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Model" || len(n.Args) != 1 {
				return true
			}
			if pkg := foreignModel(n.Args[0], ctx); pkg != "" {
				found = append(found, ctx+": model of "+pkg)
			}
		}
		return true
	})
	return found
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

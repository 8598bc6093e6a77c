package domain_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// systemClock lists the reads of the system clock that are neither stored
// nor compared with a stored time (docs/architecture.md, "Time"), as
// "file: call". The test fails when one disappears too, so the list only
// shrinks.
var systemClock = []string{
	"auth/authtest/authtest.go: time.Now",       // NewClock starts the tests' Manual clock at the real time
	"auth/revocations.go: time.Now",             // the refresh cadence (Interval), on the monotonic clock
	"auth/revocations.go: time.Since",           // the same
	"billing/planhint.go: time.Now",             // a plan hint's age (PlanHintTTL), on the monotonic clock
	"billing/service.go: time.Now",              // when the read a hint comes from began, the same
	"../jobs/trust.go: time.Now",                // a follow-up recompute's unique key, not a time
	"../jobs/sync.go: time.Now",                 // a sync attempt's time budget (half its timeout), on the monotonic clock
	"platforms/sync_insights.go: time.Now",      // the same budget checked between chunks
	"conversions/delivery_flush.go: time.Now",   // a conversion request's latency, on the monotonic clock
	"conversions/delivery_flush.go: time.Since", // the same
	"conversions/testevent.go: time.Now",        // a test event's request latency, on the monotonic clock
	"conversions/testevent.go: time.Since",      // the same
	// The platform clients turn a token's expires_in and a Retry-After date
	// into times on the wall clock the platform itself counts in (never
	// stored through SQL as "now"); Meta's client takes Now, the fakes
	// WithClock.
	"platforms/meta/client.go: time.Now",
	"platforms/googleads/client.go: time.Now",
	"platforms/googleads/googleadsfake/server.go: time.Now",
	"platforms/snapchat/client.go: time.Now",
	"platforms/snapchat/oauth.go: time.Now",
	"platforms/meta/metafake/server.go: time.Now",         // the fake platform's own clock (WithClock)
	"platforms/snapchat/snapchatfake/server.go: time.Now", // the same
	"conversions/capifake/server.go: time.Now",            // the same (WithClock)
	// The conversion senders' default clock turns a Retry-After date into a
	// wait (Config.Now; Check takes now from its caller).
	"conversions/senders/sender.go: time.Now",
}

// TestOneClock fails when domain code, the jobs or the resolvers read the
// system clock (time.Now, time.Since, time.Until) or send SQL that reads
// the database server's (now(), current_date, …) instead of the database
// clock (db.DB.Now, db.TxNow).
func TestOneClock(t *testing.T) {
	t.Parallel()
	sqlClock := regexp.MustCompile(`(?i)\bnow\(\)|\bcurrent_date\b|\bcurrent_timestamp\b|\bclock_timestamp\b|\blocaltimestamp\b|\btransaction_timestamp\b|\bstatement_timestamp\b`)
	var found []string
	for _, root := range []string{".", "../jobs", "../resolvers"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(path)
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ImportSpec:
					return false
				case *ast.SelectorExpr:
					if x, ok := n.X.(*ast.Ident); ok && x.Name == "time" && slices.Contains([]string{"Now", "Since", "Until"}, n.Sel.Name) {
						found = append(found, name+": time."+n.Sel.Name)
					}
				case *ast.BasicLit:
					if s, err := strconv.Unquote(n.Value); n.Kind == token.STRING && err == nil && sqlClock.MatchString(s) {
						found = append(found, name+": SQL "+sqlClock.FindString(s))
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(found)
	found = slices.Compact(found)
	want := slices.Clone(systemClock)
	slices.Sort(want)
	if !slices.Equal(want, found) {
		t.Errorf("reads of a clock other than the database clock:\n got %q\nwant %q\n(take the time from db.DB.Now or db.TxNow and pass it to SQL as a parameter; see docs/architecture.md, \"Time\")", found, want)
	}
}

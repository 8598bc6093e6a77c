package app_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/observability"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// actorNames reads the names of any number of actors (up to a page) in the
// same statements as one: which are members in one query and their e-mails
// in another, however many members, former members, strangers and
// duplicates are asked for.
func TestActorNamesBatched(t *testing.T) {
	t.Parallel()
	s, _, h, ids := setupNodes(t, nil, 0)
	_, tenant, err := relay.ParseGlobalID(ids[len(ids)-1])
	require.NoError(t, err)
	d := s.App.DB
	reads := &nameReads{n: map[string]int{}}
	d.Bun.AddQueryHook(reads)
	other := testdb.MustInsertTenant(t, d, testdb.Tenant{})

	var actors, want []string
	for i := range 30 {
		u := testdb.MustInsertUser(t, d, testdb.User{})
		testdb.MustInsertMember(t, d, tenant, u, "VIEWER")
		var email string
		require.NoError(t, d.InGlobal(context.Background(), func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT email FROM users WHERE id = ?`, u).Scan(ctx, &email)
		}))
		actors, want = append(actors, "user:"+u.String()), append(want, email)
		if i%10 == 0 { // asked twice
			actors, want = append(actors, "user:"+u.String()), append(want, email)
		}
	}
	gone := testdb.MustInsertUser(t, d, testdb.User{})
	testdb.MustInsertMember(t, d, tenant, gone, "VIEWER")
	require.NoError(t, d.InGlobal(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, gone)
		return err
	}))
	elsewhere := testdb.MustInsertUser(t, d, testdb.User{})
	testdb.MustInsertMember(t, d, other, elsewhere, "OWNER")
	actors = append(actors, "user:"+gone.String(), "user:"+elsewhere.String(), "user:"+uuid.NewString(), "system", "api_key:"+uuid.NewString(), "user:nope")
	want = append(want, "a former member", "a former member", "a former member", "Stratum", "an API key", "unknown")

	const q = `query($a: [String!]!) { actorNames(actors: $a) { actor name member } }`
	ask := func(reqID string, as []string) ([]any, int) {
		h.Set("X-Request-Id", reqID)
		res := s.Query(t, q, map[string]any{"a": as}, h)
		require.Empty(t, res.Errors)
		return res.Data["actorNames"].([]any), reads.count(reqID)
	}
	got, many := ask("actors-many", actors)
	require.Len(t, got, len(actors))
	for i, g := range got {
		m := g.(map[string]any)
		require.Equal(t, actors[i], m["actor"], "order is kept")
		require.Equal(t, want[i], m["name"], actors[i])
		require.Equal(t, i < len(actors)-6, m["member"], actors[i])
	}

	one, single := ask("actors-one", actors[:1])
	require.Equal(t, want[0], one[0].(map[string]any)["name"], "the control names its one member")
	require.Positive(t, single, "the hook sees the reads (control)")
	require.Equal(t, single, many, "%d actors took more reads of members and users than one", len(actors))
	require.LessOrEqual(t, many, 2)
}

// nameReads counts, per request id, the statements reading memberships or
// users.
type nameReads struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *nameReads) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if id := observability.RequestID(ctx); id != "" && (strings.Contains(e.Query, "memberships") || strings.Contains(e.Query, `"users"`)) {
		c.mu.Lock()
		c.n[id]++
		c.mu.Unlock()
	}
	return ctx
}

func (c *nameReads) AfterQuery(context.Context, *bun.QueryEvent) {}

func (c *nameReads) count(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

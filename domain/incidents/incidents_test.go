package incidents_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

func setup(t *testing.T) (*incidents.Service, uuid.UUID) {
	t.Helper()
	tdb := testdb.New(t)
	return &incidents.Service{DB: tdb.DB}, testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{})
}

func health(platform string, score float64, status signals.Status) signals.Change {
	return signals.Change{Curr: &signals.Health{Platform: platform, Score: score, Status: status}}
}

func feed(t *testing.T, s *incidents.Service, tenant uuid.UUID, changes ...signals.Change) {
	t.Helper()
	require.NoError(t, s.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return s.HealthChanged(ctx, tx, tenant, changes)
	}))
}

func list(t *testing.T, s *incidents.Service, tenant uuid.UUID, states ...incidents.State) []incidents.Incident {
	t.Helper()
	p, err := s.List(context.Background(), tenant, incidents.Filter{States: states}, relay.Args{})
	require.NoError(t, err)
	return p.Items
}

func TestIncidentLifecycle(t *testing.T) {
	t.Parallel()
	s, tenant := setup(t)
	ctx := context.Background()

	t.Run("health leaving HEALTHY opens one incident, severity from the score", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 65, signals.Degraded))
		feed(t, s, tenant, health(signals.Overall, 62, signals.Degraded))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1)
		require.Equal(t, incidents.Medium, open[0].Severity)
	})
	t.Run("a worse score escalates the open incident instead of opening another", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 35, signals.Unhealthy))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1)
		require.Equal(t, incidents.Critical, open[0].Severity)
		tl, err := s.Timeline(ctx, tenant, open[0].ID)
		require.NoError(t, err)
		require.Equal(t, []string{incidents.EventOpened, incidents.EventEscalated}, kinds(tl))
	})
	t.Run("outages and sharp EMQ drops are causes of their own", func(t *testing.T) {
		emq := 3.0
		c := health("META", 72, signals.Healthy)
		c.Curr.Outage, c.Curr.EMQ, c.Curr.EMQDrop = true, &emq, &signals.EMQDrop{From: 8, To: 3}
		feed(t, s, tenant, health(signals.Overall, 35, signals.Unhealthy), c)
		require.Len(t, list(t, s, tenant, incidents.Open), 3)
	})
	t.Run("acknowledge, then recovery closes automatically", func(t *testing.T) {
		open := list(t, s, tenant, incidents.Open)
		var healthID uuid.UUID
		for _, i := range open {
			if i.Cause == incidents.CauseHealth {
				healthID = i.ID
			}
		}
		inc, err := s.Acknowledge(ctx, tenant, healthID, "user:1")
		require.NoError(t, err)
		require.Equal(t, incidents.Acknowledged, inc.State)
		emq := 8.0
		c := health("META", 90, signals.Healthy)
		c.Curr.EMQ = &emq
		feed(t, s, tenant, health(signals.Overall, 90, signals.Healthy), c)
		require.Empty(t, list(t, s, tenant, incidents.Open, incidents.Acknowledged))
		tl, err := s.Timeline(ctx, tenant, healthID)
		require.NoError(t, err)
		require.Equal(t, []string{incidents.EventOpened, incidents.EventEscalated, incidents.EventAcknowledged, incidents.EventAutoResolved}, kinds(tl))
	})
	t.Run("the same cause later opens a new incident; people can resolve it", func(t *testing.T) {
		feed(t, s, tenant, health(signals.Overall, 50, signals.Degraded))
		open := list(t, s, tenant, incidents.Open)
		require.Len(t, open, 1)
		inc, err := s.Resolve(ctx, tenant, open[0].ID, "user:1", "known data delay")
		require.NoError(t, err)
		require.Equal(t, incidents.Resolved, inc.State)
		_, err = s.Resolve(ctx, tenant, open[0].ID, "user:1", "")
		require.Error(t, err)
		require.Len(t, list(t, s, tenant, incidents.Resolved), 4)
	})
}

func TestConcurrentOpensDeduplicate(t *testing.T) {
	t.Parallel()
	s, tenant := setup(t)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() { // no require off the test goroutine: collect the errors
			defer wg.Done()
			errs[i] = s.DB.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
				return s.HealthChanged(ctx, tx, tenant, []signals.Change{health("GOOGLE", 30, signals.Unhealthy)})
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "open %d", i)
	}
	require.Len(t, list(t, s, tenant, incidents.Open), 1)
}

func kinds(evs []incidents.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Kind
	}
	return out
}

// Every time an incident records is its transaction's, from the database
// clock: opening, escalating, acknowledging and resolving at four clock
// times leave those four times on the incident and its timeline.
func TestTimesFollowTheClock(t *testing.T) {
	t.Parallel()
	s, tenant := setup(t)
	ctx := context.Background()
	start := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	c := clock.NewManual(start)
	s.DB.Clock = c

	feed(t, s, tenant, health(signals.Overall, 65, signals.Degraded))
	open := list(t, s, tenant, incidents.Open)
	require.Len(t, open, 1)
	id := open[0].ID
	require.Equal(t, start, open[0].OpenedAt.UTC())
	require.Equal(t, start, open[0].UpdatedAt.UTC())

	c.Advance(time.Hour)
	feed(t, s, tenant, health(signals.Overall, 35, signals.Unhealthy))
	inc, err := s.Get(ctx, tenant, id)
	require.NoError(t, err)
	require.Equal(t, start, inc.OpenedAt.UTC(), "escalating keeps the opening time")
	require.Equal(t, start.Add(time.Hour), inc.UpdatedAt.UTC())

	c.Advance(time.Hour)
	inc, err = s.Acknowledge(ctx, tenant, id, "user:1")
	require.NoError(t, err)
	require.Equal(t, start.Add(2*time.Hour), inc.AcknowledgedAt.UTC())

	c.Advance(time.Hour)
	inc, err = s.Resolve(ctx, tenant, id, "user:1", "")
	require.NoError(t, err)
	require.Equal(t, start.Add(3*time.Hour), inc.ResolvedAt.UTC())
	require.Equal(t, start.Add(3*time.Hour), inc.UpdatedAt.UTC())

	tl, err := s.Timeline(ctx, tenant, id)
	require.NoError(t, err)
	var at []time.Time
	for _, e := range tl {
		at = append(at, e.At.UTC())
	}
	require.Equal(t, []string{incidents.EventOpened, incidents.EventEscalated, incidents.EventAcknowledged, incidents.EventResolved}, kinds(tl))
	require.Equal(t, []time.Time{start, start.Add(time.Hour), start.Add(2 * time.Hour), start.Add(3 * time.Hour)}, at)
}

// The state and severity filters are short lists (each value goes into the
// statement): a list as long as a request body allows is refused at its
// argument.
func TestIncidentFiltersAreBounded(t *testing.T) {
	t.Parallel()
	s, tenant := setup(t)
	ctx := context.Background()
	states := make([]incidents.State, 21)
	for i := range states {
		states[i] = incidents.Open
	}
	sev := make([]incidents.Severity, 21)
	for i := range sev {
		sev[i] = incidents.Critical
	}
	for _, c := range []struct {
		f     incidents.Filter
		field string
	}{{incidents.Filter{States: states}, "state"}, {incidents.Filter{Severities: sev}, "severity"}} {
		_, err := s.List(ctx, tenant, c.f, relay.Args{})
		e, ok := apperr.As(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, apperr.BadUserInput, e.Code)
		require.Equal(t, []string{c.field}, e.Field)
	}
	_, err := s.List(ctx, tenant, incidents.Filter{States: states[:2], Severities: sev[:2]}, relay.Args{})
	require.NoError(t, err, "positive control")
}

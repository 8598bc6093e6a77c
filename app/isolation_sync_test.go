package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/relay"
)

// Isolation cases of issue 12's sync fields. Tenant A gets a sandbox
// connection with one selected account named with the fixture's number;
// syncRuns also gets a run. (A's snapshot lists its user-triggered runs: a
// scheduled run may appear at any time.)

type syncFixture struct {
	conn, acct uuid.UUID
	name       string
	run        string // global ID, when made
}

var syncFixtures sync.Map // *isoFixture → *syncFixture

// syncOf returns A's sandbox connection, making it on first use (inside
// Vars or Trigger, before the case's snapshot).
func (f *isoFixture) syncOf(withRun bool) *syncFixture {
	v, _ := syncFixtures.LoadOrStore(f, &syncFixture{})
	sf := v.(*syncFixture)
	svc := f.b.srv.App.Services.Platforms
	ctx := context.Background()
	if sf.conn == uuid.Nil {
		// A's sandbox exists (the connections fixture made it through
		// connectSandbox): its account gets a name only A may see.
		sf.name = fmt.Sprintf("Alpha sandbox %d secret", f.n)
		err := svc.DB.InTenant(ctx, f.tenantA, func(ctx context.Context, tx bun.Tx) error {
			var a platforms.AdAccount
			if err := tx.NewSelect().Model(&a).Where("aa.sandbox").Scan(ctx); err != nil {
				return err
			}
			sf.conn, sf.acct = a.ConnectionID, a.ID
			_, err := tx.NewUpdate().Model(&a).Set("name = ?", sf.name).WherePK().Exec(ctx)
			return err
		})
		if err != nil {
			panic(err)
		}
	}
	if withRun && sf.run == "" {
		runs, err := svc.RequestSync(ctx, f.tenantA, platforms.SyncRequest{ConnectionID: sf.conn, AccountID: &sf.acct, Kind: platforms.SyncStructure, Trigger: platforms.TriggerUser})
		if err != nil {
			panic(err)
		}
		sf.run = relay.GlobalID("SyncRun", runs[0].ID)
	}
	return sf
}

func (sf *syncFixture) connID() string { return relay.GlobalID("PlatformConnection", sf.conn) }
func (sf *syncFixture) acctID() string { return relay.GlobalID("AdAccount", sf.acct) }

func init() {
	addIsolationCases(map[string]isolationCase{
		"Query.syncRuns": {Query: `query($c: ID) { syncRuns(connectionId: $c) { totalCount edges { node { id kind status apiCalls apiErrors account { id name } } } } }`,
			Vars: func(f *isoFixture) map[string]any {
				return map[string]any{"c": f.syncOf(true).connID()}
			}, Viewer: Allowed,
			Sees: func(f *isoFixture) []string { sf := f.syncOf(true); return []string{sf.run, sf.name} }},
		"Mutation.triggerSync": {Query: `mutation($c: ID!, $a: ID) { triggerSync(input: {connectionId: $c, accountId: $a, kind: STRUCTURE}) { runs { id status account { name } } userErrors { code field } } }`,
			Vars: func(f *isoFixture) map[string]any {
				sf := f.syncOf(false)
				return map[string]any{"c": sf.connID(), "a": sf.acctID()}
			}, Viewer: Refused, B: []string{"BAD_USER_INPUT"}, Changes: true,
			Sees: func(f *isoFixture) []string { return []string{f.syncOf(false).name} }},
		"Subscription.syncRunUpdated": {Query: `subscription { syncRunUpdated { id status account { name } } }`, Viewer: Allowed,
			Trigger: func(t *testing.T, f *isoFixture) {
				sf := f.syncOf(false)
				f.mutate(t, `mutation($c: ID!, $a: ID) { triggerSync(input: {connectionId: $c, accountId: $a, kind: INSIGHTS}) { userErrors { code } } }`,
					map[string]any{"c": sf.connID(), "a": sf.acctID()})
			},
			Sees: func(f *isoFixture) []string { return []string{f.syncOf(false).name} }},
	})
}

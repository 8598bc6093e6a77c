package cdp_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/apperr"
)

// idtRefusedRow is a cdp_refused_links row.
type idtRefusedRow struct {
	ProfileID           uuid.UUID `bun:"profile_id"`
	IdentifierType      string    `bun:"identifier_type"`
	IdentifierValue     string    `bun:"identifier_value"`
	IdentifierProfileID uuid.UUID `bun:"identifier_profile_id"`
	LinkedType          string    `bun:"linked_type"`
	LinkedValue         string    `bun:"linked_value"`
	Reason              string    `bun:"reason"`
	Detail              string    `bun:"detail"`
}

func (f *identityFixture) refusedRows(t *testing.T, tenant uuid.UUID) []idtRefusedRow {
	t.Helper()
	var rows []idtRefusedRow
	require.NoError(t, f.tdb.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT profile_id, identifier_type, identifier_value, identifier_profile_id, linked_type,
			linked_value, reason, detail FROM cdp_refused_links ORDER BY identifier_type, identifier_value`).Scan(ctx, &rows)
	}))
	return rows
}

func TestLimitsRefuseAndRecordLinks(t *testing.T) {
	t.Parallel()

	t.Run("a second USER_ID is refused; the weaker identifier gives way and stays", func(t *testing.T) {
		f := newIdentityFixture(t)
		p1, _ := f.resolve(t, f.tenant, idtUser("u1"), idtAnon("a"))
		p2, _ := f.resolve(t, f.tenant, idtUser("u2"))
		got, refused := f.resolve(t, f.tenant, idtAnon("a"), idtUser("u2"))
		require.Equal(t, p2, got, "the call's profile is its strongest identifier's")
		require.Len(t, refused, 1)
		require.Equal(t, cdp.RefusedLink{
			Identifier: idtAnon("a"), Reason: cdp.RefusedTypeLimit,
			Detail:   "the profile would have 2 USER_ID identifiers (limit 1)",
			LinkedTo: idtUser("u2"), ProfileID: p2, KeptOn: p1,
		}, refused[0])
		require.Equal(t, []string{"ANONYMOUS_ID:a", "USER_ID:u1"}, f.identifiersOf(t, p1), "a stays where it was")
		require.Equal(t, []string{"USER_ID:u2"}, f.identifiersOf(t, p2))
		rows := f.refusedRows(t, f.tenant)
		require.Equal(t, []idtRefusedRow{{
			ProfileID: p2, IdentifierType: "ANONYMOUS_ID", IdentifierValue: "a", IdentifierProfileID: p1,
			LinkedType: "USER_ID", LinkedValue: "u2", Reason: "TYPE_LIMIT", Detail: "the profile would have 2 USER_ID identifiers (limit 1)",
		}}, rows)

		f.resolve(t, f.tenant, idtAnon("a"), idtUser("u2"))
		require.Len(t, f.refusedRows(t, f.tenant), 1, "the same refusal again is recorded once")

		got, refused = f.resolve(t, f.tenant, idtEmail("x@example.com"), idtUser("u2"))
		require.Equal(t, p2, got)
		require.Empty(t, refused, "positive control: under the limit the link is made")
	})

	t.Run("a new USER_ID beside a known one: the stored profile keeps its identifiers, the new one gets its own", func(t *testing.T) {
		f := newIdentityFixture(t)
		p1, _ := f.resolve(t, f.tenant, idtUser("u1"), idtEmail("jane@example.com"))
		got, refused := f.resolve(t, f.tenant, idtUser("u9"), idtEmail("jane@example.com"))
		require.NotEqual(t, p1, got)
		require.Len(t, refused, 1)
		require.Equal(t, idtEmail("jane@example.com"), refused[0].Identifier, "the email (80) gives way to the USER_ID (100)")
		require.Equal(t, []string{"USER_ID:u9"}, f.identifiersOf(t, got))
		require.Equal(t, []string{"EMAIL:jane@example.com", "USER_ID:u1"}, f.identifiersOf(t, p1))
	})

	t.Run("the sixth email of a profile is refused, the fifth is not", func(t *testing.T) {
		f := newIdentityFixture(t)
		p, _ := f.resolve(t, f.tenant, idtUser("u1"))
		for i := 1; i <= 5; i++ {
			got, refused := f.resolve(t, f.tenant, idtUser("u1"), idtEmail(fmt.Sprintf("e%d@example.com", i)))
			require.Equal(t, p, got)
			require.Empty(t, refused, "email %d is under the limit", i)
		}
		got, refused := f.resolve(t, f.tenant, idtUser("u1"), idtEmail("e6@example.com"))
		require.Equal(t, p, got)
		require.Len(t, refused, 1)
		require.Equal(t, cdp.RefusedTypeLimit, refused[0].Reason)
		require.NotEqual(t, p, refused[0].KeptOn, "the new email gets a profile of its own")
		require.Equal(t, []string{"EMAIL:e6@example.com"}, f.identifiersOf(t, refused[0].KeptOn))
		require.Len(t, f.identifiersOf(t, p), 6)
	})

	t.Run("refused identifiers of one call are still linked among themselves", func(t *testing.T) {
		f := newIdentityFixture(t)
		p1, _ := f.resolve(t, f.tenant, idtUser("u1"))
		p2, _ := f.resolve(t, f.tenant, idtUser("u2"), idtAnon("b"))
		got, refused := f.resolve(t, f.tenant, idtUser("u1"), idtAnon("b"), idtDevice("d"))
		require.Equal(t, p1, got)
		require.Len(t, refused, 1)
		require.Equal(t, idtAnon("b"), refused[0].Identifier)
		require.Equal(t, []string{"DEVICE_ID:d", "USER_ID:u1"}, f.identifiersOf(t, p1))
		require.Equal(t, []string{"ANONYMOUS_ID:b", "USER_ID:u2"}, f.identifiersOf(t, p2))
	})

	t.Run("the merge cap and the identifier cap", func(t *testing.T) {
		f := newIdentityFixture(t)
		f.id.Limits = cdp.IdentityLimits{MaxMerges: 2, MaxIdentifiers: 4}
		p, _ := f.resolve(t, f.tenant, idtAnon("a0"))
		for i := 1; i <= 2; i++ {
			f.resolve(t, f.tenant, idtDevice(fmt.Sprint("d", i)))
			got, refused := f.resolve(t, f.tenant, idtAnon("a0"), idtDevice(fmt.Sprint("d", i)))
			require.Equal(t, p, got)
			require.Empty(t, refused, "merge %d is under the cap", i)
		}
		f.resolve(t, f.tenant, idtDevice("d3"))
		_, refused := f.resolve(t, f.tenant, idtAnon("a0"), idtDevice("d3"))
		require.Len(t, refused, 1)
		require.Equal(t, cdp.RefusedMergeLimit, refused[0].Reason)
		require.Equal(t, "the profile would have 3 merges (limit 2)", refused[0].Detail)

		_, refused = f.resolve(t, f.tenant, idtAnon("a0"), idtAnon("a1"))
		require.Empty(t, refused, "the fourth identifier is under the cap")
		_, refused = f.resolve(t, f.tenant, idtAnon("a0"), idtAnon("a2"))
		require.Len(t, refused, 1)
		require.Equal(t, cdp.RefusedIdentifierLimit, refused[0].Reason)
		reasons := map[string]bool{}
		for _, r := range f.refusedRows(t, f.tenant) {
			reasons[r.Reason] = true
		}
		require.Equal(t, map[string]bool{"MERGE_LIMIT": true, "IDENTIFIER_LIMIT": true}, reasons)
	})
}

func TestJunkValuesAreRefused(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	for _, v := range []string{"-1", "0", "null", "NULL", "undefined", "anonymous", "Unknown", "", "   "} {
		p, refused := f.resolve(t, f.tenant, idtUser(v))
		require.Equal(t, uuid.Nil, p, "%q", v)
		require.Len(t, refused, 1)
		require.Equal(t, cdp.RefusedJunk, refused[0].Reason, "%q", v)
	}
	p, refused := f.resolve(t, f.tenant, idtEmail(" TEST@test.com "))
	require.Equal(t, uuid.Nil, p)
	require.Equal(t, cdp.RefusedJunk, refused[0].Reason, "junk after normalisation too")
	p, refused = f.resolve(t, f.tenant, idtEmail("not-an-email"))
	require.Equal(t, uuid.Nil, p)
	require.Equal(t, cdp.RefusedInvalid, refused[0].Reason)

	p, refused = f.resolve(t, f.tenant, idtUser("null"), idtAnon("a-1"))
	require.NotEqual(t, uuid.Nil, p, "positive control: the real identifier makes a profile")
	require.Len(t, refused, 1)
	require.Equal(t, []string{"ANONYMOUS_ID:a-1"}, f.identifiersOf(t, p))
	require.Empty(t, f.refusedRows(t, f.tenant), "junk is returned, not stored")

	t.Run("a tenant's own list replaces the default one", func(t *testing.T) {
		require.NoError(t, f.id.SetSettings(ctx, f.tenant, cdp.IdentitySettings{JunkValues: []string{"guest"}}))
		_, refused := f.resolve(t, f.tenant, idtUser("Guest"))
		require.Len(t, refused, 1)
		p, refused := f.resolve(t, f.tenant, idtUser("unknown"))
		require.Empty(t, refused)
		require.NotEqual(t, uuid.Nil, p)
		p, refused = f.resolve(t, f.tenant, idtUser(""))
		require.Equal(t, uuid.Nil, p)
		require.Len(t, refused, 1, "empty is always junk")
	})

	t.Run("a tenant's region reads national phone numbers", func(t *testing.T) {
		_, refused := f.resolve(t, f.tenant, idtPhone("030 901820"))
		require.Len(t, refused, 1, "not a valid US number")
		require.NoError(t, f.id.SetSettings(ctx, f.tenant, cdp.IdentitySettings{DefaultRegion: "DE"}))
		p, refused := f.resolve(t, f.tenant, idtPhone("030 901820"))
		require.Empty(t, refused)
		require.Equal(t, []string{"PHONE:+4930901820"}, f.identifiersOf(t, p))
		err := f.id.SetSettings(ctx, f.tenant, cdp.IdentitySettings{DefaultRegion: "XX"})
		idtRequireCode(t, err, apperr.BadUserInput)
	})
}

func TestUnmergeRestoresTheAbsorbedProfile(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	p1, _ := f.resolve(t, f.tenant, idtUser("u1"), idtAnon("a1"))
	p2, _ := f.resolve(t, f.tenant, idtEmail("shared@example.com"), idtAnon("a2"))
	p3, _ := f.resolve(t, f.tenant, idtDevice("d3"))
	f.resolve(t, f.tenant, idtDevice("d3"), idtAnon("a2")) // p3 into p2
	idtExec(t, f.tdb, f.tenant, "UPDATE cdp_profiles SET event_count = 5, purchase_count = 1 WHERE id = ?", p2)
	idtExec(t, f.tdb, f.tenant, "UPDATE cdp_profiles SET event_count = 2 WHERE id = ?", p1)
	got, _ := f.resolve(t, f.tenant, idtAnon("a1"), idtEmail("shared@example.com")) // p2 into p1: the wrong merge
	require.Equal(t, p1, got)
	f.resolve(t, f.tenant, idtAnon("a1"), idtAnon("later")) // added after the merge
	surv, err := f.id.Profile(ctx, f.tenant, p1)
	require.NoError(t, err)
	require.Equal(t, int64(7), surv.Events)
	require.Equal(t, cdp.StageCustomer, surv.LifecycleStage)

	un, err := f.id.Unmerge(ctx, f.tenant, p2)
	require.NoError(t, err)
	require.Equal(t, cdp.Unmerged{Revived: p2, Survivor: p1}, un)

	require.Equal(t, []string{"ANONYMOUS_ID:a2", "DEVICE_ID:d3", "EMAIL:shared@example.com"}, f.identifiersOf(t, p2),
		"the absorbed profile has the identifiers it brought back")
	require.Equal(t, []string{"ANONYMOUS_ID:a1", "ANONYMOUS_ID:later", "USER_ID:u1"}, f.identifiersOf(t, p1))
	for id, want := range map[uuid.UUID]uuid.UUID{p1: p1, p2: p2, p3: p2} {
		c, err := f.id.Canonical(ctx, f.tenant, id)
		require.NoError(t, err)
		require.Equal(t, want, c)
	}
	surv, err = f.id.Profile(ctx, f.tenant, p1)
	require.NoError(t, err)
	require.Equal(t, int64(2), surv.Events, "the absorbed profile's counters leave the survivor")
	require.Equal(t, int64(0), surv.Purchases)
	require.Equal(t, 0, surv.MergeCount)
	require.Equal(t, cdp.StageKnown, surv.LifecycleStage)
	back, err := f.id.Profile(ctx, f.tenant, p2)
	require.NoError(t, err)
	require.Equal(t, int64(5), back.Events)
	require.Equal(t, cdp.StageCustomer, back.LifecycleStage)
	merges, err := f.id.Merges(ctx, f.tenant, p2)
	require.NoError(t, err)
	require.Len(t, merges, 2)
	require.NotNil(t, merges[0].UndoneAt, "the newest merge, p2 into p1, is undone")
	require.Nil(t, merges[1].UndoneAt, "p3 into p2 stands")

	_, err = f.id.Unmerge(ctx, f.tenant, p2)
	idtRequireCode(t, err, apperr.BadUserInput)
	_, err = f.id.Unmerge(ctx, f.tenant, p1)
	idtRequireCode(t, err, apperr.BadUserInput)
	_, err = f.id.Unmerge(ctx, f.tenant, uuid.New())
	idtRequireCode(t, err, apperr.NotFound)

	t.Run("the survivor having been absorbed since: the identifiers come back from its survivor", func(t *testing.T) {
		p0, _, err := f.id.Resolve(ctx, f.tenant, []cdp.Identifier{idtAnon("z0")}, identityStart)
		require.NoError(t, err)
		idtExec(t, f.tdb, f.tenant, "UPDATE cdp_profiles SET created_at = ? WHERE id = ?", identityStart.AddDate(-1, 0, 0), p0)
		f.resolve(t, f.tenant, idtAnon("a1"), idtEmail("shared@example.com")) // p2 into p1 again
		f.resolve(t, f.tenant, idtAnon("z0"), idtAnon("a1"))                  // p1 into p0
		un, err := f.id.Unmerge(ctx, f.tenant, p2)
		require.NoError(t, err)
		require.Equal(t, cdp.Unmerged{Revived: p2, Survivor: p0}, un)
		require.Equal(t, []string{"ANONYMOUS_ID:a2", "DEVICE_ID:d3", "EMAIL:shared@example.com"}, f.identifiersOf(t, p2))
		require.Equal(t, []string{"ANONYMOUS_ID:a1", "ANONYMOUS_ID:later", "ANONYMOUS_ID:z0", "USER_ID:u1"}, f.identifiersOf(t, p0))
	})
}

package cdp_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/internal/relay"
	"github.com/stratumhq/stratum/internal/testdb"
)

// A person's consent follows merges and unmerges: the latest decision over
// the live profile and the profiles merged into it counts.
func TestConsentFollowsMerges(t *testing.T) {
	t.Parallel()
	f := newIdentityFixture(t)
	ctx := context.Background()
	ann, _ := f.resolve(t, f.tenant, idtUser("u-ann"))
	anon, _ := f.resolve(t, f.tenant, idtAnon("a-1"))
	bob, _ := f.resolve(t, f.tenant, idtUser("u-bob"))

	// Nothing recorded: ADS denied (the opt-in default), unknown ids too.
	stranger := uuid.New()
	got, err := f.id.AdsConsent(ctx, f.tenant, []uuid.UUID{ann, anon, bob, stranger})
	require.NoError(t, err)
	require.Equal(t, map[uuid.UUID]bool{ann: false, anon: false, bob: false, stranger: false}, got)

	// The anonymous browser granted ADS; Bob denied e-mail.
	_, err = f.id.SetConsent(ctx, f.tenant, anon, cdp.PurposeAds, true)
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	_, err = f.id.SetConsent(ctx, f.tenant, bob, cdp.PurposeEmail, false)
	require.NoError(t, err)

	// The browser merges into Ann: her ADS consent is its decision.
	f.clock.Advance(time.Minute)
	require.Equal(t, ann, must(f.resolve(t, f.tenant, idtUser("u-ann"), idtAnon("a-1"))))
	got, err = f.id.AdsConsent(ctx, f.tenant, []uuid.UUID{ann, anon, bob})
	require.NoError(t, err)
	require.Equal(t, map[uuid.UUID]bool{ann: true, anon: true, bob: false}, got)
	cs, err := f.id.Consents(ctx, f.tenant, ann)
	require.NoError(t, err)
	require.Len(t, cs, 1)
	require.Equal(t, cdp.ConsentFromOperator, cs[cdp.PurposeAds].Source)

	// A later decision on the survivor wins over the absorbed one's.
	f.clock.Advance(time.Minute)
	_, err = f.id.SetConsent(ctx, f.tenant, ann, cdp.PurposeAds, false)
	require.NoError(t, err)
	got, err = f.id.AdsConsent(ctx, f.tenant, []uuid.UUID{ann})
	require.NoError(t, err)
	require.False(t, got[ann])
	h, err := f.id.ConsentHistory(ctx, f.tenant, anon, relay.Args{})
	require.NoError(t, err)
	require.Len(t, h.Items, 2, "the person's history: the browser's grant and Ann's denial")
	require.False(t, h.Items[0].Granted, "newest first")

	// Unmerged, the browser has its own decision back.
	_, err = f.id.Unmerge(ctx, f.tenant, anon)
	require.NoError(t, err)
	got, err = f.id.AdsConsent(ctx, f.tenant, []uuid.UUID{ann, anon})
	require.NoError(t, err)
	require.Equal(t, map[uuid.UUID]bool{ann: false, anon: true}, got)

	// Another tenant sees none of it.
	other := testdb.MustInsertTenant(t, f.tdb.DB, testdb.Tenant{})
	got, err = f.id.AdsConsent(ctx, other, []uuid.UUID{anon})
	require.NoError(t, err)
	require.False(t, got[anon])
	_, err = f.id.Consents(ctx, other, anon)
	require.Error(t, err)

	// Bounds.
	_, err = f.id.AdsConsent(ctx, f.tenant, make([]uuid.UUID, cdp.MaxConsentProfiles+1))
	require.Error(t, err)
	_, err = f.id.SetConsent(ctx, f.tenant, ann, cdp.Purpose("PHONE_CALLS"), true)
	require.Error(t, err)
}

func must(p uuid.UUID, _ []cdp.RefusedLink) uuid.UUID { return p }

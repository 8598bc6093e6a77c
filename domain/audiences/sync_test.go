package audiences_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audiences"
	"github.com/stratumhq/stratum/domain/audiences/audiencefake"
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/domain/cdp"
	"github.com/stratumhq/stratum/domain/incidents"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/platforms/platformstest"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/internal/clock"
	"github.com/stratumhq/stratum/internal/secretbox"
	"github.com/stratumhq/stratum/internal/testdb"
)

// bundle is a tenant with a Meta connection (one ad account), profiles,
// a STATIC segment and audience sync against the validating fake.
type bundle struct {
	svc      *audiences.Service
	fake     *audiencefake.Server
	identity *cdp.Identity
	segs     *cdp.Segments
	tenant   uuid.UUID
	account  uuid.UUID
	segment  uuid.UUID
	profiles map[string]uuid.UUID // by email

	mu       sync.Mutex
	enqueued []uuid.UUID
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func setup(t *testing.T, batch int) *bundle {
	t.Helper()
	ctx := context.Background()
	tdb := testdb.New(t)
	clk := clock.NewManual(time.Date(2026, 12, 3, 9, 0, 0, 0, time.UTC))
	tdb.DB.Clock = clk
	b := &bundle{tenant: testdb.MustInsertTenant(t, tdb.DB, testdb.Tenant{Name: "Acme"}), profiles: map[string]uuid.UUID{}}
	user := testdb.MustInsertUser(t, tdb.DB, testdb.User{})
	testdb.MustInsertMember(t, tdb.DB, b.tenant, user, "ADMIN")

	ps := platforms.NewService(tdb.DB, &signals.Service{DB: tdb.DB})
	meta := &platformstest.Fake{Name: platforms.Meta, PKCE: true, Now: clk.Now, Subject: "fb-1",
		AccountList: []platforms.Account{{ExternalID: "act_1001", Name: "Shop", Currency: "USD", TimeZone: "UTC"}}}
	ps.APIs[platforms.Meta] = meta
	key := make([]byte, 32)
	box, err := secretbox.Parse("k1:" + base64(key))
	require.NoError(t, err)
	conns := &platforms.Connections{DB: tdb.DB, Platforms: ps, Box: box, Limits: &billing.Service{DB: tdb.DB},
		Incidents: &incidents.Service{DB: tdb.DB}, PublicURL: "https://stratum.test"}
	ps.Tokens = conns
	u, err := conns.ConnectPlatform(ctx, b.tenant, user, platforms.ConnectInput{Platform: platforms.Meta, RedirectURI: conns.CallbackURL(platforms.Meta)})
	require.NoError(t, err)
	_, q, err := meta.Consent(u)
	require.NoError(t, err)
	view, _, err := conns.Callback(ctx, b.tenant, user, platforms.CallbackInput{Platform: platforms.Meta, Code: q.Get("code"), State: q.Get("state")})
	require.NoError(t, err)
	require.Len(t, view.Accounts, 1)
	b.account = view.Accounts[0].ID
	tok, err := conns.Token(ctx, &view.Connection)
	require.NoError(t, err)

	b.fake = audiencefake.New(t)
	b.fake.Token = tok.AccessToken
	b.fake.Limits["META"] = batch // the fake refuses a request over the small limit

	b.identity = cdp.NewIdentity(tdb.DB)
	b.segs = &cdp.Segments{DB: tdb.DB}
	b.svc = &audiences.Service{DB: tdb.DB, Segments: b.segs, Connections: conns,
		Clients:  audiences.NewClients(audiences.Config{Bases: map[string]string{platforms.Meta: b.fake.URL}, MaxBatch: batch}),
		Settings: audiences.Settings{PageSize: 3, RequestsPerRun: 1000}}
	b.svc.Enqueue = func(ctx context.Context, tx bun.Tx, tenant, audience uuid.UUID, at time.Time) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.enqueued = append(b.enqueued, audience)
		return nil
	}
	b.segs.OnMembershipChanged = b.svc.Changed
	return b
}

func base64(b []byte) string {
	const enc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	out := make([]byte, 0, 44)
	for i := 0; i < len(b); i += 3 {
		var n uint32
		k := min(3, len(b)-i)
		for j := 0; j < 3; j++ {
			n <<= 8
			if j < k {
				n |= uint32(b[i+j])
			}
		}
		for j := 0; j < 4; j++ {
			if j <= k {
				out = append(out, enc[(n>>(18-6*j))&63])
			} else {
				out = append(out, '=')
			}
		}
	}
	return string(out)
}

// profile makes a profile with an email and a phone, with ADS consent granted or not.
func (b *bundle) profile(t *testing.T, email, phone string, consent bool) {
	t.Helper()
	ctx := context.Background()
	id, _, err := b.identity.Resolve(ctx, b.tenant, []cdp.Identifier{{Type: cdp.IdentifierEmail, Value: email},
		{Type: cdp.IdentifierPhone, Value: phone}}, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	if consent {
		_, err = b.identity.SetConsent(ctx, b.tenant, id, cdp.PurposeAds, true)
		require.NoError(t, err)
	}
	b.profiles[email] = id
}

// segmentOf saves the STATIC segment of the given emails.
func (b *bundle) segmentOf(t *testing.T, emails ...string) {
	t.Helper()
	rules := &cdp.Rule{Identifier: cdp.IdentifierEmail, Operator: cdp.OpIn, Values: emails}
	if b.segment == uuid.Nil {
		s, err := b.segs.CreateSegment(context.Background(), b.tenant, cdp.SegmentInput{Name: "VIP", Kind: cdp.SegmentStatic, Rules: rules})
		require.NoError(t, err)
		b.segment = s.ID
		return
	}
	_, err := b.segs.UpdateSegment(context.Background(), b.tenant, b.segment, cdp.SegmentPatch{Rules: rules})
	require.NoError(t, err)
}

// runAll runs the audience's job until it has nothing left.
func (b *bundle) runAll(t *testing.T, id uuid.UUID) {
	t.Helper()
	for range 100 {
		more, err := b.svc.Run(context.Background(), b.tenant, id)
		require.NoError(t, err)
		if !more {
			return
		}
	}
	t.Fatal("the sync never finished")
}

// digests are what Meta must hold of these people: email and phone digests.
func digests(people ...[2]string) []string {
	var out []string
	for _, p := range people {
		out = append(out, sha(p[0]), sha(p[1]))
	}
	slices.Sort(out)
	return out
}

func TestMetaSyncUploadsConsentingMembersThenIncrementally(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, 2)
	ann, bob, cat, dan, eve := [2]string{"ann@shop.test", "16505550001"}, [2]string{"bob@shop.test", "16505550002"},
		[2]string{"cat@shop.test", "16505550003"}, [2]string{"dan@shop.test", "16505550004"}, [2]string{"eve@shop.test", "16505550005"}
	for _, p := range [][2]string{ann, bob, cat, dan} {
		b.profile(t, p[0], "+"+p[1], true)
	}
	b.profile(t, eve[0], "+"+eve[1], false) // no ADS consent: never uploaded
	b.segmentOf(t, ann[0], bob[0], cat[0], eve[0])

	a, err := b.svc.Sync(ctx, b.tenant, audiences.SyncInput{SegmentID: b.segment, AccountID: b.account, Platform: platforms.Meta})
	require.NoError(t, err)
	require.Equal(t, audiences.StatusPending, a.Status)
	b.runAll(t, a.ID)

	got, err := b.svc.Get(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.Equal(t, audiences.StatusSynced, got.Status)
	require.NotNil(t, got.PlatformAudienceID)
	require.EqualValues(t, 3, got.Size)
	require.NotNil(t, got.LastSyncAt)
	aud := *got.PlatformAudienceID
	require.Equal(t, digests(ann, bob, cat), b.fake.Members(aud), "only consenting members, hashed")
	require.NotContains(t, b.fake.Members(aud), sha(eve[0]))
	requests := b.fake.Requests()

	// ann leaves, dan enters: the change is recorded with the segment's
	// save, which enqueues the audience's job.
	b.mu.Lock()
	b.enqueued = nil
	b.mu.Unlock()
	b.segmentOf(t, bob[0], cat[0], dan[0], eve[0])
	b.mu.Lock()
	require.Equal(t, []uuid.UUID{a.ID}, b.enqueued, "the membership change enqueues the sync")
	b.mu.Unlock()
	b.runAll(t, a.ID)
	require.Equal(t, digests(bob, cat, dan), b.fake.Members(aud))
	// Incremental: one removal and one addition (batches of 2 records), not everyone again.
	require.Equal(t, requests+2, b.fake.Requests())
	for d, n := range b.fake.Audiences()[aud].Added {
		require.Equal(t, 1, n, "digest %s uploaded %d times", d, n)
	}

	// Consent withdrawn: the next full pass (syncAudience again) removes cat.
	cid := b.profiles[cat[0]]
	_, err = b.identity.SetConsent(ctx, b.tenant, cid, cdp.PurposeAds, false)
	require.NoError(t, err)
	_, err = b.svc.Sync(ctx, b.tenant, audiences.SyncInput{SegmentID: b.segment, AccountID: b.account, Platform: platforms.Meta})
	require.NoError(t, err)
	b.runAll(t, a.ID)
	require.Equal(t, digests(bob, dan), b.fake.Members(aud))
	for d, n := range b.fake.Audiences()[aud].Added {
		require.Equal(t, 1, n, "digest %s uploaded %d times", d, n)
	}
	require.Len(t, b.fake.Audiences(), 1, "one platform audience, created once")
}

func TestRetryAfterFailureUploadsNothingTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, 2)
	var emails []string
	var people [][2]string
	for _, p := range [][2]string{{"a1@x.test", "16505550011"}, {"a2@x.test", "16505550012"}, {"a3@x.test", "16505550013"},
		{"a4@x.test", "16505550014"}, {"a5@x.test", "16505550015"}} {
		b.profile(t, p[0], "+"+p[1], true)
		emails = append(emails, p[0])
		people = append(people, p)
	}
	b.segmentOf(t, emails...)
	a, err := b.svc.Sync(ctx, b.tenant, audiences.SyncInput{SegmentID: b.segment, AccountID: b.account, Platform: platforms.Meta})
	require.NoError(t, err)
	// The create and the first batch pass; the second batch fails with a
	// 500, as a platform outage mid-sync would.
	b.fake.FailAfter(2, 500, 0)
	_, err = b.svc.Run(ctx, b.tenant, a.ID)
	require.Error(t, err, "the failed request is the job's error (retried)")
	var ae *platforms.APIError
	require.True(t, errors.As(err, &ae) && ae.Kind == platforms.ErrorTransient, "%v", err)
	got, err := b.svc.Get(ctx, b.tenant, a.ID)
	require.NoError(t, err)
	require.EqualValues(t, 2, got.Size, "the accepted batch is recorded")
	b.runAll(t, a.ID)
	aud := *mustGet(t, b, a.ID).PlatformAudienceID
	require.Equal(t, digests(people...), b.fake.Members(aud))
	for d, n := range b.fake.Audiences()[aud].Added {
		require.Equal(t, 1, n, "digest %s uploaded %d times after the retry", d, n)
	}

	// A rate limit is reported with the platform's Retry-After.
	b.profile(t, "a6@x.test", "+16505550016", true)
	b.segmentOf(t, append(emails, "a6@x.test")...)
	b.fake.FailAfter(0, 429, 7)
	_, err = b.svc.Run(ctx, b.tenant, a.ID)
	var rl *audiences.ErrRateLimited
	require.True(t, errors.As(err, &rl), "%v", err)
	require.Equal(t, 7*time.Second, rl.RetryAfter)
	b.runAll(t, a.ID)
	require.Contains(t, b.fake.Members(aud), sha("a6@x.test"))
}

func mustGet(t *testing.T, b *bundle, id uuid.UUID) *audiences.Audience {
	t.Helper()
	a, err := b.svc.Get(context.Background(), b.tenant, id)
	require.NoError(t, err)
	return a
}

// Deleting a person (GDPR) leaves no row naming their profile: their
// audience rows keep only the digests the platform holds, under an id that
// names nobody, and the audience's next run — enqueued by the deletion —
// removes those digests from the platform. Bob, who stays, keeps his.
func TestDeletedPersonIsRemovedFromThePlatformAudience(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, 2)
	ann, bob := [2]string{"ann@shop.test", "16505550001"}, [2]string{"bob@shop.test", "16505550002"}
	b.profile(t, ann[0], "+"+ann[1], true)
	b.profile(t, bob[0], "+"+bob[1], true)
	b.segmentOf(t, ann[0], bob[0])
	a, err := b.svc.Sync(ctx, b.tenant, audiences.SyncInput{SegmentID: b.segment, AccountID: b.account, Platform: platforms.Meta})
	require.NoError(t, err)
	b.runAll(t, a.ID)
	got := mustGet(t, b, a.ID)
	aud := *got.PlatformAudienceID
	require.Equal(t, digests(ann, bob), b.fake.Members(aud))
	annID := b.profiles[ann[0]]
	holding := func(profile uuid.UUID) int {
		var n int
		require.NoError(t, b.svc.DB.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
			return tx.NewRaw(`SELECT count(*) FROM audience_members WHERE profile_id = ?`, profile).Scan(ctx, &n)
		}))
		return n
	}
	require.Equal(t, 1, holding(annID), "positive control: her row names her profile before")

	privacy := &cdp.Privacy{DB: b.svc.DB, Identity: b.identity, EraseHooks: []cdp.EraseHook{b.svc.EraseProfilesTx},
		Enqueue: func(context.Context, bun.Tx, uuid.UUID, uuid.UUID, string) error { return nil }}
	req, err := privacy.RequestDeletion(ctx, b.tenant, annID)
	require.NoError(t, err)
	b.mu.Lock()
	b.enqueued = nil
	b.mu.Unlock()
	done, err := privacy.RunDeletion(ctx, b.tenant, req.ID, nil)
	require.NoError(t, err)
	require.True(t, done)
	require.Zero(t, holding(annID), "no row names her profile once she is deleted")
	b.mu.Lock()
	require.Equal(t, []uuid.UUID{a.ID}, b.enqueued, "the deletion enqueues the audience's job")
	b.mu.Unlock()
	require.Equal(t, digests(ann, bob), b.fake.Members(aud), "the platform holds her until the job runs")

	b.runAll(t, a.ID)
	require.Equal(t, digests(bob), b.fake.Members(aud), "her digests are removed, Bob's stay")
	require.EqualValues(t, 1, mustGet(t, b, a.ID).Size)
	var left int
	require.NoError(t, b.svc.DB.InTenant(ctx, b.tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewRaw(`SELECT count(*) FROM audience_members`).Scan(ctx, &left)
	}))
	require.Equal(t, 1, left, "only Bob's row is left")
}

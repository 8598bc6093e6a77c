package platforms_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
)

// fakeAPI is a scripted, in-memory platforms.API: Campaigns campaigns with
// one ad group and one ad each, daily insights for any range, and errors
// injected per call.
type fakeAPI struct {
	platform  string
	campaigns int
	mu        sync.Mutex
	// omit drops campaigns (by index) from Structure.
	omit map[int]bool
	// fail returns err on the n-th (1-based) call of a method.
	fail  map[string]map[int]error
	calls map[string]int
	// ranges records the [from, to] of every Insights call.
	ranges [][2]string
	// pageSize is how many insights rows one page carries (0: one page).
	pageSize int
	// bump is added to every row's spend (a platform restating numbers).
	bump int64
}

func newFake(platform string, campaigns int) *fakeAPI {
	return &fakeAPI{platform: platform, campaigns: campaigns, omit: map[int]bool{}, fail: map[string]map[int]error{}, calls: map[string]int{}}
}

func (f *fakeAPI) failOn(method string, call int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[method] == nil {
		f.fail[method] = map[int]error{}
	}
	f.fail[method][call] = err
}

func (f *fakeAPI) call(method string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method]++
	return f.fail[method][f.calls[method]]
}

func (f *fakeAPI) Platform() string                               { return f.platform }
func (f *fakeAPI) Configured() bool                               { return true }
func (f *fakeAPI) SupportsPKCE() bool                             { return false }
func (f *fakeAPI) AuthorizeURL(platforms.AuthorizeRequest) string { return "" }
func (f *fakeAPI) Exchange(context.Context, string, string, string) (platforms.Token, error) {
	return platforms.Token{}, nil
}
func (f *fakeAPI) Refresh(_ context.Context, t platforms.Token) (platforms.Token, error) {
	return t, nil
}
func (f *fakeAPI) Accounts(context.Context, platforms.Token) ([]platforms.Account, error) {
	return nil, f.call("Accounts")
}

func fakeCampaign(i int) string { return fmt.Sprintf("c%04d", i) }

func (f *fakeAPI) Structure(_ context.Context, tok platforms.Token, _ platforms.Account, fn func(platforms.StructurePage) error) error {
	if tok.AccessToken != "tok" {
		return &platforms.APIError{Kind: platforms.ErrorAuth, Message: "missing token"}
	}
	if err := f.call("Structure"); err != nil {
		return err
	}
	var p platforms.StructurePage
	for i := 0; i < f.campaigns; i++ {
		if f.omit[i] {
			continue
		}
		c := fakeCampaign(i)
		p.Campaigns = append(p.Campaigns, platforms.RemoteCampaign{ExternalID: c, Name: "Campaign " + c, Status: platforms.StatusActive, DailyBudgetMicros: 100_000_000})
		p.AdGroups = append(p.AdGroups, platforms.RemoteAdGroup{ExternalID: c + "-g", CampaignExternalID: c, Name: "g", Status: platforms.StatusActive, BidMicros: 1_500_000})
		p.Ads = append(p.Ads, platforms.RemoteAd{ExternalID: c + "-a", AdGroupExternalID: c + "-g", Name: "a", Status: platforms.StatusActive})
	}
	return fn(p)
}

func (f *fakeAPI) Insights(_ context.Context, _ platforms.Token, _ platforms.Account, from, to string, fn func([]platforms.Insight) error) error {
	f.mu.Lock()
	f.ranges = append(f.ranges, [2]string{from, to})
	f.mu.Unlock()
	if err := f.call("Insights"); err != nil {
		return err
	}
	fd, _ := time.Parse(time.DateOnly, from)
	td, _ := time.Parse(time.DateOnly, to)
	var page []platforms.Insight
	for d := fd; !d.After(td); d = d.AddDate(0, 0, 1) {
		for i := 0; i < f.campaigns; i++ {
			page = append(page, platforms.Insight{CampaignExternalID: fakeCampaign(i), Day: d.Format(time.DateOnly),
				SpendMicros: int64(10_000_000+i) + f.bump, Impressions: 1000, Clicks: 10, Conversions: 2, ConversionValueMicros: 50_000_000})
			if f.pageSize > 0 && len(page) == f.pageSize {
				if err := fn(page); err != nil {
					return err
				}
				page = nil
			}
		}
	}
	if len(page) > 0 {
		return fn(page)
	}
	return nil
}

func (f *fakeAPI) Campaign(context.Context, platforms.Token, platforms.Account, platforms.RemoteCampaign) (platforms.CampaignState, error) {
	return platforms.CampaignState{}, nil
}
func (f *fakeAPI) Mutate(context.Context, platforms.Token, platforms.Account, platforms.Mutation) error {
	return nil
}

// connect stores a connection of platform (a sandbox for SIMULATOR) with
// one selected account in time zone tz, as the connections flow would.
func connect(t testing.TB, ps *platforms.Service, tenant uuid.UUID, platform, tz string) (*platforms.Connection, *platforms.AdAccount) {
	t.Helper()
	ctx := context.Background()
	sandbox := platform == platforms.Simulator
	c := &platforms.Connection{TenantID: tenant, ID: uuid.New(), Platform: platform, Sandbox: sandbox, Status: platforms.ConnectionOK, Scopes: []string{}}
	ext := "act_1"
	if sandbox {
		ext = platforms.SandboxAccountID
	} else {
		c.TokenSealed = []byte("sealed")
		c.ExternalUserID = "user-1"
	}
	a := &platforms.AdAccount{TenantID: tenant, ID: uuid.New(), ConnectionID: c.ID, Platform: platform, ExternalID: ext, Name: "Account " + platform,
		Currency: "USD", TimeZone: tz, Sandbox: sandbox, Selected: true}
	require.NoError(t, ps.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := ps.DB.Now(ctx)
		c.CreatedAt, c.UpdatedAt, a.CreatedAt, a.UpdatedAt = now, now, now, now
		if _, err := tx.NewInsert().Model(c).Exec(ctx); err != nil {
			return err
		}
		_, err := tx.NewInsert().Model(a).Exec(ctx)
		return err
	}))
	return c, a
}

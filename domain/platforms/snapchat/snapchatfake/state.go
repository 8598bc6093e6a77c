package snapchatfake

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"
	"time"
)

// Account is an ad account the fake serves.
type Account struct {
	ID, OrganizationID, Name string
	Currency                 string // ISO 4217
	TimeZone                 string // IANA
	Status                   string // ACTIVE, PAUSED…
}

// Campaign is a campaign as the fake stores it (attribute names as Snap's).
type Campaign struct {
	ID, AdAccountID, Name, Status, Objective, StartTime string
	// DailyBudgetMicro is nil when unset.
	DailyBudgetMicro *int64
	Deleted          bool
}

// AdSquad is an ad squad as the fake stores it.
type AdSquad struct {
	ID, CampaignID, Name, Status, Type string
	BillingEvent, OptimizationGoal     string
	BidStrategy                        string
	BidMicro, DailyBudgetMicro         *int64
	Targeting                          json.RawMessage
}

// Ad is an ad.
type Ad struct{ ID, AdSquadID, Name, Status, Type string }

type organization struct{ ID, Name string }

type state struct {
	orgs      []organization
	accounts  []*Account
	accountBy map[string]*Account
	campaigns map[string][]*Campaign // by account id, in creation order
	campaign  map[string]*Campaign
	squads    map[string][]*AdSquad // by campaign id
	squad     map[string]*AdSquad
	ads       map[string][]*Ad // by account id
	locs      map[string]*time.Location
	seeded    map[string]seedRange // campaign id → delivery days
}

type seedRange struct{ first, last time.Time }

func (st *state) init() {
	st.accountBy = map[string]*Account{}
	st.campaigns = map[string][]*Campaign{}
	st.campaign = map[string]*Campaign{}
	st.squads = map[string][]*AdSquad{}
	st.squad = map[string]*AdSquad{}
	st.ads = map[string][]*Ad{}
	st.locs = map[string]*time.Location{}
	st.seeded = map[string]seedRange{}
}

// Entity kinds in generated ids.
const (
	kindOrg      = 0x0a9a0000
	kindAccount  = 0xacc00000
	kindCampaign = 0xca000000
	kindSquad    = 0x5a000000
	kindAd       = 0xad000000
)

// AddAccount adds an ad account (under the fake's organization); the id
// is generated when a.ID is empty. It returns the stored account.
func (s *Server) AddAccount(a Account) Account {
	loc, err := time.LoadLocation(a.TimeZone)
	if err != nil {
		s.fatalf("snapchatfake: time zone %q: %v", a.TimeZone, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.st.orgs) == 0 {
		s.st.orgs = append(s.st.orgs, organization{ID: s.newID(kindOrg), Name: "Fake Organization"})
	}
	if a.ID == "" {
		a.ID = s.newID(kindAccount)
	}
	if a.OrganizationID == "" {
		a.OrganizationID = s.st.orgs[0].ID
	}
	if a.Status == "" {
		a.Status = "ACTIVE"
	}
	a.Currency = strings.ToUpper(a.Currency)
	stored := a
	s.st.accounts = append(s.st.accounts, &stored)
	s.st.accountBy[a.ID] = &stored
	s.st.locs[a.ID] = loc
	return a
}

// AddCampaign adds a campaign with one ad squad (bid and daily budget as
// given, in micros; 0 leaves them unset) and one ad; it returns the
// campaign and ad squad ids.
func (s *Server) AddCampaign(accountID string, c Campaign, squadBidMicro, squadBudgetMicro int64) (campaignID, squadID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cid := s.addCampaignLocked(accountID, c)
	return cid, s.addSquadLocked(cid, squadBidMicro, squadBudgetMicro)
}

// AddAdSquad adds another ad squad to a campaign.
func (s *Server) AddAdSquad(campaignID string, bidMicro, budgetMicro int64) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addSquadLocked(campaignID, bidMicro, budgetMicro)
}

func (s *Server) addCampaignLocked(accountID string, c Campaign) string {
	if s.st.accountBy[accountID] == nil {
		s.fatalf("snapchatfake: no ad account %s", accountID)
	}
	c.ID = s.newID(kindCampaign)
	c.AdAccountID = accountID
	if c.Name == "" {
		c.Name = "Campaign " + c.ID[len(c.ID)-6:]
	}
	if c.Status == "" {
		c.Status = "ACTIVE"
	}
	if c.Objective == "" {
		c.Objective = "WEB_CONVERSION"
	}
	if c.StartTime == "" {
		c.StartTime = "2026-01-01T00:00:00.000Z"
	}
	stored := c
	s.st.campaigns[accountID] = append(s.st.campaigns[accountID], &stored)
	s.st.campaign[c.ID] = &stored
	return c.ID
}

func (s *Server) addSquadLocked(campaignID string, bid, budget int64) string {
	c := s.st.campaign[campaignID]
	if c == nil {
		s.fatalf("snapchatfake: no campaign %s", campaignID)
	}
	sq := &AdSquad{
		ID: s.newID(kindSquad), CampaignID: campaignID, Status: "ACTIVE", Type: "SNAP_ADS",
		BillingEvent: "IMPRESSION", OptimizationGoal: "PIXEL_PURCHASE", BidStrategy: "LOWEST_COST_WITH_MAX_BID",
		Targeting: json.RawMessage(`{"geos":[{"country_code":"us"}]}`),
	}
	sq.Name = "Ad squad " + sq.ID[len(sq.ID)-6:]
	if bid > 0 {
		sq.BidMicro = &bid
	} else {
		sq.BidStrategy = "AUTO_BID"
	}
	if budget > 0 {
		sq.DailyBudgetMicro = &budget
	}
	s.st.squads[campaignID] = append(s.st.squads[campaignID], sq)
	s.st.squad[sq.ID] = sq
	ad := &Ad{ID: s.newID(kindAd), AdSquadID: sq.ID, Status: "ACTIVE", Type: "REMOTE_WEBPAGE"}
	ad.Name = "Ad " + ad.ID[len(ad.ID)-6:]
	s.st.ads[c.AdAccountID] = append(s.st.ads[c.AdAccountID], ad)
	return sq.ID
}

// CampaignByID returns a copy of a stored campaign.
func (s *Server) CampaignByID(id string) (Campaign, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.campaign[id]
	if c == nil {
		return Campaign{}, false
	}
	out := *c
	if c.DailyBudgetMicro != nil {
		v := *c.DailyBudgetMicro
		out.DailyBudgetMicro = &v
	}
	return out, true
}

// AdSquads returns copies of a campaign's ad squads.
func (s *Server) AdSquads(campaignID string) []AdSquad {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []AdSquad
	for _, sq := range s.st.squads[campaignID] {
		c := *sq
		if sq.BidMicro != nil {
			v := *sq.BidMicro
			c.BidMicro = &v
		}
		out = append(out, c)
	}
	return out
}

// SetCampaignStatus changes a campaign's status on the "platform side"
// (e.g. someone paused it in Ads Manager); "DELETED" marks it deleted.
func (s *Server) SetCampaignStatus(id, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.st.campaign[id]; c != nil {
		if status == "DELETED" {
			c.Deleted = true
			return
		}
		c.Status = status
	}
}

var seedZones = []struct{ currency, zone string }{
	{"USD", "America/Los_Angeles"}, {"JPY", "Asia/Tokyo"}, {"EUR", "Europe/Berlin"},
}

// Seed adds accounts ad accounts (currencies and time zones cycling
// USD/America/Los_Angeles, JPY/Asia/Tokyo, EUR/Europe/Berlin), each with
// campaignsPerAccount campaigns delivering on the days ending WithLastDay's
// day. Delivery is generated on demand from a hash (Stat), so seeding
// 1,000 campaigns × 90 days costs nothing up front.
func (s *Server) Seed(accounts, campaignsPerAccount, days int) []Account {
	var out []Account
	for i := range accounts {
		z := seedZones[i%len(seedZones)]
		a := s.AddAccount(Account{Name: fmt.Sprintf("Fake account %d (%s)", i+1, z.currency), Currency: z.currency, TimeZone: z.zone})
		out = append(out, a)
		unit := int64(1_000_000)
		if z.currency == "JPY" {
			unit = 100_000_000 // ¥100 per "dollar"
		}
		s.mu.Lock()
		for j := range campaignsPerAccount {
			budget := (50 + int64(j%10)*10) * unit
			cid := s.addCampaignLocked(a.ID, Campaign{Name: fmt.Sprintf("Campaign %d-%d", i+1, j+1), DailyBudgetMicro: &budget})
			s.addSquadLocked(cid, (1+int64(j%3))*unit, 0)
			s.st.seeded[cid] = seedRange{first: s.lastDay.AddDate(0, 0, 1-days), last: s.lastDay}
		}
		s.mu.Unlock()
	}
	return out
}

// Stats is one campaign's delivery on one day, as the stats endpoint
// reports it (money in micro-currency).
type Stats struct {
	Impressions, Swipes, Spend    int64
	Purchases, PurchaseValueMicro int64
}

// Stat is the delivery the fake reports for campaignID on day (YYYY-MM-DD
// in the account's time zone): deterministic, zero outside seeded days.
func (s *Server) Stat(campaignID, day string) Stats {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return Stats{}
	}
	s.mu.Lock()
	r, ok := s.st.seeded[campaignID]
	currency := ""
	if c := s.st.campaign[campaignID]; c != nil {
		currency = s.st.accountBy[c.AdAccountID].Currency
	}
	s.mu.Unlock()
	if !ok || d.Before(r.first) || d.After(r.last) {
		return Stats{}
	}
	return genStats(campaignID, d, currency)
}

func genStats(campaignID string, day time.Time, currency string) Stats {
	h := fnv.New64a()
	_, _ = h.Write([]byte(campaignID))
	_, _ = h.Write([]byte(day.Format(time.DateOnly)))
	v := h.Sum64()
	unit := int64(1) // micros per "cent-ish" step
	if currency == "JPY" {
		unit = 100
	}
	st := Stats{Impressions: 1000 + int64(v%9000)}
	st.Swipes = st.Impressions * int64(1+(v>>16)%5) / 100
	st.Spend = st.Impressions * (2000 + int64((v>>24)%3000)) * unit // ~$2–5 CPM… in micros per impression
	st.Purchases = st.Swipes / 10
	st.PurchaseValueMicro = st.Purchases * (20_000_000 + int64((v>>40)%1000)*10_000) * unit
	return st
}

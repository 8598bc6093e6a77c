package metafake

// The fake's accounts, campaigns, ad sets, ads and insight window.

import (
	"fmt"
	"time"
)

// DefaultLastDay is the last day of Seed's insight window.
const DefaultLastDay = "2026-11-30"

// AddAccount adds an ad account (ID "act_<digits>"; empty: generated) and
// returns its id.
func (s *Server) AddAccount(a Account) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = s.nextID("act_")
	}
	if a.Status == 0 {
		a.Status = 1
	}
	acct := a
	s.accounts = append(s.accounts, &acct)
	s.byAccount[a.ID] = &accountState{acct: &acct}
	return a.ID
}

// AddCampaign adds a campaign to c.AccountID and returns its id.
func (s *Server) AddCampaign(c Campaign) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.byAccount[c.AccountID]
	if st == nil {
		s.fatalf("metafake: AddCampaign: no account %q", c.AccountID)
	}
	if c.ID == "" {
		c.ID = s.nextID("1202")
	}
	if c.Status == "" {
		c.Status = "ACTIVE"
	}
	if c.Objective == "" {
		c.Objective = "OUTCOME_SALES"
	}
	cc := c
	s.campaigns[c.ID] = &cc
	st.campaigns = append(st.campaigns, c.ID)
	return c.ID
}

// AddAdSet adds an ad set to campaign a.CampaignID and returns its id.
func (s *Server) AddAdSet(a AdSet) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.campaigns[a.CampaignID]
	if c == nil {
		s.fatalf("metafake: AddAdSet: no campaign %q", a.CampaignID)
	}
	a.AccountID = c.AccountID
	if a.ID == "" {
		a.ID = s.nextID("1203")
	}
	if a.Status == "" {
		a.Status = "ACTIVE"
	}
	aa := a
	s.adSets[a.ID] = &aa
	st := s.byAccount[c.AccountID]
	st.adSets = append(st.adSets, a.ID)
	return a.ID
}

// AddAd adds an ad to ad set a.AdSetID and returns its id.
func (s *Server) AddAd(a Ad) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.adSets[a.AdSetID]
	if set == nil {
		s.fatalf("metafake: AddAd: no ad set %q", a.AdSetID)
	}
	a.AccountID = set.AccountID
	if a.ID == "" {
		a.ID = s.nextID("1204")
	}
	if a.Status == "" {
		a.Status = "ACTIVE"
	}
	aa := a
	s.ads[a.ID] = &aa
	st := s.byAccount[set.AccountID]
	st.ads = append(st.ads, a.ID)
	return a.ID
}

// SetInsightDays sets the days every campaign has insights for: n days
// ending on last (YYYY-MM-DD).
func (s *Server) SetInsightDays(last string, n int) {
	end, err := time.Parse(time.DateOnly, last)
	if err != nil {
		s.fatalf("metafake: SetInsightDays: %v", err)
	}
	days := make([]string, n)
	for i := range n {
		days[i] = end.AddDate(0, 0, i-n+1).Format(time.DateOnly)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.days = days
}

// Seed adds accounts (USD in America/New_York; every second one JPY in
// Asia/Tokyo) with campaignsPerAccount campaigns each (one ad set with a
// bid and one ad per campaign) and sets an insight window of days days
// ending on DefaultLastDay. It returns the account ids.
func (s *Server) Seed(accounts, campaignsPerAccount, days int) []string {
	ids := make([]string, 0, accounts)
	for i := range accounts {
		cur, tz, budget, bid := "USD", "America/New_York", int64(5000), int64(150)
		if i%2 == 1 {
			cur, tz, budget, bid = "JPY", "Asia/Tokyo", 8000, 250
		}
		id := s.AddAccount(Account{Name: fmt.Sprintf("Fake account %d", i+1), Currency: cur, TimeZone: tz})
		ids = append(ids, id)
		for j := range campaignsPerAccount {
			status := "ACTIVE"
			if j%5 == 4 {
				status = "PAUSED"
			}
			c := s.AddCampaign(Campaign{AccountID: id, Name: fmt.Sprintf("Campaign %d", j+1), Status: status, DailyBudget: budget + int64(j)*100})
			set := s.AddAdSet(AdSet{CampaignID: c, Name: fmt.Sprintf("Ad set %d", j+1), Status: status, BidAmount: bid})
			s.AddAd(Ad{AdSetID: set, Name: fmt.Sprintf("Ad %d", j+1), Status: status})
		}
	}
	s.SetInsightDays(DefaultLastDay, days)
	return ids
}

// Campaign returns a copy of campaign id's current state.
func (s *Server) Campaign(id string) (Campaign, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.campaigns[id]
	if c == nil {
		return Campaign{}, false
	}
	return *c, true
}

// AdSet returns a copy of ad set id's current state.
func (s *Server) AdSet(id string) (AdSet, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adSets[id]
	if a == nil {
		return AdSet{}, false
	}
	return *a, true
}

// CampaignIDs returns the account's campaign ids in listing order.
func (s *Server) CampaignIDs(act string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.byAccount[act]; st != nil {
		return append([]string(nil), st.campaigns...)
	}
	return nil
}

// Days returns the insight window.
func (s *Server) Days() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.days...)
}

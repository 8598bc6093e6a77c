package cdp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestPurposeOfCategory(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		category string
		want     Purpose
		ok       bool
	}{
		{"Advertising", PurposeAds, true},
		{"  targeting ", PurposeAds, true},
		{"C0004", PurposeAds, true},
		{"Analytics", PurposeAnalytics, true},
		{"Performance", PurposeAnalytics, true},
		{"Email Marketing", PurposeEmail, true},
		{"email_marketing", PurposeEmail, true},
		{"SMS-Marketing", PurposeSMS, true},
		{"Functional", "", false},
		{"Strictly Necessary", "", false},
		{"", "", false},
	} {
		got, ok := PurposeOfCategory(c.category)
		require.Equal(t, c.ok, ok, c.category)
		require.Equal(t, c.want, got, c.category)
	}
}

func TestEventDecisions(t *testing.T) {
	t.Parallel()
	require.Equal(t, map[Purpose]bool{PurposeAds: true, PurposeAnalytics: false},
		eventDecisions(`{"Advertising": true, "Analytics": false, "Functional": true, "Personalization": "yes"}`))
	// Two categories of one purpose that disagree: a denial, whatever the order.
	require.Equal(t, map[Purpose]bool{PurposeAds: false}, eventDecisions(`{"Advertising": true, "Targeting": false}`))
	require.Equal(t, map[Purpose]bool{PurposeAds: false}, eventDecisions(`{"Targeting": false, "Advertising": true}`))
	require.Empty(t, eventDecisions(`[true]`))
	require.Empty(t, eventDecisions(`{"SMS": 1}`))
}

func TestDownloadTokens(t *testing.T) {
	t.Parallel()
	s := &Privacy{Secret: []byte("k")}
	tenant, req, user := [16]byte{1}, [16]byte{2}, [16]byte{3}
	exp := mustTime(t, "2026-12-03T10:00:00Z")
	tok := s.DownloadToken(tenant, req, user, exp)
	c, err := s.ParseDownloadToken(tok, exp.Add(-1))
	require.NoError(t, err)
	require.Equal(t, DownloadClaim{Tenant: tenant, Request: req, User: user, Expires: exp}, c)
	_, err = s.ParseDownloadToken(tok, exp)
	require.Error(t, err, "expired at its expiry")
	_, err = (&Privacy{Secret: []byte("other")}).ParseDownloadToken(tok, exp.Add(-1))
	require.Error(t, err, "another key")
	b := []byte(tok)
	b[3] ^= 1
	_, err = s.ParseDownloadToken(string(b), exp.Add(-1))
	require.Error(t, err, "tampered")
	require.Empty(t, (&Privacy{}).DownloadToken(tenant, req, user, exp), "no key, no link")
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

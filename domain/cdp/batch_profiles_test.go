package cdp

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

func strp(s string) *string { return &s }

func TestBatchEventIdentifiers(t *testing.T) {
	e := batchEvent{
		Type: "identify", UserID: strp("u1"), AnonymousID: strp("a1"),
		Traits:      strp(`{"email":" Ann@Example.COM ","phone":"+1 415 555 0100","name":"Ann"}`),
		CtxEmail:    strp(`"other@example.com"`),
		CtxPhone:    strp(`{"not":"a scalar"}`),
		DeviceID:    strp(`12345`),
		ExternalIDs: strp(`[{"id":"H-9","type":"hubspot_id","collection":"users","encoding":"none"},{"type":"x"},{"id":"7"}]`),
	}
	require.Equal(t, []Identifier{
		{IdentifierUserID, "u1"}, {IdentifierExternalID, "7"}, {IdentifierExternalID, "hubspot_id:H-9"},
		{IdentifierEmail, " Ann@Example.COM "}, {IdentifierEmail, "other@example.com"},
		{IdentifierPhone, "+1 415 555 0100"}, {IdentifierDeviceID, "12345"}, {IdentifierAnonymousID, "a1"},
	}, e.identifiers())

	// An alias's previousId is an ANONYMOUS_ID; another call's is ignored
	// (ingestion stores it only for alias anyway).
	alias := batchEvent{Type: "alias", UserID: strp("u1"), PreviousID: strp("a2")}
	require.Equal(t, []Identifier{{IdentifierUserID, "u1"}, {IdentifierAnonymousID, "a2"}}, alias.identifiers())
	alias.Type = "track"
	require.Equal(t, []Identifier{{IdentifierUserID, "u1"}}, alias.identifiers())

	// Traits of calls other than identify are not read (the query selects
	// them only for identify); at most MaxIdentifiersPerCall, strongest first.
	var ext []string
	for i := range 60 {
		ext = append(ext, `{"id":"e`+strings.Repeat("x", i)+`","type":"t"}`)
	}
	many := batchEvent{Type: "track", UserID: strp("u"), AnonymousID: strp("a"), ExternalIDs: strp("[" + strings.Join(ext, ",") + "]")}
	got := many.identifiers()
	require.Len(t, got, MaxIdentifiersPerCall)
	require.Equal(t, Identifier{IdentifierUserID, "u"}, got[0])
}

func TestOrderCompletedRevenueInMicros(t *testing.T) {
	for _, c := range []struct {
		revenue, total *string
		want           int64
	}{
		{strp(`12.50`), nil, 12_500_000},
		{strp(`"12.5"`), strp(`99`), 12_500_000}, // revenue wins over total
		{nil, strp(`99`), 99_000_000},
		{strp(`"abc"`), strp(`3`), 3_000_000},
		{strp(`0.0000015`), nil, 2}, // rounded half away from zero
		{strp(`-0.0000015`), nil, -2},
		{strp(`1e10`), nil, 0}, // over the bound: the purchase counts, no revenue
		{nil, nil, 0},
	} {
		e := batchEvent{Type: "track", Event: strp(OrderCompleted), Revenue: c.revenue, Total: c.total}
		ok, m := e.purchase()
		require.True(t, ok)
		require.Equal(t, c.want, m)
	}
	ok, _ := (&batchEvent{Type: "track", Event: strp("Order Updated"), Revenue: strp("5")}).purchase()
	require.False(t, ok)
	ok, _ = (&batchEvent{Type: "page", Event: strp(OrderCompleted)}).purchase()
	require.False(t, ok)
}

func TestBatchDeltasLaterEventWinsAndBounds(t *testing.T) {
	p1 := uuid.New()
	t0 := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	evs := []batchEvent{
		{Type: "identify", Timestamp: t0, Traits: strp(`{"plan":"team","big":"` + strings.Repeat("x", MaxTraitValueBytes) + `","` + strings.Repeat("k", MaxTraitKeyBytes+1) + `":1}`)},
		{Type: "identify", Timestamp: t0.Add(time.Hour), Traits: strp(`{"plan":"pro","small":1}`)},
		{Type: "track", Timestamp: t0.Add(-time.Hour), Event: strp(OrderCompleted), Total: strp("2")},
		{Type: "track", Timestamp: t0, UserID: strp("null")},
	}
	d := batchDeltas(evs, []uuid.UUID{p1, p1, p1, uuid.Nil})
	require.Len(t, d, 1)
	got := d[p1]
	require.EqualValues(t, 3, got.events)
	require.EqualValues(t, 1, got.purchases)
	require.EqualValues(t, 2_000_000, got.revenue)
	require.Equal(t, t0.Add(-time.Hour), got.first)
	require.Equal(t, t0.Add(time.Hour), got.last)
	traits := map[string]string{}
	for k, v := range got.traits {
		traits[k] = string(v.v)
	}
	require.Equal(t, map[string]string{"plan": `"pro"`, "small": "1"}, traits)

	// Two profiles' shares meeting on one survivor: the later trait wins
	// whichever is added first.
	a := &profileDelta{first: t0, last: t0, traits: map[string]traitValue{"k": {v: json.RawMessage(`"late"`), at: t0.Add(time.Minute)}}}
	b := &profileDelta{first: t0, last: t0, traits: map[string]traitValue{"k": {v: json.RawMessage(`"early"`), at: t0}}}
	a.add(b)
	require.Equal(t, `"late"`, string(a.traits["k"].v))
}

func TestCountSessions(t *testing.T) {
	t.Parallel()
	at := func(min int) time.Time {
		return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(min) * time.Minute)
	}
	ptr := func(min int) *time.Time { x := at(min); return &x }
	cases := []struct {
		name  string
		last  *time.Time
		times []int // minutes
		want  int64
		lastW *time.Time
	}{
		{"no events, none counted", nil, nil, 0, nil},
		{"no events keep the last", ptr(5), nil, 0, ptr(5)},
		{"first event starts a session", nil, []int{0}, 1, ptr(0)},
		{"30 minutes exactly is the same session", nil, []int{0, 30}, 1, ptr(30)},
		{"more than 30 minutes starts another", nil, []int{0, 31}, 2, ptr(31)},
		{"out of order in the batch: sorted first", nil, []int{100, 0, 50, 10, 125}, 3, ptr(125)},
		{"continues the last counted event", ptr(0), []int{20, 45}, 0, ptr(45)},
		{"gap from the last counted event", ptr(0), []int{31}, 1, ptr(31)},
		{"a late event joins a counted session", ptr(100), []int{10, 20}, 0, ptr(100)},
		{"late and new ones", ptr(100), []int{10, 120, 200}, 1, ptr(200)},
	}
	for _, c := range cases {
		times := make([]time.Time, len(c.times))
		for i, m := range c.times {
			times[i] = at(m)
		}
		n, last := countSessions(c.last, times)
		require.Equal(t, c.want, n, c.name)
		require.Equal(t, c.lastW, last, c.name)
	}
}

package cdp

import (
	"encoding/json"
	"fmt"
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
	type ev struct {
		min     int
		session string
	}
	plain := func(mins ...int) []ev {
		out := make([]ev, len(mins))
		for i, m := range mins {
			out[i] = ev{min: m}
		}
		return out
	}
	ids := func(kv ...any) map[string]time.Time { // "id", minute, …
		if len(kv) == 0 {
			return nil
		}
		out := map[string]time.Time{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = at(kv[i+1].(int))
		}
		return out
	}
	cases := []struct {
		name    string
		last    *time.Time
		recent  map[string]time.Time
		evs     []ev
		want    int64
		lastW   *time.Time
		recentW map[string]time.Time
	}{
		{"no events, none counted", nil, nil, nil, 0, nil, nil},
		{"no events keep the state", ptr(5), ids("s1", 5), nil, 0, ptr(5), ids("s1", 5)},
		{"first event starts a session", nil, nil, plain(0), 1, ptr(0), nil},
		{"30 minutes exactly is the same session", nil, nil, plain(0, 30), 1, ptr(30), nil},
		{"more than 30 minutes starts another", nil, nil, plain(0, 31), 2, ptr(31), nil},
		{"out of order in the batch: sorted first", nil, nil, plain(100, 0, 50, 10, 125), 3, ptr(125), nil},
		{"continues the last counted event", ptr(0), nil, plain(20, 45), 0, ptr(45), nil},
		{"gap from the last counted event", ptr(0), nil, plain(31), 1, ptr(31), nil},
		{"a late event joins a counted session", ptr(100), nil, plain(10, 20), 0, ptr(100), nil},
		{"late and new ones", ptr(100), nil, plain(10, 120, 200), 1, ptr(200), nil},
		// Session ids (context.sessionId).
		{"a new session id within the gap starts a session", nil, nil, []ev{{0, "a"}, {5, "a"}, {6, "b"}}, 2, ptr(6), ids("a", 5, "b", 6)},
		{"the same id past the gap starts one", nil, nil, []ev{{0, "a"}, {40, "a"}}, 2, ptr(40), ids("a", 40)},
		{"a new id against the stored ones", ptr(0), ids("a", 0), []ev{{1, "b"}}, 1, ptr(1), ids("a", 0, "b", 1)},
		{"a stored id continues", ptr(0), ids("a", 0), []ev{{1, "a"}, {2, "a"}}, 0, ptr(2), ids("a", 2)},
		{"two devices interleaved: one session each", nil, nil, []ev{{0, "a"}, {1, "b"}, {2, "a"}, {3, "b"}, {4, "a"}}, 2, ptr(4), ids("a", 4, "b", 3)},
		{"an event without an id is judged by the gap", ptr(0), ids("a", 0), []ev{{1, ""}, {40, ""}, {41, "a"}}, 2, ptr(41), ids("a", 41)},
		{"ids older than the gap are forgotten", ptr(0), ids("a", 0), []ev{{45, "b"}}, 1, ptr(45), ids("b", 45)},
		{"a late event's id changes nothing", ptr(100), ids("a", 100), []ev{{10, "z"}, {101, "a"}}, 0, ptr(101), ids("a", 101)},
	}
	for _, c := range cases {
		evs := make([]eventMark, len(c.evs))
		for i, e := range c.evs {
			evs[i] = eventMark{at(e.min), e.session}
		}
		n, st := countSessions(sessionState{c.last, c.recent}, evs)
		require.Equal(t, c.want, n, c.name)
		require.Equal(t, c.lastW, st.last, c.name)
		require.Equal(t, c.recentW, st.recent, c.name)
	}
	// At most MaxRecentSessions ids, the oldest forgotten first.
	var many []eventMark
	for i := range MaxRecentSessions + 3 {
		many = append(many, eventMark{at(i), fmt.Sprint("d", i)})
	}
	n, st := countSessions(sessionState{}, many)
	require.EqualValues(t, MaxRecentSessions+3, n)
	require.Len(t, st.recent, MaxRecentSessions)
	require.NotContains(t, st.recent, "d2")
	require.Contains(t, st.recent, "d3")
}

package cdp

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// The simulated event stream of simulated (demo) tenants (ADR 0016,
// "Simulated event stream"). A simulated tenant gets one source marked
// simulated, named SimulatedSourceName; Stratum itself sends it a
// realistic stream of a web shop's events — page views, Product Viewed,
// Order Completed with revenue, identify calls with e-mails and phones,
// aliases from a second device's anonymous id to the known user, and a few
// junk ids the identity resolver refuses — through the real ingestion path
// (IngestEvents: validation, rate limit, group commit, the batch job that
// builds profiles). Everything is deterministic per tenant (and per minute
// for the live stream), so a test sees the same data every run and a
// retried send is deduplicated by its messageIds. The data is fictitious:
// example.com addresses, 555-01xx and drama-range phone numbers,
// documentation IP addresses, and every event's context.library names the
// simulator.

// SimulatedSourceName names a simulated tenant's simulated source.
const SimulatedSourceName = "Website (simulated)"

// Bounds of the simulated stream.
const (
	// SimulatedPeople is how many people the backfill invents.
	SimulatedPeople = 250
	// SimulatedBackfillDays is how far back the backfill's events go.
	SimulatedBackfillDays = 14
	// MaxSimulatedBackfill bounds the backfill's events, so that seeding
	// (part of `make run`'s start) stays quick.
	MaxSimulatedBackfill = 5000
	// simulatedRateLimit is the simulated source's events a second: the
	// backfill is sent at once and must fit the one-second bucket.
	simulatedRateLimit = 5000
	// simChunkBytes keeps each IngestEvents call well under MaxBatchBytes.
	simChunkBytes = 400 * 1024
)

// simLibrary is every simulated event's context.library: the payload says
// it was made by the simulator.
var simLibrary = map[string]any{"name": "stratum-simulator", "version": "1.0"}

var errNotSimulatedTenant = apperr.Invalid([]string{"tenant"}, "the simulated event stream runs only for simulated (demo) workspaces")

// SeedSimulatedSource gives a simulated tenant its simulated source, once,
// and while that source has received nothing yet sends it the backfill:
// SimulatedPeople people's visits over the last SimulatedBackfillDays days
// (at most MaxSimulatedBackfill events, with their own past timestamps). It
// is idempotent: a second call finds the source and, as it has events,
// sends nothing (and the backfill's messageIds are fixed, so even a resent
// backfill would be dropped as duplicates). It returns the source and how
// many events it sent. A tenant that is not simulated is refused.
func (s *Service) SeedSimulatedSource(ctx context.Context, tenant uuid.UUID) (_ *Source, sent int, err error) {
	defer derrors.Wrap(&err, "cdp.Service.SeedSimulatedSource(%s)", tenant)
	src, empty, err := s.ensureSimulatedSource(ctx, tenant)
	if err != nil || !empty {
		return src, 0, err
	}
	sent, err = s.sendSimulated(ctx, tenant, src.ID, simBackfill(tenant, s.DB.Now(ctx), s.Config.simulatedPeople()))
	return src, sent, err
}

// ensureSimulatedSource creates tenant's simulated source if it has none
// and reports whether the source has received no event yet.
func (s *Service) ensureSimulatedSource(ctx context.Context, tenant uuid.UUID) (src *Source, empty bool, err error) {
	src = new(Source)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ok, err := tenancy.SimulatedTx(ctx, tx)
		if err != nil {
			return err
		}
		if !ok {
			return errNotSimulatedTenant
		}
		_, hash, prefix := newWriteKey() // never shown: rotating the key gives one
		now := s.DB.Now(ctx)
		fresh := &Source{TenantID: tenant, ID: uuid.New(), Name: SimulatedSourceName, Enabled: true, WriteKeyHash: hash,
			WriteKeyPrefix: prefix, RateLimit: simulatedRateLimit, Simulated: true, CreatedAt: now, UpdatedAt: now}
		res, err := tx.NewInsert().Model(fresh).On("CONFLICT (tenant_id) WHERE simulated DO NOTHING").Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			e := sourceAudit("source.create", fresh, map[string]any{"simulated": true})
			e.ActorType = audit.ActorSystem
			if err := audit.Record(ctx, tx, e); err != nil {
				return err
			}
		}
		if err := tx.NewSelect().Model(src).Where("tenant_id = ? AND simulated", tenant).Scan(ctx); err != nil {
			return err
		}
		// Stored events, or events staged for the batch job (ADR 0026).
		var used bool
		err = tx.NewRaw(`SELECT EXISTS (SELECT 1 FROM cdp_message_ids WHERE tenant_id = ? AND source_id = ?)
			OR EXISTS (SELECT 1 FROM cdp_batches WHERE tenant_id = ? AND staged IS NOT NULL
				AND sources @> jsonb_build_array(jsonb_build_object('id', ?::text)))`, tenant, src.ID, tenant, src.ID.String()).Scan(ctx, &used)
		empty = !used
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return src, empty, nil
}

// SimulateEvents sends tenant's simulated source the simulated stream's
// events of the minute that starts at minute (the periodic
// cdp.simulate_events job, once a minute): one to three visits, now and
// then a sign-up, an order, a resent event (a duplicate, dropped), and
// every tenth minute one invalid call (refused with 400, as a badly
// instrumented page would send). The same minute always makes the same
// events, so a retried job stores nothing twice. A tenant that is not
// simulated, has no simulated source yet or has disabled it gets nothing
// (0, nil). It returns how many events were acknowledged.
func (s *Service) SimulateEvents(ctx context.Context, tenant uuid.UUID, minute time.Time) (n int, err error) {
	defer derrors.Wrap(&err, "cdp.Service.SimulateEvents(%s, %s)", tenant, minute)
	var src *Source
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		ok, err := tenancy.SimulatedTx(ctx, tx)
		if err != nil || !ok {
			return err
		}
		var found []Source
		if err := tx.NewSelect().Model(&found).Where("tenant_id = ? AND simulated", tenant).Scan(ctx); err != nil {
			return err
		}
		if len(found) == 1 && found[0].Enabled {
			src = &found[0]
		}
		return nil
	})
	if err != nil || src == nil {
		return 0, err
	}
	minute = minute.UTC().Truncate(time.Minute)
	good, bad := simMinute(tenant, minute, s.Config.simulatedPeople())
	if n, err = s.IngestEvents(ctx, tenant, src.ID, good); err != nil {
		return n, err
	}
	if bad != nil {
		// Refused as the tracking API refuses it: counted as rejected and
		// shown by the live debugger; not the job's failure.
		if _, err := s.IngestEvents(ctx, tenant, src.ID, []json.RawMessage{bad}); apperr.CodeOf(err) != apperr.BadUserInput {
			return n, fmt.Errorf("the simulated invalid call was not refused as invalid: %v", err)
		}
	}
	return n, nil
}

// sendSimulated ingests events in calls of at most MaxEventsPerCall events
// and simChunkBytes bytes.
func (s *Service) sendSimulated(ctx context.Context, tenant, source uuid.UUID, events []json.RawMessage) (int, error) {
	sent := 0
	for len(events) > 0 {
		size, k := 0, 0
		for k < len(events) && k < MaxEventsPerCall && size+len(events[k]) <= simChunkBytes {
			size += len(events[k])
			k++
		}
		n, err := s.IngestEvents(ctx, tenant, source, events[:k])
		if err != nil {
			return sent, err
		}
		sent += n
		events = events[k:]
	}
	return sent, nil
}

// simRand is a deterministic generator for tenant and the given keys.
func simRand(tenant uuid.UUID, keys ...any) *rand.Rand {
	h := fnv.New64a()
	h.Write(tenant[:])
	fmt.Fprint(h, keys...)
	a := h.Sum64()
	h.Write([]byte{0xff})
	return rand.New(rand.NewPCG(a, h.Sum64()^binary.BigEndian.Uint64(tenant[8:])))
}

var (
	simFirstNames = []string{"Ada", "Ben", "Chloé", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Liam",
		"Maya", "Noah", "Olga", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Viktor", "Wen", "Yara", "Zoe"}
	simLastNames = []string{"Adeyemi", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hughes", "Ito", "Jensen",
		"Kowalski", "Lopez", "Müller", "Nakamura", "Okafor", "Patel", "Rossi", "Schmidt", "Tanaka", "Walsh"}
	simAreaCodes = []int{415, 212, 312, 206, 617, 512, 303, 404, 305, 213}
	simProducts  = []struct {
		id, name, category string
		price              float64
	}{
		{"SKU-1001", "Trail Running Shoe", "Shoes", 129},
		{"SKU-1002", "Merino Base Layer", "Apparel", 79.5},
		{"SKU-1003", "Insulated Bottle 750 ml", "Accessories", 32},
		{"SKU-1004", "Lightweight Rain Jacket", "Apparel", 189},
		{"SKU-1005", "Hiking Socks (3 pairs)", "Accessories", 24.99},
		{"SKU-1006", "Daypack 22 l", "Bags", 95},
	}
	simCampaignsUTM = []map[string]any{
		{"source": "google", "medium": "cpc", "name": "Brand Search"},
		{"source": "facebook", "medium": "paid_social", "name": "Prospecting – Broad Audience"},
		{"source": "newsletter", "medium": "email", "name": "Spring Sale"},
	}
	simUserAgents = []string{
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
	}
)

// simPerson is one invented shopper.
type simPerson struct {
	index                                  int
	anon, anon2, user, email, phone, first string
	last                                   string
	known, buyer, junk                     bool
}

// person i of tenant: anonymous ids for two devices; about 60 % sign up
// (user id, an e-mail written in varied case and spacing, for some a phone
// written in varied formats); about 8 % of the anonymous ones are
// instrumented badly and send userId "undefined" (junk, refused).
func simPersonOf(tenant uuid.UUID, i int) simPerson {
	r := simRand(tenant, "person", i)
	p := simPerson{index: i, first: simFirstNames[r.IntN(len(simFirstNames))], last: simLastNames[r.IntN(len(simLastNames))]}
	p.anon = uuid.NewSHA1(tenant, fmt.Appendf(nil, "sim-anon-%d", i)).String()
	p.anon2 = uuid.NewSHA1(tenant, fmt.Appendf(nil, "sim-anon2-%d", i)).String()
	p.known = r.Float64() < 0.6
	p.buyer = r.Float64() < 0.4
	p.junk = !p.known && r.Float64() < 0.08
	if !p.known {
		return p
	}
	p.user = fmt.Sprintf("usr_%06d", 100000+i)
	local := strings.ToLower(asciiFold(p.first) + "." + asciiFold(p.last))
	p.email = fmt.Sprintf("%s%d@example.com", local, i)
	if r.Float64() < 0.25 { // as typed into a form: spaces and capitals, normalised on the profile
		p.email = " " + strings.ToUpper(p.email[:1]) + p.email[1:strings.Index(p.email, "@")] + "@Example.com "
	}
	if i < 1000 && r.Float64() < 0.5 {
		area, line := simAreaCodes[i/100%len(simAreaCodes)], i%100
		if r.Float64() < 0.5 {
			p.phone = fmt.Sprintf("+1 (%d) 555-01%02d", area, line)
		} else {
			p.phone = fmt.Sprintf("+1%d55501%02d", area, line)
		}
	}
	return p
}

// asciiFold drops the accents of the names above for e-mail addresses.
func asciiFold(s string) string {
	return strings.NewReplacer("é", "e", "í", "i", "ü", "u", "ó", "o").Replace(s)
}

// simEvents builds one visitor's events with fixed messageIds.
type simEvents struct {
	tenant uuid.UUID
	prefix string
	seq    int
	out    []map[string]any
}

func (b *simEvents) add(p simPerson, anon string, at time.Time, r *rand.Rand, ev map[string]any) {
	b.seq++
	ev["messageId"] = uuid.NewSHA1(b.tenant, fmt.Appendf(nil, "%s-%d", b.prefix, b.seq)).String()
	ev["timestamp"] = at.UTC().Format(time.RFC3339Nano)
	if _, ok := ev["anonymousId"]; !ok && anon != "" {
		ev["anonymousId"] = anon
	}
	ctx := map[string]any{"library": simLibrary, "userAgent": simUserAgents[(p.index+b.seq)%len(simUserAgents)],
		"ip": fmt.Sprintf("203.0.113.%d", 1+p.index%254)}
	if pg, ok := ev["_page"].(map[string]any); ok {
		ctx["page"] = pg
		delete(ev, "_page")
	}
	if r.Float64() < 0.3 {
		ctx["campaign"] = simCampaignsUTM[r.IntN(len(simCampaignsUTM))]
	}
	ev["context"] = ctx
	b.out = append(b.out, ev)
}

func simPage(name, path string) map[string]any {
	return map[string]any{"type": "page", "name": name, "properties": map[string]any{"path": path, "url": "https://shop.example.com" + path},
		"_page": map[string]any{"path": path, "url": "https://shop.example.com" + path, "title": name + " – Example Outfitters"}}
}

// session adds one visit of p starting at start (signUp: p identifies in
// it; known: p is signed in; second: on p's second device, aliased to p's
// user id). It returns the time after the visit.
func (b *simEvents) session(p simPerson, start time.Time, r *rand.Rand, signUp, known, second bool) {
	anon, t := p.anon, start
	if second {
		anon = p.anon2
	}
	next := func() time.Time { t = t.Add(time.Duration(5+r.IntN(90)) * time.Second); return t }
	withUser := func(ev map[string]any) map[string]any {
		switch {
		case known:
			ev["userId"] = p.user
		case p.junk:
			ev["userId"] = "undefined" // a template bug: refused as junk, never linked
		}
		return ev
	}
	b.add(p, anon, next(), r, withUser(simPage("Home", "/")))
	if second && known {
		b.add(p, anon, next(), r, map[string]any{"type": "alias", "previousId": anon, "userId": p.user})
	}
	var cart []map[string]any
	for range 1 + r.IntN(2) {
		pr := simProducts[r.IntN(len(simProducts))]
		props := map[string]any{"product_id": pr.id, "sku": pr.id, "name": pr.name, "category": pr.category, "price": pr.price, "currency": "USD"}
		b.add(p, anon, next(), r, withUser(simPage(pr.name, "/products/"+strings.ToLower(pr.id))))
		b.add(p, anon, next(), r, withUser(map[string]any{"type": "track", "event": "Product Viewed", "properties": props}))
		if p.buyer && r.Float64() < 0.6 {
			b.add(p, anon, next(), r, withUser(map[string]any{"type": "track", "event": "Product Added", "properties": props}))
			cart = append(cart, map[string]any{"product_id": pr.id, "name": pr.name, "price": pr.price, "quantity": 1})
		}
	}
	if signUp {
		traits := map[string]any{"email": p.email, "firstName": p.first, "lastName": p.last, "createdAt": t.UTC().Format(time.RFC3339)}
		if p.phone != "" {
			traits["phone"] = p.phone
		}
		b.add(p, anon, next(), r, map[string]any{"type": "identify", "userId": p.user, "traits": traits})
		known = true
	}
	if len(cart) > 0 && r.Float64() < 0.7 {
		total := 0.0
		for _, c := range cart {
			total += c["price"].(float64)
		}
		order := map[string]any{"order_id": fmt.Sprintf("EX-%08X", r.Uint32()), "revenue": total,
			"currency": "USD", "products": cart}
		b.add(p, anon, next(), r, withUser(map[string]any{"type": "track", "event": OrderCompleted, "properties": order}))
	}
}

// simBackfill is the backfill of tenant as of now: each person's first
// visit on a day of the last SimulatedBackfillDays, one to three visits in
// all, the known ones signing up on their first or second visit (a few
// more on a second device, aliased), a few identify calls with a junk
// test@test.com address. Sorted by time; at most MaxSimulatedBackfill.
func simBackfill(tenant uuid.UUID, now time.Time, people int) []json.RawMessage {
	b := &simEvents{tenant: tenant, prefix: "sim-backfill-" + tenant.String()[:6]}
	for i := range people {
		p := simPersonOf(tenant, i)
		r := simRand(tenant, "backfill", i)
		visits := 1 + r.IntN(3)
		signUpAt := -1
		if p.known {
			signUpAt = r.IntN(min(2, visits))
		}
		t := now.Add(-time.Duration(1+r.IntN(SimulatedBackfillDays*24-1)) * time.Hour)
		for v := range visits {
			if t.After(now.Add(-10 * time.Minute)) {
				break
			}
			second := p.known && v > signUpAt && v == visits-1 && r.Float64() < 0.3
			b.session(p, t, r, v == signUpAt, signUpAt >= 0 && v > signUpAt, second)
			t = t.Add(time.Duration(2+r.IntN(72)) * time.Hour)
		}
		if i%50 == 7 { // a form's placeholder sent as a real address: refused as junk
			b.add(p, p.anon, t.Add(-time.Hour), r, map[string]any{"type": "identify", "traits": map[string]any{"email": "test@test.com"}})
		}
	}
	slices.SortStableFunc(b.out, func(x, y map[string]any) int {
		return strings.Compare(x["timestamp"].(string), y["timestamp"].(string))
	})
	return encodeSim(b.out[:min(len(b.out), MaxSimulatedBackfill)])
}

// simMinute is the live stream's minute: its valid events and, every
// tenth minute, one invalid call (a track without its event name).
func simMinute(tenant uuid.UUID, minute time.Time, people int) (good []json.RawMessage, bad json.RawMessage) {
	m := minute.Unix() / 60
	r := simRand(tenant, "minute", m)
	b := &simEvents{tenant: tenant, prefix: fmt.Sprintf("sim-live-%s-%d", tenant.String()[:6], m)}
	for v := range 1 + r.IntN(2) {
		start := minute.Add(time.Duration(r.IntN(20)) * time.Second)
		if r.Float64() < 0.6 { // a returning shopper of the backfill
			p := simPersonOf(tenant, r.IntN(people))
			b.session(p, start, r, false, p.known, false)
			continue
		}
		// A new visitor; some sign up (no phone: the phone numbers belong to the backfill's people).
		p := simPersonOf(tenant, 1_000_000+int(m%1_000_000)*4+v)
		p.phone = ""
		b.session(p, start, r, p.known && r.Float64() < 0.5, false, false)
	}
	if m%7 == 3 && len(b.out) > 0 { // an SDK retry of an event already sent: acknowledged, dropped as a duplicate
		dup := map[string]any{}
		for k, v := range b.out[0] {
			dup[k] = v
		}
		b.out = append(b.out, dup)
	}
	good = encodeSim(b.out)
	if m%10 == 5 {
		bad, _ = json.Marshal(map[string]any{"type": "track", "messageId": uuid.NewSHA1(tenant, fmt.Appendf(nil, "sim-bad-%d", m)).String(),
			"anonymousId": uuid.NewSHA1(tenant, fmt.Appendf(nil, "sim-bad-anon-%d", m)).String(),
			"properties":  map[string]any{"note": "a simulated badly instrumented call: track without an event name"},
			"context":     map[string]any{"library": simLibrary}, "timestamp": minute.Format(time.RFC3339)})
	}
	return good, bad
}

func encodeSim(evs []map[string]any) []json.RawMessage {
	out := make([]json.RawMessage, 0, len(evs))
	for _, ev := range evs {
		b, err := json.Marshal(ev)
		if err != nil {
			panic(err) // only maps of strings, numbers and maps: never fails
		}
		out = append(out, b)
	}
	return out
}

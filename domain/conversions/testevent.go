package conversions

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// TestResult is the platform's answer to a test event.
type TestResult struct {
	// OK: the platform accepted the event.
	OK bool
	// HTTPStatus is the response's status code (0 when none came).
	HTTPStatus int
	// Message is the platform's answer in its own words (or why nothing
	// was sent), without credentials.
	Message string
	// Latency is how long the request took (0 when nothing was sent).
	Latency time.Duration
	// TestEventCode is the code the event was marked with.
	TestEventCode string
}

// testEventNames is the purchase event of each platform, which the test
// event is (with value 0).
var testEventNames = map[string]string{"META": "Purchase", "GOOGLE": "Purchase", "TIKTOK": "CompletePayment", "SNAPCHAT": "PURCHASE"}

// newTestEventCode makes a code in Meta's test_event_code shape (TEST and
// five digits) for a destination without one of its own.
func newTestEventCode() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(100000))
	return fmt.Sprintf("TEST%05d", n.Int64())
}

// testEvent is the synthetic event a test sends: a purchase of value 0,
// marked as a test (its ids start "stratum-test-"), with no personal data
// (an external id "stratum-test", a documentation IP address and a user
// agent saying what it is).
func testEvent(platform string, now time.Time) Event {
	id := "stratum-test-" + uuid.NewString()
	zero := int64(0)
	return Event{Key: id, EventID: id, SourceEvent: "Stratum test event", Name: testEventNames[platform],
		Time: now, ActionSource: "website", SourceURL: "https://stratum.invalid/conversions/test",
		User:        UserData{ExternalID: "stratum-test", ClientIP: "192.0.2.1", UserAgent: "Stratum/1.0 (conversion destination test event)"},
		ValueMicros: &zero, Currency: "USD", OrderID: id}
}

// Test sends one synthetic test event to destination id and returns the
// platform's answer. The event is marked as a test (the destination's
// testEventCode, or a generated TESTnnnnn: Meta and TikTok show it in
// their test-events tools, Google and Snapchat senders validate without
// recording) and has value 0. At most one test per destination per
// TestInterval: the claim is one conditional UPDATE, committed before the
// request, so concurrent tests send once and the others are THROTTLED.
// The request is made outside any transaction; its outcome is audited.
func (s *Destinations) Test(ctx context.Context, tenant, id uuid.UUID) (_ *TestResult, err error) {
	defer derrors.Wrap(&err, "conversions.Destinations.Test(%s, %s)", tenant, id)
	d := new(StoredDestination)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		now := s.DB.Now(ctx)
		err := tx.NewUpdate().Model(d).Set("last_test_at = ?", now).
			Where("tenant_id = ? AND id = ?", tenant, id).
			Where("last_test_at IS NULL OR last_test_at <= ?", now.Add(-s.testInterval())).
			Returning("*").Scan(ctx)
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var last *time.Time
		if err := tx.NewSelect().Model((*StoredDestination)(nil)).Column("last_test_at").
			Where("tenant_id = ? AND id = ?", tenant, id).Scan(ctx, &last); err != nil {
			return db.NotFound(err, "no such conversion destination")
		}
		wait := s.testInterval()
		if last != nil {
			wait = last.Add(s.testInterval()).Sub(now)
		}
		secs := max(1, int((wait+time.Second-1)/time.Second))
		return &apperr.Error{Code: apperr.Throttled, Message: fmt.Sprintf("a test event was sent to this destination moments ago; try again in %d s", secs),
			Extensions: map[string]any{"retryAfterSeconds": secs}}
	})
	if err != nil {
		return nil, err
	}
	res := s.send(ctx, d)
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		e := destinationAudit("conversion_destination.test", d, map[string]any{"ok": res.OK, "httpStatus": res.HTTPStatus,
			"latencyMs": res.Latency.Milliseconds(), "testEventCode": res.TestEventCode})
		if !res.OK {
			e.Outcome = audit.Failure
		}
		return audit.Record(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// send makes the test request of d (no transaction open).
func (s *Destinations) send(ctx context.Context, d *StoredDestination) *TestResult {
	res := &TestResult{}
	sender := s.Senders[d.Platform]
	if sender == nil {
		res.Message = fmt.Sprintf("This server has no sender for %s yet, so nothing was sent.", d.Platform)
		return res
	}
	dest, err := s.Open(ctx, d)
	if err != nil {
		if e, ok := apperr.As(err); ok {
			res.Message = e.Message
		} else {
			res.Message = "The destination's credentials could not be opened: " + redact(rootMessage(err), nil)
		}
		return res
	}
	if dest.TestEventCode == "" {
		dest.TestEventCode = newTestEventCode()
	}
	res.TestEventCode = dest.TestEventCode
	now := s.DB.Now(ctx)
	ev := testEvent(d.Platform, now)
	if reason := sender.Check(ev, now); reason != "" {
		res.Message = "The test event was not sent: " + reason
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, s.testTimeout())
	defer cancel()
	start := time.Now()
	out, err := sender.Send(ctx, dest, []Event{ev})
	res.Latency = time.Since(start)
	res.HTTPStatus = out.HTTPStatus
	switch {
	case err != nil:
		res.Message = err.Error()
	case len(out.Outcomes) == 0:
		res.Message = out.Summary
	default:
		o := out.Outcomes[0]
		res.OK = o.Status == StatusSent
		res.Message = o.Message
		if res.Message == "" {
			res.Message = out.Summary
		}
	}
	if res.Message == "" && res.OK {
		res.Message = "Accepted."
	}
	res.Message = clipMessage(redact(res.Message, dest.Credentials))
	return res
}

// rootMessage is err's innermost message (without the wrapping context,
// which names ids, not secrets).
func rootMessage(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// clipMessage bounds a platform's message to 2,000 bytes on a rune
// boundary.
func clipMessage(m string) string {
	const n = 2000
	m = strings.TrimSpace(m)
	if len(m) <= n {
		return m
	}
	m = m[:n]
	for len(m) > 0 && !utf8.ValidString(m) {
		m = m[:len(m)-1]
	}
	return m + "…"
}

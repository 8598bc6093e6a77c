package cdp

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/stratumhq/stratum/internal/testdb"
)

// BenchmarkGroupCommitStatement measures what PostgreSQL spends on the
// group commit's write itself, in CPU time of the writing backend per
// event (/proc, so the figure holds on a busy machine too), for groups of
// 1,000 benchmark events (~300 bytes of properties, like issue 13's
// tracking benchmark), each in its own transaction as the application
// role. staged is what the group commit writes (ADR 0026: the group's
// events as one record in its batch row); dedup is insertEvents (ON
// CONFLICT, semi-join, RETURNING), which the batch job runs to materialise
// a staged batch, before ADR 0026 the commit's own statement; parts/unnest
// receives the arrays alone (JSON parsing included) and parts/dedup_table
// is the dedup table's plain insert alone; copy, the baseline in the same
// run, COPYs the same rows into cdp_events as the table owner (COPY FROM is
// refused under row-level security, so it writes neither the dedup table
// nor through the policy). Command:
//
//	go test -run '^$' -bench GroupCommitStatement -benchtime 100x ./domain/cdp/
func BenchmarkGroupCommitStatement(b *testing.B) {
	tdb := testdb.New(b)
	tenant := testdb.MustInsertTenant(b, tdb.DB, testdb.Tenant{Plan: "enterprise"})
	ctx := context.Background()
	now := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	owner, err := pgx.Connect(ctx, tdb.OwnerURL)
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close(ctx)
	if _, err := owner.Exec(ctx, "SELECT stratum_cdp_ensure_partitions($1, 2)", now); err != nil {
		b.Fatal(err)
	}
	app, err := pgx.Connect(ctx, tdb.AppURL)
	if err != nil {
		b.Fatal(err)
	}
	defer app.Close(ctx)
	src := uuid.New()
	props := []byte(`{"product_id":"sku-12345","category":"shoes","price":129.99,"currency":"EUR","coupon":"WINTER",` +
		`"url":"https://shop.example.test/products/sku-12345?utm_source=newsletter","note":"` + strings.Repeat("x", 120) + `"}`)
	ctxJSON := []byte(`{"library":{"name":"analytics-node","version":"2.1.0"}}`)
	const per = 1000
	var seq int
	group := func() []Event {
		evs := make([]Event, per)
		for i := range evs {
			seq++
			evs[i] = Event{SourceID: src, MessageID: fmt.Sprintf("%08x-%d", seq*2654435761%(1<<32), seq), Type: "track", Name: "Product Viewed",
				UserID: "user-" + strconv.Itoa(seq%5000), ReceivedAt: now.Add(time.Duration(seq) * time.Microsecond), Timestamp: now,
				Properties: props, Context: ctxJSON, Size: 400}
		}
		return evs
	}
	columnsOf := func(evs []Event) *columns {
		c := newColumns(len(evs))
		for i := range evs {
			c.add(&evs[i])
		}
		return c
	}
	cpu := func(conn *pgx.Conn) time.Duration {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", conn.PgConn().PID()))
		if err != nil {
			b.Skipf("no /proc for the database backend (server elsewhere): %v", err)
		}
		s := string(raw)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		return time.Duration(u+st) * 10 * time.Millisecond // clock ticks of 10 ms
	}
	// measure runs write for b.N groups and reports the backend's CPU per event.
	measure := func(b *testing.B, conn *pgx.Conn, write func(evs []Event) error) {
		groups := make([][]Event, b.N)
		for i := range groups {
			groups[i] = group()
		}
		c0 := cpu(conn)
		b.ResetTimer()
		for _, evs := range groups {
			if err := write(evs); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		events := float64(b.N * per)
		b.ReportMetric(float64((cpu(conn)-c0).Microseconds())/events, "pg_cpu_us/event")
		b.ReportMetric(events/b.Elapsed().Seconds(), "events/s")
	}
	// inTx runs stmt on a group in a transaction of the tenant, with
	// argsOf's parameters (nil: insertEvents' column arrays).
	columnArgs := func(evs []Event) []any { return columnsOf(evs).args(tenant, uuid.New()) }
	inTx := func(stmt string, argsOf func(evs []Event) []any) func(evs []Event) error {
		if argsOf == nil {
			argsOf = columnArgs
		}
		return func(evs []Event) error {
			tx, err := app.Begin(ctx)
			if err != nil {
				return err
			}
			defer tx.Rollback(ctx)
			if _, err := tx.Exec(ctx, "SELECT set_config('app.tenant_id', $1, true)", tenant.String()); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, stmt, append([]any{pgx.QueryExecModeCacheDescribe}, argsOf(evs)...)...)
			if err != nil {
				return err
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			return tx.Commit(ctx)
		}
	}
	b.Run("dedup", func(b *testing.B) { measure(b, app, inTx(insertEvents, nil)) })
	b.Run("parts/unnest", func(b *testing.B) {
		measure(b, app, inTx(`SELECT count(*), $18::uuid, $19::uuid FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[],
			$5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[],
			$13::jsonb[], $14::jsonb[], $15::jsonb[], $16::jsonb[], $17::integer[])`, nil))
	})
	b.Run("parts/dedup_table", func(b *testing.B) {
		measure(b, app, inTx(`INSERT INTO cdp_message_ids (tenant_id, source_id, message_id, batch_id, received_at)
			SELECT $4, s, m, $5, r FROM unnest($1::uuid[], $2::text[], $3::timestamptz[]) AS u(s, m, r)`,
			func(evs []Event) []any {
				all := columnArgs(evs)
				return []any{all[0], all[1], all[2], all[17], all[18]}
			}))
	})
	b.Run("staged", func(b *testing.B) {
		// What the group commit writes (ADR 0026): one batch row holding
		// the group's events as one record, sent in binary.
		measure(b, app, inTx(`INSERT INTO cdp_batches (tenant_id, id, events, sources, created_at, staged)
			VALUES ($1::uuid, $2::uuid, $3::integer, '[]', $4::timestamptz, $5::bytea)`, func(evs []Event) []any {
			list := make([]*Event, len(evs))
			for i := range evs {
				list[i] = &evs[i]
			}
			return []any{[16]byte(tenant), [16]byte(uuid.New()), int32(len(list)), now, encodeStaged(nil, list)}
		}))
	})
	b.Run("copy", func(b *testing.B) {
		measure(b, owner, func(evs []Event) error {
			batch := uuid.New()
			rows := make([][]any, len(evs))
			for i, e := range evs {
				rows[i] = []any{tenant, e.SourceID, e.MessageID, e.ReceivedAt, batch, e.Type, e.Name, e.UserID, e.Timestamp,
					string(e.Properties), string(e.Context), int32(e.Size)}
			}
			_, err := owner.CopyFrom(ctx, pgx.Identifier{"cdp_events"}, []string{"tenant_id", "source_id", "message_id", "received_at",
				"batch_id", "type", "event", "user_id", "timestamp", "properties", "context", "payload_size"}, pgx.CopyFromRows(rows))
			return err
		})
	})
}

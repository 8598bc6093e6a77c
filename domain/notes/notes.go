// Package notes is the foundation's demo of tenant-scoped data: short notes
// written in a tenant transaction (row-level security), paged as a Relay
// connection and published on the realtime bus when they commit.
package notes

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/audit"
	"github.com/stratumhq/stratum/domain/realtime"
	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/relay"
)

// Topic is the realtime topic of posted notes.
const Topic = "note.posted"

// Note is one row of the notes table.
type Note struct {
	bun.BaseModel `bun:"table:notes"`
	TenantID      uuid.UUID `bun:"tenant_id,pk"`
	ID            uuid.UUID `bun:"id,pk"`
	Body          string    `bun:"body"`
	CreatedAt     time.Time `bun:"created_at"`
}

// Service reads and writes notes.
type Service struct{ DB *db.DB }

// Post validates body, stores it and publishes it on commit.
func (s *Service) Post(ctx context.Context, tenant uuid.UUID, body string) (*Note, error) {
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > 2000 {
		return nil, apperr.Invalid([]string{"input", "body"}, "body must be 1–2000 characters (got %d)", n)
	}
	n := &Note{TenantID: tenant, ID: uuid.New(), Body: body, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(n).Exec(ctx); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{TenantID: tenant, Action: "note.post", TargetType: "Note", TargetID: n.ID}); err != nil {
			return err
		}
		return realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: Topic, ID: n.ID.String()})
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// Get returns one note, or NOT_FOUND.
func (s *Service) Get(ctx context.Context, tenant, id uuid.UUID) (*Note, error) {
	n := new(Note)
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(n).Where("id = ?", id).Scan(ctx)
	})
	if err != nil {
		return nil, db.NotFound(err, "note not found")
	}
	return n, nil
}

// ByID returns tenant's notes with the given ids, by id (missing ids are
// absent).
func (s *Service) ByID(ctx context.Context, tenant uuid.UUID, ids []uuid.UUID) (map[uuid.UUID]*Note, error) {
	var rows []Note
	err := s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		return tx.NewSelect().Model(&rows).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	})
	out := make(map[uuid.UUID]*Note, len(rows))
	for i := range rows {
		out[rows[i].ID] = &rows[i]
	}
	return out, err
}

// List pages the tenant's notes, newest first.
func (s *Service) List(ctx context.Context, tenant uuid.UUID, args relay.Args) (page *relay.Page[Note], err error) {
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		page, err = relay.Paginate(ctx, tx.NewSelect().Model((*Note)(nil)), args, "created_at", "id",
			func(n *Note) relay.Cursor { return relay.Cursor{At: n.CreatedAt, ID: n.ID} })
		return err
	})
	return page, err
}

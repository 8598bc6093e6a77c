// Package relay implements the Relay conventions every Stratum list follows:
// opaque global IDs ("Type:uuid", base64url) and cursor connections with
// first/after/last/before, pageInfo and totalCount, paged by keyset on
// (sort column, id) so pages stay stable while rows are added.
package relay

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
)

// MaxPageSize caps first and last.
const MaxPageSize = 100

// DefaultPageSize applies when neither first nor last is given.
const DefaultPageSize = 20

// GlobalID encodes typ and id as an opaque global ID.
func GlobalID(typ string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id.String()))
}

// ParseGlobalID decodes a global ID into its type name and uuid.
func ParseGlobalID(gid string) (string, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(gid)
	if err != nil {
		return "", uuid.Nil, apperr.Invalid([]string{"id"}, "%q is not a valid id", gid)
	}
	typ, raw, ok := strings.Cut(string(b), ":")
	id, err := uuid.Parse(raw)
	if !ok || err != nil || typ == "" {
		return "", uuid.Nil, apperr.Invalid([]string{"id"}, "%q is not a valid id", gid)
	}
	return typ, id, nil
}

// ParseTypedID decodes gid and checks it names an object of type typ.
func ParseTypedID(gid, typ string, field ...string) (uuid.UUID, error) {
	t, id, err := ParseGlobalID(gid)
	if err != nil || t != typ {
		if len(field) == 0 {
			field = []string{"id"}
		}
		return uuid.Nil, apperr.Invalid(field, "%q is not a %s id", gid, typ)
	}
	return id, nil
}

// PageInfo is Relay's page information.
type PageInfo struct {
	HasNextPage     bool    `json:"hasNextPage"`
	HasPreviousPage bool    `json:"hasPreviousPage"`
	StartCursor     *string `json:"startCursor"`
	EndCursor       *string `json:"endCursor"`
}

// Args are a connection field's paging arguments.
type Args struct {
	First  *int
	After  *string
	Last   *int
	Before *string
	// SkipCount leaves Page.TotalCount 0 without counting: the caller
	// knows totalCount was not asked for (a count(*) of the whole filter
	// is often the dearest statement of a page).
	SkipCount bool
}

// Cursor is a row's position: its sort value and id.
type Cursor struct {
	At time.Time
	ID uuid.UUID
}

func (c Cursor) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d:%s", c.At.UnixMicro(), c.ID)))
}

// Cursor times are microseconds since the epoch within the years 1–9999,
// what PostgreSQL's timestamptz holds (the time goes into the SQL text).
var (
	minCursorMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxCursorMicros = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro() - 1
)

// CursorTime is the time of a cursor's micros since the epoch, and whether
// it is one PostgreSQL's timestamptz can hold (years 1–9999): a forged
// cursor's time is refused before it reaches SQL.
func CursorTime(micros int64) (time.Time, bool) {
	if micros < minCursorMicros || micros > maxCursorMicros {
		return time.Time{}, false
	}
	return time.UnixMicro(micros).UTC(), true
}

func parseCursor(field, s string) (Cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		at, id, ok := strings.Cut(string(b), ":")
		micros, err2 := strconv.ParseInt(at, 10, 64)
		t, inRange := CursorTime(micros)
		if ok && err2 == nil && inRange {
			if u, err3 := uuid.Parse(id); err3 == nil {
				return Cursor{At: t, ID: u}, nil
			}
		}
	}
	return Cursor{}, apperr.Invalid([]string{field}, "not a valid cursor (use a cursor this connection returned)")
}

// Page is one page of items with their cursors.
type Page[T any] struct {
	Items      []T
	Cursors    []string
	Info       PageInfo
	TotalCount int
}

// Paginate runs q (a select of T, newest first by sortCol then id) for the
// page args ask for. sortCol and idCol are column expressions such as
// "created_at" and "id"; key gives an item's cursor.
func Paginate[T any](ctx context.Context, q *bun.SelectQuery, args Args, sortCol, idCol string, key func(*T) Cursor) (*Page[T], error) {
	w, err := ParseArgs(args)
	if err != nil {
		return nil, err
	}
	var total int64
	if !args.SkipCount {
		n, err := q.Clone().Count(ctx)
		if err != nil {
			return nil, err
		}
		total = n
	}
	items, err := ReadWindow[T](ctx, q, w, sortCol, idCol)
	if err != nil {
		return nil, err
	}
	return NewPage(items, w, int(total), key), nil
}

// ReadWindow runs q (a select of T) for w: past its cursors by (sortCol,
// idCol), in its order (newest first; oldest first when w.Backward), at
// most w.Limit+1 items — what NewPage takes.
func ReadWindow[T any](ctx context.Context, q *bun.SelectQuery, w Window, sortCol, idCol string) ([]T, error) {
	if w.After != nil {
		q = q.Where(fmt.Sprintf("(%s, %s) < (?, ?)", sortCol, idCol), w.After.At, w.After.ID)
	}
	if w.Before != nil {
		q = q.Where(fmt.Sprintf("(%s, %s) > (?, ?)", sortCol, idCol), w.Before.At, w.Before.ID)
	}
	dir := "DESC"
	if w.Backward {
		dir = "ASC"
	}
	var items []T
	if err := q.OrderExpr(fmt.Sprintf("%s %s, %s %s", sortCol, dir, idCol, dir)).Limit(int64(w.Limit+1)).Scan(ctx, &items); err != nil {
		return nil, err
	}
	return items, nil
}

// Window is a page's args checked and parsed: how many items, which way
// (Backward: the items before Before, read oldest first) and the cursors.
type Window struct {
	Limit         int
	Backward      bool
	After, Before *Cursor
}

// ParseArgs checks args (first or last, within MaxPageSize; cursors that
// parse) for a connection paged by hand; Paginate does it for a query.
func ParseArgs(args Args) (Window, error) {
	if args.First != nil && args.Last != nil {
		return Window{}, apperr.Invalid([]string{"first"}, "give first or last, not both")
	}
	w := Window{Limit: DefaultPageSize}
	switch {
	case args.First != nil:
		w.Limit = *args.First
	case args.Last != nil:
		w.Limit, w.Backward = *args.Last, true
	}
	if w.Limit < 0 || w.Limit > MaxPageSize {
		f := "first"
		if w.Backward {
			f = "last"
		}
		return Window{}, apperr.Invalid([]string{f}, "%s must be between 0 and %d", f, MaxPageSize)
	}
	if args.After != nil {
		c, err := parseCursor("after", *args.After)
		if err != nil {
			return Window{}, err
		}
		w.After = &c
	}
	if args.Before != nil {
		c, err := parseCursor("before", *args.Before)
		if err != nil {
			return Window{}, err
		}
		w.Before = &c
	}
	return w, nil
}

// Less reports whether a sorts before b in a log's (time, id) order, the
// ids compared as PostgreSQL compares uuids (byte by byte).
func (c Cursor) Less(b Cursor) bool {
	if !c.At.Equal(b.At) {
		return c.At.Before(b.At)
	}
	return bytes.Compare(c.ID[:], b.ID[:]) < 0
}

// NewPage is the page of items read for w: up to w.Limit+1 items in the
// order read (newest first; oldest first when w.Backward), the one past
// the limit telling that there are more.
func NewPage[T any](items []T, w Window, total int, key func(*T) Cursor) *Page[T] {
	more := len(items) > w.Limit
	if more {
		items = items[:w.Limit]
	}
	if w.Backward {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	p := &Page[T]{Items: items, TotalCount: total}
	for i := range items {
		p.Cursors = append(p.Cursors, key(&items[i]).String())
	}
	if n := len(p.Cursors); n > 0 {
		p.Info.StartCursor, p.Info.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	if w.Backward {
		p.Info.HasPreviousPage, p.Info.HasNextPage = more, w.Before != nil
	} else {
		p.Info.HasNextPage, p.Info.HasPreviousPage = more, w.After != nil
	}
	return p
}

// Edges maps a page to a connection's edges with mk(item, cursor).
func Edges[T, E any](p *Page[T], mk func(item *T, cursor string) E) []E {
	out := make([]E, len(p.Items))
	for i := range p.Items {
		out[i] = mk(&p.Items[i], p.Cursors[i])
	}
	return out
}

// Complexity is a connection field's cost: its selection times the page
// size asked for (DefaultPageSize when neither first nor last is given).
func Complexity(child int, first, last *int) int {
	n := DefaultPageSize
	if first != nil {
		n = *first
	} else if last != nil {
		n = *last
	}
	if n < 1 {
		n = 1
	}
	if n > MaxPageSize {
		n = MaxPageSize
	}
	return 1 + child*n
}

// MaxFilterValues bounds the values of a connection's list filter (a
// status, state or severity list): each goes into the statement, and
// every enum filtered on has fewer.
const MaxFilterValues = 20

// CheckFilter refuses a list filter argument (field) of n values beyond
// MaxFilterValues; what names them (e.g. "statuses") words the message.
func CheckFilter(field string, n int, what string) error {
	if n > MaxFilterValues {
		return apperr.Invalid([]string{field}, "give at most %d %s", MaxFilterValues, what)
	}
	return nil
}

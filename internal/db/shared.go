package db

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// sharedTx is one tenant transaction that every InTenant call of one
// read-only request (a GraphQL query) runs in, one call at a time, instead of
// each taking its own connection and transaction. A dashboard query reads the
// trust gate, the action queue, the incidents and their campaigns, rules and
// timelines: six transactions (BEGIN, set_config, …, COMMIT) and six pool
// acquisitions, three of them at once. Under load every request queued for
// the pool six times (docs/benchmarks.md, "Trust reads under load"); now it
// queues once and spends three fewer round trips per read.
type sharedTx struct {
	db     *DB
	tenant uuid.UUID
	ctx    context.Context // the request's: the transaction rolls back if it ends unended

	mu    sync.Mutex
	tx    *bun.Tx
	now   time.Time // fixed when tx began (DB.Now)
	ended bool
}

type sharedKey struct{}

// WithSharedTx returns a context in which InTenant(ctx, tenant, fn) — called
// outside any transaction — runs fn in one transaction shared by all such
// calls until end is called, opening it on first use. Calls are serialised;
// a call that fails rolls the transaction back and the next call opens a
// new one. The transaction is implicit (implicit.go, ADR 0028): no BEGIN or
// COMMIT is sent; each query goes with the tenant setting in one round trip
// and runs as its own READ COMMITTED implicit transaction, until a statement
// that is not an argument-free query begins a real READ ONLY one. Either
// way it is read-only: a write in it fails with SQLSTATE 25006
// (read_only_sql_transaction), and a read that may write (built-in rows
// created on first read) uses InTenantRW. end commits and
// must be called once the request's reads are done; if the request's ctx
// ends first, database/sql rolls the transaction back. Every call in one
// transaction sees the time fixed when it began (DB.Now). Use it only for
// read requests (GraphQL queries): a mutation's writes need their own
// transaction's all-or-nothing. Calls for another tenant, and nested calls
// (fn's ctx carries its transaction), take their own transaction as before.
func (d *DB) WithSharedTx(ctx context.Context, tenant uuid.UUID) (context.Context, func()) {
	s := &sharedTx{db: d, tenant: tenant, ctx: ctx}
	return context.WithValue(ctx, sharedKey{}, s), s.end
}

// shared returns the shared transaction InTenant(ctx, tenant, …) may use.
func (d *DB) shared(ctx context.Context, tenant uuid.UUID) (*sharedTx, bool) {
	s, ok := ctx.Value(sharedKey{}).(*sharedTx)
	if !ok || s.db != d || s.tenant != tenant {
		return nil, false
	}
	if _, inTx := TxFromContext(ctx); inTx {
		return nil, false // nested: never wait for the lock our caller holds
	}
	return s, true
}

// run runs fn in the shared transaction. It reports false (fn not run) once
// the transaction has ended.
func (s *sharedTx) run(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) (ran bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return false, nil
	}
	if s.tx == nil {
		// The request's context (the transaction outlives this call), and
		// this caller's first read if it has one.
		tx, err := s.db.Bun.BeginTx(withImplicitFirst(s.ctx, s.tenant, ctx), nil)
		if err != nil {
			return true, fmt.Errorf("begin tenant transaction: %w", err)
		}
		s.tx, s.now = &tx, s.db.clock().Now()
	}
	ok := false
	defer func() {
		if !ok { // an error (or a panic) may have aborted the transaction
			s.tx.Rollback()
			s.tx = nil
		}
	}()
	err = fn(s.db.withTx(ctx, *s.tx, s.now), *s.tx)
	ok = err == nil
	return true, err
}

func (s *sharedTx) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	if s.tx != nil {
		s.tx.Commit()
		s.tx = nil
	}
}

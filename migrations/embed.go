// Package migrations holds Stratum's SQL migrations, embedded in the binary
// and applied in version order by goose (internal/db.Migrator, ADR 0011).
//
// One file per version, NNNN_name.sql, with a "-- +goose Up" section and a
// "-- +goose Down" section. goose splits each section at semicolons ending a
// line; wrap a statement with semicolons inside (a function body, a DO
// block) in "-- +goose StatementBegin" / "-- +goose StatementEnd". Each file
// runs in one transaction. Every tenant table calls
// stratum_tenant_table('<table>') (defined in 0001) for its RLS policy.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

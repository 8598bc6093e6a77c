// Package migrations holds Stratum's SQL migrations, embedded in the binary.
// Files are named NNNN_name.up.sql and NNNN_name.down.sql and applied in
// order by internal/db.Migrator. Every tenant table calls
// stratum_tenant_table('<table>') (defined in 0001) for its RLS policy.
package migrations

import "embed"

// FS holds the migration files.
//
//go:embed *.sql
var FS embed.FS

package testdb

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/db"
)

// Fixtures: the rows most tests need before they can start (a tenant, a
// user, a membership), inserted as the application role through the same
// tenant transactions the code uses, so RLS applies to them as to real
// writes. Tests call these instead of writing their own INSERTs, so a
// schema change to these tables is made here once.

// Tenant describes a tenants row for InsertTenant and MustInsertTenant.
// Zero fields get defaults.
type Tenant struct {
	// ID is the tenant's id (a new one when zero).
	ID uuid.UUID
	// Name defaults to "T".
	Name string
	// Slug defaults to "t-" and the first 8 characters of the id, which is
	// unique enough for one test database.
	Slug string
	// Plan is the tenant's plan (tenant_billing, ACTIVE); default starter.
	Plan string
	// Simulated marks a tenant whose platform data comes from the simulator.
	Simulated bool
	// RequireMFA makes the tenant require MFA of its members.
	RequireMFA bool
}

// InsertTenant inserts tn in tx, which must be the transaction of tenant
// tn.ID (db.InTenant): use it when the insert is part of what the test
// checks (e.g. that it commits or rolls back with something else). It
// returns the tenant's id.
func InsertTenant(ctx context.Context, tx bun.IDB, tn Tenant) (uuid.UUID, error) {
	if tn.ID == uuid.Nil {
		tn.ID = uuid.New()
	}
	if tn.Name == "" {
		tn.Name = "T"
	}
	if tn.Slug == "" {
		tn.Slug = "t-" + tn.ID.String()[:8]
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO tenants (id, name, slug, simulated, require_mfa)
		VALUES (?, ?, ?, ?, ?)`, tn.ID, tn.Name, tn.Slug, tn.Simulated, tn.RequireMFA)
	if err != nil || tn.Plan == "" {
		return tn.ID, err
	}
	// The tenants trigger made the billing row (Starter, ACTIVE).
	_, err = tx.ExecContext(ctx, `UPDATE tenant_billing SET plan = ? WHERE tenant_id = ?`, tn.Plan, tn.ID)
	return tn.ID, err
}

// MustInsertTenant inserts tn in its own tenant transaction and returns
// its id; it fails the test on error.
func MustInsertTenant(t testing.TB, d *db.DB, tn Tenant) uuid.UUID {
	t.Helper()
	if tn.ID == uuid.Nil {
		tn.ID = uuid.New()
	}
	err := d.InTenant(context.Background(), tn.ID, func(ctx context.Context, tx bun.Tx) error {
		_, err := InsertTenant(ctx, tx, tn)
		return err
	})
	if err != nil {
		t.Fatalf("testdb: insert tenant: %v", err)
	}
	return tn.ID
}

// UnusablePassword is the password hash of fixture users made without
// one: no password verifies against it (it is not a PHC string).
const UnusablePassword = "!"

// User describes a users row for MustInsertUser. Zero fields get defaults.
type User struct {
	// ID is the user's id (a new one when zero).
	ID uuid.UUID
	// Email defaults to a unique address under example.test.
	Email string
	// PasswordHash defaults to UnusablePassword; give a hash from
	// auth.Service.HashNewPassword for a user who logs in.
	PasswordHash string
	// Operator makes the user a platform operator.
	Operator bool
}

// MustInsertUser inserts u (users is a global table) and returns its id.
func MustInsertUser(t testing.TB, d *db.DB, u User) uuid.UUID {
	t.Helper()
	if u.ID == uuid.Nil {
		u.ID = uuid.New()
	}
	if u.Email == "" {
		u.Email = "user-" + u.ID.String()[:8] + "@example.test"
	}
	if u.PasswordHash == "" {
		u.PasswordHash = UnusablePassword
	}
	err := d.InGlobal(context.Background(), func(ctx context.Context, tx bun.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO users (id, email, password_hash, operator) VALUES (?, ?, ?, ?)`,
			u.ID, u.Email, u.PasswordHash, u.Operator)
		return err
	})
	if err != nil {
		t.Fatalf("testdb: insert user: %v", err)
	}
	return u.ID
}

// MustInsertMember makes user a member of tenant with role (OWNER, ADMIN,
// ANALYST or VIEWER), counts the member in the tenant's members usage, and
// returns the membership's id.
func MustInsertMember(t testing.TB, d *db.DB, tenant, user uuid.UUID, role string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := d.InTenant(context.Background(), tenant, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (tenant_id, user_id, id, role) VALUES (?, ?, ?, ?)`, tenant, user, id, role); err != nil {
			return err
		}
		// The members counter (domain/billing's tenant_usage) counts the
		// fixture as tenancy counts a joining member, unchecked.
		_, err := tx.ExecContext(ctx, `INSERT INTO tenant_usage AS u (tenant_id, limit_key, period_start, used, updated_at)
			VALUES (?, 'members', '1970-01-01', 1, ?) ON CONFLICT (tenant_id, limit_key, period_start) DO UPDATE SET used = u.used + 1`,
			tenant, db.TxNow(ctx))
		return err
	})
	if err != nil {
		t.Fatalf("testdb: insert member: %v", err)
	}
	return id
}

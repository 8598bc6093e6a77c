// Users: the user record, its memberships, creating one (with its
// sign-up credentials) and reading it.

package auth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/derrors"
)

// User is a row of users.
type User struct {
	bun.BaseModel `bun:"table:users"`
	ID            uuid.UUID `bun:"id,pk"`
	Email         string    `bun:"email"`
	PasswordHash  string    `bun:"password_hash"`
	MFASecret     []byte    `bun:"mfa_secret"`
	MFAEnabled    bool      `bun:"mfa_enabled"`
	MFALastStep   int64     `bun:"mfa_last_step"`
	Operator      bool      `bun:"operator"`
	// EmailVerifiedAt is when the owner of Email followed a verification
	// link sent to it (or reset the password through one); nil until then.
	EmailVerifiedAt *time.Time `bun:"email_verified_at"`
	CreatedAt       time.Time  `bun:"created_at"`
}

// Membership is one of a user's tenants.
type Membership struct {
	TenantID     uuid.UUID `bun:"tenant_id"`
	TenantName   string    `bun:"tenant_name"`
	Plan         string    `bun:"plan"`
	RequireMFA   bool      `bun:"require_mfa"`
	Role         Role      `bun:"role"`
	MembershipID uuid.UUID `bun:"membership_id"`
}

// NormalizeEmail trims and lower-cases an address and checks its shape.
func NormalizeEmail(email string, field []string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(email))
	at := strings.LastIndexByte(e, '@')
	if len(e) < 3 || len(e) > 254 || at < 1 || at == len(e)-1 || strings.ContainsAny(e, " \t\r\n<>") {
		return "", apperr.Invalid(field, "enter a valid email address")
	}
	return e, nil
}

// MembershipSource reads a user's memberships, which are tenancy's rows
// (tenants, memberships). tenancy builds on auth, so auth cannot call it:
// tenancy.Service implements this and app.NewServices sets it as
// Service.MembershipSource (the dependency inverted).
type MembershipSource interface {
	// UserMemberships lists uid's memberships across tenants, oldest first.
	UserMemberships(ctx context.Context, uid uuid.UUID) ([]Membership, error)
	// MembershipTx reads uid's membership of the tenant of tx (a tenant
	// transaction); sql.ErrNoRows (wrapped) when uid is not a member.
	MembershipTx(ctx context.Context, tx bun.IDB, uid uuid.UUID) (Membership, error)
}

var errNoMembershipSource = errors.New("auth.Service.MembershipSource is not set")

// Memberships lists uid's tenants across tenants (MembershipSource).
func (s *Service) Memberships(ctx context.Context, uid uuid.UUID) (_ []Membership, err error) {
	defer derrors.Wrap(&err, "auth.Service.Memberships(%v)", uid)
	if s.MembershipSource == nil {
		return nil, errNoMembershipSource
	}
	return s.MembershipSource.UserMemberships(ctx, uid)
}

// UserByID loads a user.
func (s *Service) UserByID(ctx context.Context, id uuid.UUID) (_ *User, err error) {
	defer derrors.Wrap(&err, "auth.Service.UserByID(%v)", id)
	u := new(User)
	if err := db.ScanByID(ctx, s.DB.Bun, u, id, db.NoLock, "user not found"); err != nil {
		return nil, err
	}
	return u, nil
}

// UserByEmail loads a user by normalized email.
func (s *Service) UserByEmail(ctx context.Context, email string) (_ *User, err error) {
	defer derrors.Wrap(&err, "auth.Service.UserByEmail")
	u := new(User)
	if err := s.DB.Bun.NewSelect().Model(u).Where("email = ?", email).Scan(ctx); err != nil {
		return nil, db.NotFound(err, "user not found")
	}
	return u, nil
}

// UserFacts are what other contexts show of a user: the e-mail address,
// whether MFA is on and whether the address is verified.
type UserFacts struct {
	Email         string
	MFAEnabled    bool
	EmailVerified bool
}

// UserFactsTx reads the facts of the users ids in tx, by id (an unknown id
// is absent). users is a global table: callers pass only ids read from
// their own tenant's rows (its members, its audit actors), so a tenant
// sees the e-mails of its members and actors only.
func UserFactsTx(ctx context.Context, tx bun.IDB, ids []uuid.UUID) (_ map[uuid.UUID]UserFacts, err error) {
	defer derrors.Wrap(&err, "auth.UserFactsTx")
	facts := make(map[uuid.UUID]UserFacts, len(ids))
	if len(ids) == 0 {
		return facts, nil
	}
	var us []User
	if err := tx.NewSelect().Model(&us).Column("id", "email", "mfa_enabled", "email_verified_at").Where("id IN (?)", bun.List(ids)).Scan(ctx); err != nil {
		return nil, err
	}
	for _, u := range us {
		facts[u.ID] = UserFacts{Email: u.Email, MFAEnabled: u.MFAEnabled, EmailVerified: u.EmailVerifiedAt != nil}
	}
	return facts, nil
}

// UserIDByEmailTx returns the id of the account with the normalised email
// in tx, or uuid.Nil when there is none.
func UserIDByEmailTx(ctx context.Context, tx bun.IDB, email string) (_ uuid.UUID, err error) {
	defer derrors.Wrap(&err, "auth.UserIDByEmailTx")
	var ids []uuid.UUID
	if err := tx.NewSelect().Model((*User)(nil)).Column("id").Where("email = ?", email).Scan(ctx, &ids); err != nil {
		return uuid.Nil, err
	}
	if len(ids) == 0 {
		return uuid.Nil, nil
	}
	return ids[0], nil
}

// CreateUser inserts a user in tx with passwordHash (from HashNewPassword,
// made before the transaction began).
func (s *Service) CreateUser(ctx context.Context, tx bun.IDB, email, passwordHash string) (_ *User, err error) {
	defer derrors.Wrap(&err, "auth.Service.CreateUser")
	hash := passwordHash
	u := &User{ID: uuid.New(), Email: email, PasswordHash: hash, CreatedAt: s.DB.Now(ctx)}
	if _, err := tx.NewInsert().Model(u).Exec(ctx); err != nil {
		if isUniqueViolation(err) {
			return nil, &apperr.Error{Code: apperr.Conflict, Field: []string{"input", "email"}, Message: "an account with this email already exists; log in instead"}
		}
		return nil, err
	}
	return u, nil
}

func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "SQLSTATE 23505")
}

// membershipIn reads uid's membership of the transaction's tenant
// (MembershipSource).
func (s *Service) membershipIn(ctx context.Context, tx bun.IDB, uid uuid.UUID) (Membership, error) {
	if s.MembershipSource == nil {
		return Membership{}, errNoMembershipSource
	}
	return s.MembershipSource.MembershipTx(ctx, tx, uid)
}

// SignUpCredentials is auth's part of a sign-up, done before the caller's
// transaction (tenancy.Service.SignUp): it checks password against the
// policy, takes a token from the client IP's sign-up bucket (THROTTLED when
// empty) and hashes the password, so no connection waits for argon2. email
// must already be normalised (NormalizeEmail). The caller then creates the
// user with CreateUser and the first session with IssueSession in its
// transaction.
func (s *Service) SignUpCredentials(ctx context.Context, email, password string) (hash string, err error) {
	defer derrors.Wrap(&err, "auth.Service.SignUpCredentials")
	if err := CheckPasswordPolicy(password, email, []string{"input", "password"}); err != nil {
		return "", err
	}
	refund, err := s.reserve(ctx, claim{keySignUpIP + LimitKeyIP(ClientFrom(ctx).IP), s.Cfg.SignUpIP})
	if err != nil {
		return "", err
	}
	if hash, err = s.HashNewPassword(ctx, password); err != nil {
		refund() // not attempted
		return "", err
	}
	return hash, nil
}

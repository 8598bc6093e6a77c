package auth

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/db"
	"github.com/stratumhq/stratum/internal/relay"
)

// Config are the identity settings (internal/config has their variables).
type Config struct {
	// Secret signs access and challenge tokens (HS256).
	Secret []byte
	// AccessTTL is an access token's lifetime (default 30m).
	AccessTTL time.Duration
	// RefreshTTL is a refresh token's lifetime (default 7 days).
	RefreshTTL time.Duration
	// ChallengeTTL is an MFA challenge token's lifetime (default 5m).
	ChallengeTTL time.Duration
	// Argon2 are the parameters of new password hashes.
	Argon2 Argon2Params
	// LoginIP and LoginAccount throttle failed log-ins (and MFA codes) per
	// client IP and per account; every attempt reserves a point before it
	// is evaluated and gets it back when it succeeds.
	LoginIP, LoginAccount Bucket
	// SignUpIP throttles sign-ups per client IP (each costs an argon2 hash).
	SignUpIP Bucket
}

// Service signs users up and in, rotates sessions, manages MFA and API
// keys, and turns credentials into principals.
type Service struct {
	DB          *db.DB
	Cfg         Config
	Box         *Box
	Revocations *Revocations
	Limiter     *Limiter
	// Audit records an entry in a tenant transaction (domain/audit.Record;
	// injected to keep auth free of an import cycle).
	Audit func(ctx context.Context, tx bun.IDB, e AuditRecord) error
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Hasher bounds concurrent argon2 work (a default one when nil).
	Hasher *Hasher
	// Log receives errors that must not fail the request (slog.Default when nil).
	Log *slog.Logger

	hasherOnce sync.Once
	dummyMu    sync.Mutex
	dummyHash  string
	members    memberCache
	keys       apiKeyCache
	tokenOnce  sync.Once
	tokens     tokenCache
}

// AuditRecord is what auth asks the audit log to record; the Audit hook
// (audit.ForAuth in production) turns it into an audit.Entry in the same transaction.
type AuditRecord struct {
	TenantID   uuid.UUID
	ActorType  string // "" means: from the request's principal
	ActorID    uuid.UUID
	ActorEmail string
	Action     string
	TargetType string
	TargetID   uuid.UUID
	Outcome    string // "" means SUCCESS
	Details    map[string]any
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) audit(ctx context.Context, tx bun.IDB, e AuditRecord) error {
	if s.Audit == nil {
		return nil
	}
	return s.Audit(ctx, tx, e)
}

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
	CreatedAt     time.Time `bun:"created_at"`
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

// Session is what a successful sign-in returns.
type Session struct {
	AccessToken  string
	RefreshToken string
	ExpiresAt    time.Time
	Claims       *Claims
}

// LogInResult is a session, or a challenge when MFA is required.
type LogInResult struct {
	Session        *Session
	ChallengeToken string
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

// Memberships lists uid's tenants across tenants (SECURITY DEFINER read).
func (s *Service) Memberships(ctx context.Context, uid uuid.UUID) ([]Membership, error) {
	var ms []Membership
	err := s.DB.Bun.NewRaw("SELECT * FROM stratum_user_memberships(?)", uid).Scan(ctx, &ms)
	return ms, err
}

// UserByID loads a user.
func (s *Service) UserByID(ctx context.Context, id uuid.UUID) (*User, error) {
	u := new(User)
	if err := s.DB.Bun.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, db.NotFound(err, "user not found")
	}
	return u, nil
}

// UserByEmail loads a user by normalized email.
func (s *Service) UserByEmail(ctx context.Context, email string) (*User, error) {
	u := new(User)
	if err := s.DB.Bun.NewSelect().Model(u).Where("email = ?", email).Scan(ctx); err != nil {
		return nil, db.NotFound(err, "user not found")
	}
	return u, nil
}

// CreateUser inserts a user in tx with passwordHash (from HashNewPassword,
// made before the transaction began).
func (s *Service) CreateUser(ctx context.Context, tx bun.IDB, email, passwordHash string) (*User, error) {
	hash := passwordHash
	u := &User{ID: uuid.New(), Email: email, PasswordHash: hash, CreatedAt: s.now().UTC()}
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

// IssueSession starts a refresh-token family for user in m's tenant inside
// tx and returns its first tokens.
func (s *Service) IssueSession(ctx context.Context, tx bun.IDB, u *User, m Membership, mfa bool) (*Session, error) {
	now := s.now()
	sid := uuid.New()
	c := Client{}
	if cl := ClientFrom(ctx); cl != (Client{}) {
		c = cl
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, user_id, acting_tenant_id, expires_at, mfa, ip, user_agent)
		VALUES (?, ?, ?, ?, ?, NULLIF(?, ''), NULLIF(?, ''))`, sid, u.ID, m.TenantID, now.Add(s.Cfg.RefreshTTL), mfa, c.IP, truncate(c.UserAgent, 500)); err != nil {
		return nil, err
	}
	return s.rotate(ctx, tx, sid, u, m, mfa, now)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// rotate issues a refresh token in family sid and an access token.
func (s *Service) rotate(ctx context.Context, tx bun.IDB, sid uuid.UUID, u *User, m Membership, mfa bool, now time.Time) (*Session, error) {
	refresh, err := RandomToken(32)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO refresh_tokens (token_hash, session_id, issued_at, expires_at) VALUES (?, ?, ?, ?)`,
		HashSecret(refresh), sid, now, now.Add(s.Cfg.RefreshTTL)); err != nil {
		return nil, err
	}
	c := newClaims(KindAccess, u.ID, m.TenantID, now, s.Cfg.AccessTTL)
	c.Role, c.SessionID, c.Plan, c.MFA, c.MFARequired, c.Operator = m.Role, sid, m.Plan, mfa, m.RequireMFA, u.Operator
	access, err := SignToken(s.Cfg.Secret, c)
	if err != nil {
		return nil, err
	}
	return &Session{AccessToken: access, RefreshToken: refresh, ExpiresAt: c.ExpiresAt.Time, Claims: c}, nil
}

// membershipIn reads uid's membership of the transaction's tenant.
func membershipIn(ctx context.Context, tx bun.IDB, uid uuid.UUID) (Membership, error) {
	var m Membership
	err := tx.NewRaw(`SELECT t.id AS tenant_id, t.name AS tenant_name, t.plan, t.require_mfa, m.role, m.id AS membership_id
		FROM memberships m JOIN tenants t ON t.id = m.tenant_id WHERE m.user_id = ?`, uid).Scan(ctx, &m)
	return m, err
}

// SignUpCredentials is auth's part of a sign-up, done before the caller's
// transaction (tenancy.Service.SignUp): it checks password against the
// policy, takes a token from the client IP's sign-up bucket (THROTTLED when
// empty) and hashes the password, so no connection waits for argon2. email
// must already be normalised (NormalizeEmail). The caller then creates the
// user with CreateUser and the first session with IssueSession in its
// transaction.
func (s *Service) SignUpCredentials(ctx context.Context, email, password string) (hash string, err error) {
	if err := CheckPasswordPolicy(password, email, []string{"input", "password"}); err != nil {
		return "", err
	}
	refund, err := s.reserve(ctx, claim{keySignUpIP + ClientFrom(ctx).IP, s.Cfg.SignUpIP})
	if err != nil {
		return "", err
	}
	if hash, err = s.HashNewPassword(ctx, password); err != nil {
		refund() // not attempted
		return "", err
	}
	return hash, nil
}

// ErrBadCredentials is the one answer for an unknown email and a wrong
// password alike.
var ErrBadCredentials = apperr.Unauthenticatedf("email or password is incorrect")

// LogIn checks email and password (CheckPassword: throttled, audited, the
// same answer for an unknown e-mail and a wrong password). With MFA
// enabled it returns a challenge token for VerifyMfa instead of a session.
func (s *Service) LogIn(ctx context.Context, email, password string) (*LogInResult, error) {
	u, err := s.CheckPassword(ctx, email, password, "logIn")
	if err != nil {
		return nil, err
	}
	ms, err := s.Memberships(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if len(ms) == 0 {
		return nil, apperr.Forbiddenf("this account belongs to no tenant; ask for an invitation")
	}
	m := ms[0]
	if u.MFAEnabled {
		c := newClaims(KindChallenge, u.ID, m.TenantID, s.now(), s.Cfg.ChallengeTTL)
		tok, err := SignToken(s.Cfg.Secret, c)
		if err != nil {
			return nil, err
		}
		return &LogInResult{ChallengeToken: tok}, nil
	}
	var sess *Session
	err = s.DB.InTenant(ctx, m.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if sess, err = s.IssueSession(ctx, tx, u, m, false); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: m.TenantID, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email, Action: "auth.log_in"})
	})
	if err != nil {
		return nil, err
	}
	return &LogInResult{Session: sess}, nil
}

// auditUser records an event of u in each of u's tenants' logs (in its own
// transactions: used for failures, where there is no change to join). A
// failure to write is logged, never returned: the answer to the caller
// must not depend on it.
func (s *Service) auditUser(ctx context.Context, u *User, action, outcome string, details map[string]any) {
	ms, err := s.Memberships(ctx, u.ID)
	if err != nil {
		s.log().ErrorContext(ctx, "audit: list memberships", "action", action, "user", u.ID, "err", err)
		return
	}
	for _, m := range ms {
		err := s.DB.InTenant(ctx, m.TenantID, func(ctx context.Context, tx bun.Tx) error {
			return s.audit(ctx, tx, AuditRecord{TenantID: m.TenantID, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email,
				Action: action, Outcome: outcome, Details: details})
		})
		if err != nil {
			s.log().ErrorContext(ctx, "audit: record", "action", action, "outcome", outcome, "user", u.ID, "tenant", m.TenantID, "err", err)
		}
	}
}

// ErrSessionEnded answers refresh tokens that are unknown, expired,
// revoked or reused.
var ErrSessionEnded = apperr.Unauthenticatedf("the session has ended; log in again")

// Refresh rotates a refresh token: the token is spent and a new pair is
// issued in the same family. Presenting a spent token again revokes the
// whole family (someone holds a stolen copy) and fails.
func (s *Service) Refresh(ctx context.Context, token string) (*Session, error) {
	hash := HashSecret(strings.TrimSpace(token))
	var ref struct {
		SessionID uuid.UUID `bun:"session_id"`
		TenantID  uuid.UUID `bun:"tenant_id"`
		UserID    uuid.UUID `bun:"user_id"`
	}
	err := s.DB.Bun.NewRaw(`SELECT rt.session_id, s.acting_tenant_id AS tenant_id, s.user_id FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
		WHERE rt.token_hash = ?`, hash).Scan(ctx, &ref)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, err
	}
	var sess *Session
	var reused bool
	err = s.DB.InTenant(ctx, ref.TenantID, func(ctx context.Context, tx bun.Tx) error {
		var st struct {
			UsedAt    *time.Time `bun:"used_at"`
			ExpiresAt time.Time  `bun:"expires_at"`
			RevokedAt *time.Time `bun:"revoked_at"`
			MFA       bool       `bun:"mfa"`
		}
		if err := tx.NewRaw(`SELECT rt.used_at, rt.expires_at, s.revoked_at, s.mfa FROM refresh_tokens rt JOIN sessions s ON s.id = rt.session_id
			WHERE rt.token_hash = ? FOR UPDATE`, hash).Scan(ctx, &st); err != nil {
			return err
		}
		now := s.now()
		switch {
		case st.RevokedAt != nil || now.After(st.ExpiresAt):
			return ErrSessionEnded
		case st.UsedAt != nil:
			reused = true
			if err := s.revokeSession(ctx, tx, ref.SessionID, "refresh_token_reuse"); err != nil {
				return err
			}
			return s.audit(ctx, tx, AuditRecord{TenantID: ref.TenantID, ActorType: "USER", ActorID: ref.UserID,
				Action: "auth.refresh_reuse_detected", TargetType: relay.TypeSession, TargetID: ref.SessionID, Outcome: "DENIED",
				Details: map[string]any{"effect": "session family revoked"}})
		}
		u := new(User)
		if err := tx.NewSelect().Model(u).Where("id = ?", ref.UserID).Scan(ctx); err != nil {
			return err
		}
		m, err := membershipIn(ctx, tx, ref.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			if err := s.revokeSession(ctx, tx, ref.SessionID, "membership_removed"); err != nil {
				return err
			}
			reused = true // ends with ErrSessionEnded after commit
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?`, now, hash); err != nil {
			return err
		}
		sess, err = s.rotate(ctx, tx, ref.SessionID, u, m, st.MFA, now)
		return err
	})
	if reused {
		s.RefreshRevocations(ctx)
		return nil, ErrSessionEnded
	}
	if err != nil {
		return nil, err
	}
	return sess, nil
}

// revokeSession ends family sid: no refresh token of it works any more and
// every access token issued from it is denied.
func (s *Service) revokeSession(ctx context.Context, tx bun.IDB, sid uuid.UUID, reason string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at = now(), revoked_reason = ? WHERE id = ? AND revoked_at IS NULL`, reason, sid); err != nil {
		return err
	}
	return Insert(ctx, tx, RevokeSession, sid.String(), Forever, s.now().Add(s.Cfg.AccessTTL+time.Minute))
}

// RevokeMemberTokens denies uid's access tokens in tenant issued before
// now (after a role change or removal); with end, it also ends uid's
// sessions in tenant. Call inside the change's tenant transaction.
func (s *Service) RevokeMemberTokens(ctx context.Context, tx bun.IDB, uid, tenant uuid.UUID, end bool) error {
	if end {
		var sids []uuid.UUID
		if err := tx.NewRaw(`SELECT id FROM sessions WHERE user_id = ? AND acting_tenant_id = ? AND revoked_at IS NULL`, uid, tenant).Scan(ctx, &sids); err != nil {
			return err
		}
		for _, sid := range sids {
			if err := s.revokeSession(ctx, tx, sid, "membership_removed"); err != nil {
				return err
			}
		}
	}
	return Insert(ctx, tx, RevokeMember, memberRef(uid, tenant), s.now(), s.now().Add(s.Cfg.AccessTTL+time.Minute))
}

// LogOut ends p's session: its family is revoked and its access token's
// jti denylisted until it expires.
func (s *Service) LogOut(ctx context.Context, p *Principal) error {
	if !p.IsUser() {
		return apperr.Forbiddenf("API keys cannot log out; revoke the key instead")
	}
	err := s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.revokeSession(ctx, tx, p.SessionID, "log_out"); err != nil {
			return err
		}
		if err := Insert(ctx, tx, RevokeJTI, p.TokenID, s.now(), p.ExpiresAt.Add(time.Minute)); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "auth.log_out", TargetType: relay.TypeSession, TargetID: p.SessionID})
	})
	if err != nil {
		return err
	}
	s.RefreshRevocations(ctx)
	return nil
}

// SwitchTenant issues a session in another of the user's tenants and ends
// the current one.
func (s *Service) SwitchTenant(ctx context.Context, p *Principal, tenant uuid.UUID) (*Session, error) {
	if !p.IsUser() {
		return nil, apperr.Forbiddenf("only users can switch tenants")
	}
	ms, err := s.Memberships(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var target *Membership
	for i := range ms {
		if ms[i].TenantID == tenant {
			target = &ms[i]
		}
	}
	if target == nil {
		return nil, &apperr.Error{Code: apperr.NotFound, Field: []string{"input", "tenantId"}, Message: "you are not a member of this tenant"}
	}
	u, err := s.UserByID(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	var sess *Session
	err = s.DB.InTenant(ctx, p.TenantID, func(ctx context.Context, tx bun.Tx) error {
		if err := s.revokeSession(ctx, tx, p.SessionID, "switched_tenant"); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: p.TenantID, Action: "auth.switch_tenant_away", TargetType: relay.TypeTenant, TargetID: tenant})
	})
	if err != nil {
		return nil, err
	}
	err = s.DB.InTenant(ctx, tenant, func(ctx context.Context, tx bun.Tx) error {
		if sess, err = s.IssueSession(ctx, tx, u, *target, p.MFA); err != nil {
			return err
		}
		return s.audit(ctx, tx, AuditRecord{TenantID: tenant, ActorType: "USER", ActorID: u.ID, ActorEmail: u.Email,
			Action: "auth.switch_tenant", TargetType: relay.TypeTenant, TargetID: tenant})
	})
	if err != nil {
		return nil, err
	}
	s.RefreshRevocations(ctx)
	return sess, nil
}

// ErrRevoked answers a credential that was revoked.
var ErrRevoked = apperr.Unauthenticatedf("the credential has been revoked; sign in again")

// Authenticate turns a bearer credential (access token or API key) into a
// principal, checking the denylist and that the token's tenant, role and
// operator claims match the account now (checkMembership: a cached view,
// no database round trip per request).
func (s *Service) Authenticate(ctx context.Context, raw string) (*Principal, error) {
	if LooksLikeAPIKey(raw) {
		return s.authenticateAPIKey(ctx, raw)
	}
	s.tokenOnce.Do(func() { s.tokens = newTokenCache() })
	now := s.now()
	c, ok := s.tokens.get(raw, now)
	if !ok {
		var err error
		if c, err = ParseAccessToken(s.Cfg.Secret, raw, now); err != nil {
			return nil, apperr.Unauthenticatedf("the access token is invalid or expired")
		}
		s.tokens.add(raw, c)
	}
	p := PrincipalOf(c)
	if err := s.CheckRevoked(ctx, p); err != nil {
		return nil, err
	}
	if err := s.checkMembership(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

// CheckRevoked returns ErrRevoked when p was revoked or has expired.
func (s *Service) CheckRevoked(ctx context.Context, p *Principal) error {
	if !p.ExpiresAt.IsZero() && s.now().After(p.ExpiresAt) {
		return apperr.Unauthenticatedf("the access token has expired")
	}
	revoked, err := s.Revocations.Revoked(ctx, p)
	if err != nil {
		return err
	}
	if revoked {
		return ErrRevoked
	}
	return nil
}

// PrincipalOf maps access-token claims to a principal.
func PrincipalOf(c *Claims) *Principal {
	return &Principal{UserID: c.UserID(), TenantID: c.TenantID, Role: c.Role, TokenID: c.ID,
		ExpiresAt: c.ExpiresAt.Time, IssuedAt: c.IssuedAt.Time, Operator: c.Operator, SessionID: c.SessionID,
		Plan: c.Plan, MFA: c.MFA, MFARequired: c.MFARequired}
}

package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/stratumhq/stratum/internal/apperr"
	"github.com/stratumhq/stratum/internal/derrors"
)

// The limiter keys of the attempts auth throttles.
const (
	keyLoginIP      = "login-ip:"   // + client IP: password checks and MFA codes
	keyLoginAccount = "login-acct:" // + normalized e-mail: password checks
	keyMFA          = "login-mfa:"  // + user id: every TOTP/backup code check
	keySignUpIP     = "signup-ip:"  // + client IP: sign-ups
)

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// hasher returns the process's argon2 gate (a default one when none was
// wired, e.g. in tools).
func (s *Service) hasher() *Hasher {
	s.hasherOnce.Do(func() {
		if s.Hasher == nil {
			s.Hasher = &Hasher{Params: s.Cfg.Argon2}
		}
	})
	return s.Hasher
}

// HashNewPassword hashes a password for a new account or a new password.
// Call it before opening a transaction: it may wait for a hashing slot and
// then takes ~100 ms (ErrHashBusy when the server is saturated).
func (s *Service) HashNewPassword(ctx context.Context, password string) (string, error) {
	return s.hasher().Hash(ctx, password)
}

// claim is one limiter bucket an attempt must reserve a point from.
type claim struct {
	key    string
	bucket Bucket
}

// reserve takes one point from each claim's bucket before an attempt is
// evaluated, all or nothing; the caller calls refund when the attempt
// must not count (it succeeded, or was not evaluated). THROTTLED when a
// bucket is empty; the limiter's own errors are returned (fail closed).
func (s *Service) reserve(ctx context.Context, claims ...claim) (refund func(), err error) {
	var taken []claim
	refund = func() {
		rctx := context.WithoutCancel(ctx)
		for _, c := range taken {
			if err := s.Limiter.Give(rctx, c.key, c.bucket, 1); err != nil {
				s.log().WarnContext(ctx, "refund a throttle point", "err", err)
			}
		}
	}
	if s.Limiter == nil {
		return func() {}, nil
	}
	for _, c := range claims {
		if c.bucket.Max <= 0 {
			continue
		}
		ok, avail, err := s.Limiter.Take(ctx, c.key, c.bucket, 1)
		if err != nil {
			refund()
			return nil, err
		}
		if !ok {
			refund()
			return nil, throttledError(avail, c.bucket)
		}
		taken = append(taken, c)
	}
	return refund, nil
}

func throttledError(avail float64, b Bucket) error {
	retry := 1
	if b.Rate > 0 {
		retry = int(math.Ceil((1 - avail) / b.Rate))
	}
	retry = max(retry, 1)
	return &apperr.Error{Code: apperr.Throttled, Message: fmt.Sprintf("too many failed attempts; try again in %d seconds", retry),
		Extensions: map[string]any{"retryAfterSeconds": retry}}
}

// CheckPassword is the one place a password is checked against an
// account (logIn, acceptInvite for an existing account, and any later
// password check). It reserves a point from the client IP's and the
// account's failure buckets before hashing (THROTTLED when either is
// empty), verifies in a hashing slot, gives the points back on success,
// and records a FAILURE audit entry ("auth.log_in", details.via = via) in
// each of the account's tenants otherwise. An unknown or malformed e-mail
// and a wrong password get the same ErrBadCredentials after the same work.
func (s *Service) CheckPassword(ctx context.Context, email, password, via string) (_ *User, err error) {
	defer derrors.Wrap(&err, "auth.Service.CheckPassword(%s)", via)
	norm, emailErr := NormalizeEmail(email, nil)
	claims := []claim{{keyLoginIP + LimitKeyIP(ClientFrom(ctx).IP), s.Cfg.LoginIP}}
	if emailErr == nil {
		claims = append(claims, claim{keyLoginAccount + norm, s.Cfg.LoginAccount})
	}
	refund, err := s.reserve(ctx, claims...)
	if err != nil {
		return nil, err
	}
	u, err := s.checkPassword(ctx, norm, emailErr == nil, password)
	switch {
	case err != nil:
		refund() // not evaluated (busy, database trouble): the attempt does not count
		return nil, err
	case u != nil && u.PasswordHash != "":
		refund()
		return u, nil
	}
	if u != nil { // wrong password of a real account
		s.auditUser(ctx, u, "auth.log_in", "FAILURE", map[string]any{"reason": "wrong password", "via": via})
	}
	return nil, ErrBadCredentials
}

// checkPassword returns the account when password is right, a user with
// an empty PasswordHash when the account exists and the password is
// wrong, nil when there is no such account, and an error when the check
// could not be made.
func (s *Service) checkPassword(ctx context.Context, email string, valid bool, password string) (*User, error) {
	var u *User
	if valid {
		var err error
		if u, err = s.UserByEmail(ctx, email); err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return nil, err
		}
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	} else {
		var err error
		if hash, err = s.dummy(ctx); err != nil {
			return nil, err
		}
	}
	if len(password) > 4*MaxPasswordLength { // never a valid password: same work as a wrong one
		password = password[:4*MaxPasswordLength]
		valid = false
	}
	ok, err := s.hasher().Verify(ctx, password, hash)
	if errors.Is(err, ErrHashBusy) || ctx.Err() != nil {
		return nil, firstErr(ctx.Err(), err)
	}
	if err != nil && u != nil {
		s.log().ErrorContext(ctx, "stored password hash does not parse", "user", u.ID, "err", err)
	}
	if u == nil {
		return nil, nil
	}
	if !ok || err != nil || !valid {
		failed := *u
		failed.PasswordHash = ""
		return &failed, nil
	}
	return u, nil
}

// dummy is a hash of a random password with the current parameters, so
// unknown emails cost as much as known ones. It is made once; a failure is
// returned (an empty dummy would make unknown e-mails fast) and retried at
// the next call.
func (s *Service) dummy(ctx context.Context) (string, error) {
	s.dummyMu.Lock()
	defer s.dummyMu.Unlock()
	if s.dummyHash != "" {
		return s.dummyHash, nil
	}
	tok, err := RandomToken(16)
	if err != nil {
		return "", fmt.Errorf("dummy password: %w", err)
	}
	h, err := s.hasher().Hash(ctx, tok)
	if err != nil {
		return "", fmt.Errorf("dummy password hash: %w", err)
	}
	s.dummyHash = h
	return h, nil
}

// RefreshRevocations re-reads the revocations table after a change this
// process committed, so the change applies here at once. A failure is
// logged: the periodic refresh (Revocations.Interval) catches up, and the
// change itself has committed.
func (s *Service) RefreshRevocations(ctx context.Context) {
	if err := s.Revocations.Refresh(ctx); err != nil {
		s.log().WarnContext(ctx, "refresh revocations after a change; the next periodic refresh applies it", "err", err)
	}
}

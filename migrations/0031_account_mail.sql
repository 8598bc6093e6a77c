-- E-mail where users expect it (issue 10): password reset and e-mail
-- verification.
--
-- account_tokens holds the single-use tokens of both, by the SHA-256 of the
-- token (the token itself travels only in the e-mail). Like users and
-- sessions it is a global table: a token is looked up before any tenant is
-- known, and it holds no tenant data. A token is spent by one UPDATE … WHERE
-- used_at IS NULL AND expires_at > $now RETURNING, so two uses of one token
-- cannot both succeed.
--
-- users.email_verified_at is set when the owner of the address follows a
-- verification link (or resets the password through a link sent to it).
-- Accounts that existed before this migration stay unverified: nobody has
-- shown that they read their mail yet.

-- +goose Up
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

CREATE TABLE account_tokens (
  token_hash bytea PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  purpose    text NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
  -- The address the token was sent to: a verification confirms this
  -- address, not whatever the account's address is when it is used.
  email      text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose) WHERE used_at IS NULL;
CREATE INDEX account_tokens_expires ON account_tokens (expires_at);
SELECT stratum_global_table('account_tokens');

-- +goose Down
DROP TABLE IF EXISTS account_tokens;
ALTER TABLE users DROP COLUMN IF EXISTS email_verified_at;

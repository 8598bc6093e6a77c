-- Units and simulated history (issue 10): the currency of a campaign's
-- budgets and bids, and which health-history buckets were simulated rather
-- than computed (the demo tenant's seeded 30 days).

-- +goose Up
-- ISO 4217 code of the ad account's currency: budgets, bids and spend of the
-- campaign are amounts in it.
ALTER TABLE ad_campaigns ADD COLUMN currency text NOT NULL DEFAULT 'USD' CHECK (currency ~ '^[A-Z]{3}$');

-- True for buckets written by the demo seed (simulated history); a bucket
-- that a real computation later folds into stays marked, so the label never
-- disappears from a number that is partly simulated.
ALTER TABLE signal_health_history ADD COLUMN simulated boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE signal_health_history DROP COLUMN simulated;
ALTER TABLE ad_campaigns DROP COLUMN currency;

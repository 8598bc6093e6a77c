package automation

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/internal/apperr"
)

// Bounds on the trust API's free-form input: everything a client sends is
// stored, audited and re-read on every evaluation, so none of it may grow
// without limit.
const (
	// MaxNoteLength bounds an action's params.note, in characters.
	MaxNoteLength = 500
	// MaxScopeIDs bounds a rule scope's campaignIds and accountIds.
	MaxScopeIDs = 100
	// MaxAccountIDLength bounds one account id of a rule scope, in bytes.
	MaxAccountIDLength = 100
)

func at(path []string, name ...string) []string {
	return append(slices.Clip(path), name...)
}

// validate checks action params at path (e.g. input.params).
func (p ActionParams) validate(path []string) error {
	if n := utf8.RuneCountInString(p.Note); n > MaxNoteLength {
		return apperr.Invalid(at(path, "note"), "note must be at most %d characters (got %d)", MaxNoteLength, n)
	}
	if p.Status != nil && *p.Status != platforms.CampaignActive && *p.Status != platforms.CampaignPaused {
		return apperr.Invalid(at(path, "status"), "status must be ACTIVE or PAUSED")
	}
	if p.Amount != nil && (math.IsNaN(*p.Amount) || *p.Amount < 0 || *p.Amount > MaxAmount) {
		return apperr.Invalid(at(path, "amount"), "amount must be 0–%d", int64(MaxAmount))
	}
	return nil
}

// MaxAmount bounds a budget or bid an action sets, in the account's
// currency units (a platform's own maximum is far below; stored as micros,
// it stays far inside int64).
const MaxAmount = 1e9

// validateScope checks a rule scope's lists at path (input.scope): known
// platforms, at most MaxScopeIDs well-formed account and campaign ids, no
// repeats. Whether the campaigns exist is checkScopeCampaigns' job.
func validateScope(path []string, f *platforms.CampaignFilter) error {
	if len(f.Platforms) > len(platforms.All) {
		return apperr.Invalid(at(path, "platforms"), "at most %d platforms", len(platforms.All))
	}
	for i, p := range f.Platforms {
		if !platforms.Valid(p) {
			return apperr.Invalid(at(path, "platforms", fmt.Sprint(i)), "unknown platform %q", p)
		}
		if slices.Contains(f.Platforms[:i], p) {
			return apperr.Invalid(at(path, "platforms", fmt.Sprint(i)), "platform %s is listed twice", p)
		}
	}
	if len(f.AccountIDs) > MaxScopeIDs {
		return apperr.Invalid(at(path, "accountIds"), "at most %d account ids (got %d)", MaxScopeIDs, len(f.AccountIDs))
	}
	for i, a := range f.AccountIDs {
		if a == "" || len(a) > MaxAccountIDLength || strings.TrimSpace(a) != a {
			return apperr.Invalid(at(path, "accountIds", fmt.Sprint(i)), "an account id is 1–%d characters without surrounding spaces", MaxAccountIDLength)
		}
		if slices.Contains(f.AccountIDs[:i], a) {
			return apperr.Invalid(at(path, "accountIds", fmt.Sprint(i)), "account id %q is listed twice", a)
		}
	}
	if len(f.CampaignIDs) > MaxScopeIDs {
		return apperr.Invalid(at(path, "campaignIds"), "at most %d campaign ids (got %d)", MaxScopeIDs, len(f.CampaignIDs))
	}
	for i, id := range f.CampaignIDs {
		if slices.Contains(f.CampaignIDs[:i], id) {
			return apperr.Invalid(at(path, "campaignIds", fmt.Sprint(i)), "campaign id is listed twice")
		}
	}
	return nil
}

// checkScopeCampaigns refuses campaign ids that name no campaign of the
// tenant whose transaction tx is (row-level security hides the others).
func checkScopeCampaigns(ctx context.Context, tx bun.IDB, path []string, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	cs, err := platforms.CampaignsTx(ctx, tx, platforms.CampaignFilter{CampaignIDs: ids})
	if err != nil {
		return err
	}
	found := make(map[uuid.UUID]bool, len(cs))
	for _, c := range cs {
		found[c.ID] = true
	}
	for i, id := range ids {
		if !found[id] {
			return apperr.Invalid(at(path, "campaignIds", fmt.Sprint(i)), "campaign not found")
		}
	}
	return nil
}

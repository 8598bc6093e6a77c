package resolvers

import (
	"strings"

	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
)

// tenantBillingModel maps a tenant's billing row to the API's TenantBilling.
func tenantBillingModel(st billing.State) *model.TenantBilling {
	return &model.TenantBilling{
		Plan:              model.Plan(strings.ToUpper(string(st.Plan))),
		Status:            st.Status,
		TrialEndsAt:       st.TrialEndsAt,
		CurrentPeriodEnd:  st.CurrentPeriodEnd,
		CancelAtPeriodEnd: st.CancelAtPeriodEnd,
		GraceEndsAt:       st.GraceEndsAt,
	}
}

// stripeUserErrors is userErrors for the Stripe mutations, except that
// billing being disabled stays an operation error (FEATURE_DISABLED, like
// the @feature directive's), not a userError: no input would fix it.
func stripeUserErrors(err error) ([]*model.UserError, error) {
	if apperr.CodeOf(err) == apperr.FeatureDisabled {
		return nil, err
	}
	return userErrors(err)
}

package resolvers

import (
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/apperr"
)

// stripeUserErrors is userErrors for the Stripe mutations, except that
// billing being disabled stays an operation error (FEATURE_DISABLED, like
// the @feature directive's), not a userError: no input would fix it.
func stripeUserErrors(err error) ([]*model.UserError, error) {
	if apperr.CodeOf(err) == apperr.FeatureDisabled {
		return nil, err
	}
	return userErrors(err)
}

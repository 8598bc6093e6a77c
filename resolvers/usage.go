package resolvers

import (
	"github.com/stratumhq/stratum/domain/billing"
	"github.com/stratumhq/stratum/graph/model"
)

// usageModel maps one limit's usage (domain/billing) to UsageLimit.
func usageModel(u billing.Usage) *model.UsageLimit {
	m := &model.UsageLimit{Limit: string(u.Key), Description: u.Description, Unit: u.Unit, Used: int(u.Used), Max: int(u.Max),
		Warning: u.Warning(), Plan: string(u.Plan), PeriodStart: u.PeriodStart}
	if u.RaisedBy != "" {
		m.RaisedBy = strPtr(string(u.RaisedBy))
	}
	return m
}

package resolvers

import (
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/graph/model"
	"github.com/stratumhq/stratum/internal/relay"
)

// connectionModel is a connection with its accounts as the API shows it
// (never its token).
func connectionModel(v *platforms.ConnectionView) *model.PlatformConnection {
	if v == nil {
		return nil
	}
	out := &model.PlatformConnection{ID: relay.GlobalID(relay.TypePlatformConnection, v.ID), Platform: model.Platform(v.Platform),
		Sandbox: v.Sandbox, Status: model.ConnectionStatus(v.Status), StatusMessage: v.StatusMessage, LastSyncAt: v.LastSyncAt,
		LastError: v.LastError, CreatedAt: v.CreatedAt, Accounts: make([]*model.AdAccount, len(v.Accounts))}
	for i, a := range v.Accounts {
		out.Accounts[i] = &model.AdAccount{ID: relay.GlobalID(relay.TypeAdAccount, a.ID), ExternalID: a.ExternalID, Name: a.Name,
			Currency: a.Currency, TimeZone: a.TimeZone, Selected: a.Selected, Sandbox: a.Sandbox}
	}
	return out
}

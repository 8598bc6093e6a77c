package cdp

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/stratumhq/stratum/domain/realtime"
)

// Profile updates (graph/profiles.graphqls, Subscription.profileUpdated;
// docs/adr/0017, "profileUpdated"). Whatever changes a profile — the
// batch job applying a batch's events, a merge, an unmerge, a split, the
// churn job — announces it with pg_notify inside the transaction that
// changes it, so only committed changes are heard. One envelope names many
// profiles (a batch touches many): each entry pairs the id a subscriber
// may be listening to with the live profile it now resolves to, so the
// subscribers of an absorbed profile hear its survivor.

// TopicProfileUpdated is the topic of profile updates; its data is a
// ProfileUpdate.
const TopicProfileUpdated = "cdp.profile_updated"

// profileUpdatesPerEnvelope keeps an envelope of ProfileUpdate pairs well
// under realtime.MaxEnvelope (a pair is about 80 bytes of JSON).
const profileUpdatesPerEnvelope = 80

// ProfileUpdate is the data of a TopicProfileUpdated event: pairs of
// [named, live] profile ids.
type ProfileUpdate struct {
	Pairs [][2]uuid.UUID `json:"u"`
}

// Live is the live profile an update gives for id, false when the update
// does not name id.
func (u ProfileUpdate) Live(id uuid.UUID) (uuid.UUID, bool) {
	for _, p := range u.Pairs {
		if p[0] == id {
			return p[1], true
		}
	}
	return uuid.Nil, false
}

// profileChanges collects the profiles a transaction changed, to announce
// them once before it commits.
type profileChanges struct {
	pairs  map[uuid.UUID]uuid.UUID // named → live
	merges int                     // calls of changed (resolveMemo's generation)
}

// changed records that named now resolves to live (which changed).
func (c *profileChanges) changed(named, live uuid.UUID) {
	if c.pairs == nil {
		c.pairs = map[uuid.UUID]uuid.UUID{}
	}
	c.merges++
	c.pairs[named] = live
	c.pairs[live] = live
}

// publish announces the changes in tx (several envelopes when many).
func (c *profileChanges) publish(ctx context.Context, tx bun.Tx, tenant uuid.UUID) error {
	if len(c.pairs) == 0 {
		return nil
	}
	pairs := make([][2]uuid.UUID, 0, len(c.pairs))
	for named, live := range c.pairs {
		pairs = append(pairs, [2]uuid.UUID{named, live})
	}
	slices.SortFunc(pairs, func(a, b [2]uuid.UUID) int { return slices.Compare(a[0][:], b[0][:]) })
	for start := 0; start < len(pairs); start += profileUpdatesPerEnvelope {
		data, err := json.Marshal(ProfileUpdate{Pairs: pairs[start:min(start+profileUpdatesPerEnvelope, len(pairs))]})
		if err != nil {
			return err
		}
		if err := realtime.Publish(ctx, tx, realtime.Event{Tenant: tenant, Topic: TopicProfileUpdated, Data: data}); err != nil {
			return err
		}
	}
	c.pairs = nil
	return nil
}

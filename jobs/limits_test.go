package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stratumhq/stratum/domain/auth"
	"github.com/stratumhq/stratum/domain/automation"
	"github.com/stratumhq/stratum/domain/notifications"
	"github.com/stratumhq/stratum/domain/platforms"
	"github.com/stratumhq/stratum/domain/signals"
	"github.com/stratumhq/stratum/domain/tenancy"
	"github.com/stratumhq/stratum/internal/testdb"
)

// TestEveryKindTimesOutBeforeItIsRescued checks each worker's own timeout,
// its cap, and that the client refuses a rescue delay a live job could
// outlast (River's rescuer is client-wide, docs/adr/0010).
func TestEveryKindTimesOutBeforeItIsRescued(t *testing.T) {
	t.Parallel()
	timeouts := func(lim Limits) map[string]time.Duration {
		return map[string]time.Duration{
			"signals.recompute":               (&SignalsRecomputeWorker{Limits: lim}).Timeout(nil),
			"trust.fanout":                    (&TrustFanOutWorker{Limits: lim}).Timeout(nil),
			"automation.eval":                 (&AutomationEvaluateWorker{Limits: lim}).Timeout(nil),
			"automation.execute":              (&AutomationExecuteWorker{Limits: lim}).Timeout(nil),
			"simulator.tick":                  (&SimulatorTickWorker{Limits: lim}).Timeout(nil),
			"notifications.deliver":           (&NotificationDeliverWorker{Limits: lim}).Timeout(nil),
			"notifications.digest_fanout":     (&NotificationDigestFanOutWorker{Limits: lim}).Timeout(nil),
			"notifications.digest":            (&NotificationDigestWorker{Limits: lim}).Timeout(nil),
			"auth.account_mail":               (&AccountMailWorker{Limits: lim}).Timeout(nil),
			"tenancy.invite_mail":             (&InviteMailWorker{Limits: lim}).Timeout(nil),
			"billing.apply_stripe_event":      (&ApplyStripeEventWorker{Limits: lim}).Timeout(nil),
			"platforms.refresh_tokens":        (&RefreshTokensWorker{Limits: lim}).Timeout(nil),
			"secrets.reencrypt":               (&ReencryptSecretsWorker{Limits: lim}).Timeout(nil),
			"cdp.process_batch":               (&CDPProcessBatchWorker{Limits: lim}).Timeout(nil),
			"cdp.ensure_partitions":           (&CDPEnsurePartitionsWorker{Limits: lim}).Timeout(nil),
			"cdp.prune_message_ids":           (&CDPPruneMessageIDsWorker{Limits: lim}).Timeout(nil),
			"cdp.simulate_fanout":             (&CDPSimulateFanOutWorker{Limits: lim}).Timeout(nil),
			"cdp.simulate_events":             (&CDPSimulateEventsWorker{Limits: lim}).Timeout(nil),
			"cdp.churn_fanout":                (&CDPChurnFanOutWorker{Limits: lim}).Timeout(nil),
			"cdp.mark_churned":                (&CDPMarkChurnedWorker{Limits: lim}).Timeout(nil),
			"privacy.export":                  (&PrivacyExportWorker{Limits: lim}).Timeout(nil),
			"privacy.delete":                  (&PrivacyDeleteWorker{Limits: lim}).Timeout(nil),
			"privacy.purge_exports":           (&PrivacyPurgeExportsWorker{Limits: lim}).Timeout(nil),
			"conversions.flush":               (&ConversionsFlushWorker{Limits: lim}).Timeout(nil),
			"conversions.sweep":               (&ConversionsSweepWorker{Limits: lim}).Timeout(nil),
			"conversions.emq_platform_fanout": (&EMQPlatformFanOutWorker{Limits: lim}).Timeout(nil),
			"conversions.emq_platform":        (&EMQPlatformWorker{Limits: lim}).Timeout(nil),
		}
	}
	def := Limits{}.withDefaults()
	require.Equal(t, 90*time.Second, def.RescueAfter)
	var longest time.Duration
	for kind, d := range timeouts(def) {
		require.Positive(t, d, kind)
		longest = max(longest, d)
	}
	require.Equal(t, def.MaxTimeout, longest, "the default cap is the longest kind's own timeout")
	require.Greater(t, def.RescueAfter, longest)
	for kind, d := range timeouts(Limits{MaxTimeout: 2 * time.Second}) {
		require.Equal(t, 2*time.Second, d, kind)
	}

	tdb := testdb.New(t)
	_, err := NewClient(tdb.DB, Options{Work: true, Limits: Limits{MaxTimeout: time.Minute, RescueAfter: 30 * time.Second}})
	require.ErrorContains(t, err, "must exceed")
	_, err = NewClient(tdb.DB, Options{Work: true, Limits: Limits{MaxTimeout: 2 * time.Second, RescueAfter: 3 * time.Second},
		Services: Services{Signals: &signals.Service{}, Platforms: &platforms.Service{}, Automation: &automation.Service{},
			Notifications: &notifications.Service{}, Auth: &auth.Service{}, Tenancy: &tenancy.Service{}}}) // never started
	require.NoError(t, err)
}

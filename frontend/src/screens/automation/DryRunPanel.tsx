import { Badge, Card, EmptyState } from '../../components/ui'
import type { ActionSimulationFieldsFragment, ActionType, RuleCheckFieldsFragment } from '../../gql/graphql'
import { ChangeList } from '../../trust/ChangeList'
import { formatScore } from '../../lib/format'
import { ACTION_TYPES, DECISIONS, MODES, PLATFORMS } from '../../trust/labels'
import { formatComparison, formatMetric, UNIT_NOTES } from './metricFormat'

/** What the rule read and would do for one campaign. */
export interface CampaignResult {
  campaign: { id: string; name: string; currency?: string | null }
  evaluated: boolean
  wouldPropose: boolean
  outcome: string
  checks: readonly RuleCheckFieldsFragment[]
  failedCheck?: RuleCheckFieldsFragment | null
  proposals: readonly { type: ActionType }[]
}

export interface DryRunResult {
  campaignsEvaluated: number
  campaignsNotShown: number
  actions: readonly ActionSimulationFieldsFragment[]
  campaigns: readonly CampaignResult[]
}

/**
 * What a rule would propose right now and what the trust gate would decide
 * about each proposal; nothing is queued or executed.
 */
export function DryRunPanel({ result }: { result: DryRunResult }) {
  const { campaignsEvaluated, actions, campaigns, campaignsNotShown } = result
  return (
    <Card
      title="Dry run result"
      description={`${campaignsEvaluated} campaign${campaignsEvaluated === 1 ? '' : 's'} evaluated, ${actions.length} proposal${actions.length === 1 ? '' : 's'}. Nothing was queued.`}
    >
      <div aria-live="polite">
        {actions.length === 0 ? (
          <EmptyState
            title="The rule would propose nothing now"
            description="No campaign in its scope meets the conditions at the moment."
          />
        ) : (
          <ul aria-label="Proposed actions" className="-my-3 divide-y divide-line">
            {actions.map((a, i) => {
              const decision = DECISIONS[a.decision]
              return (
                <li key={`${a.campaign?.id ?? a.platform}-${a.type}-${i}`} className="flex flex-col gap-2 py-3">
                  <div className="flex flex-wrap items-start justify-between gap-2">
                    <div>
                      <p className="font-medium">
                        {a.campaign ? a.campaign.name : `All campaigns on ${PLATFORMS[a.platform]}`}
                      </p>
                      <p className="text-sm text-muted">
                        {ACTION_TYPES[a.type].label} · needs score {formatScore(a.threshold)}, score{' '}
                        {formatScore(a.score)}, mode {MODES[a.autopilotMode].label.toLowerCase()}
                      </p>
                    </div>
                    <div className="flex flex-wrap gap-2">
                      <Badge tone={decision.tone} icon={decision.icon}>
                        {decision.label}: {decision.meaning}
                      </Badge>
                      <Badge tone={a.wouldExecute ? 'success' : 'neutral'} icon={a.wouldExecute ? '▶' : '‖'}>
                        {a.wouldExecute ? 'Would execute now' : 'Would not execute now'}
                      </Badge>
                    </div>
                  </div>
                  <ChangeList before={a.before} after={a.after} currency={a.campaign?.currency} />
                  <ul className="ml-5 list-disc text-sm text-muted">
                    {a.reasons.map((r) => (
                      <li key={r}>{r}</li>
                    ))}
                  </ul>
                  {a.warnings.map((w) => (
                    <p key={w} className="text-sm text-warning-ink">
                      <span aria-hidden>! </span>
                      {w}
                    </p>
                  ))}
                </li>
              )
            })}
          </ul>
        )}
        {campaigns.length > 0 && <CampaignResults campaigns={campaigns} notShown={campaignsNotShown} />}
      </div>
    </Card>
  )
}

/** Each campaign in the rule's scope: the values read, how each condition came out, the first that failed. */
function CampaignResults({ campaigns, notShown }: { campaigns: readonly CampaignResult[]; notShown: number }) {
  return (
    <section aria-labelledby="dry-run-campaigns" className="mt-6 border-t border-line pt-4">
      <h3 id="dry-run-campaigns" className="text-sm font-semibold">
        Campaigns: what the rule read
      </h3>
      <ul aria-label="Campaigns evaluated" className="mt-2 flex flex-col gap-3">
        {campaigns.map((c) => (
          <li key={c.campaign.id} aria-label={c.campaign.name} className="rounded-md border border-line p-3">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <p className="font-medium">{c.campaign.name}</p>
              {c.wouldPropose ? (
                <Badge tone="primary" icon="→">
                  Would propose {c.proposals.map((p) => ACTION_TYPES[p.type].label.toLowerCase()).join(', ')}
                </Badge>
              ) : c.evaluated ? (
                <Badge icon="–">No proposal</Badge>
              ) : (
                <Badge icon="‖">Not evaluated</Badge>
              )}
            </div>
            <p className="mt-1 text-sm text-muted">{c.outcome}</p>
            {c.checks.length > 0 && (
              <ul aria-label={`Conditions for ${c.campaign.name}`} className="mt-2 flex flex-col gap-1 text-sm">
                {c.checks.map((check, i) => (
                  <CheckLine
                    key={`${check.path ?? ''}-${check.label}-${i}`}
                    check={check}
                    first={isFailed(check, c)}
                    currency={c.campaign.currency}
                  />
                ))}
              </ul>
            )}
          </li>
        ))}
      </ul>
      {notShown > 0 && (
        <p className="mt-3 text-sm text-muted">
          {notShown} more campaign{notShown === 1 ? '' : 's'} evaluated, not shown here.
        </p>
      )}
    </section>
  )
}

/** Whether check is the campaign's first failing condition (the same comparison). */
function isFailed(check: RuleCheckFieldsFragment, c: CampaignResult): boolean {
  const f = c.failedCheck
  return (
    f != null &&
    f.label === check.label &&
    f.path === check.path &&
    f.operator === check.operator &&
    f.threshold === check.threshold
  )
}

/** "CPA over 3 days: €8.20 — needs > €50.00 ✕ Fails · first failing condition" (the campaign's currency). */
function CheckLine({
  check,
  first,
  currency,
}: {
  check: RuleCheckFieldsFragment
  first: boolean
  /** The campaign's currency; amounts name it, or say "account currency" when it is unknown. */
  currency?: string | null | undefined
}) {
  const unit = check.unit === 'CURRENCY' && currency ? null : UNIT_NOTES[check.unit]
  return (
    <li className={`flex flex-wrap items-baseline gap-x-2 ${first ? 'font-medium' : ''}`}>
      <span aria-hidden className={check.passed ? 'text-success-ink' : 'text-error-ink'}>
        {check.passed ? '✓' : '✕'}
      </span>
      <span>
        {check.label}: {formatMetric(check.value, check.unit, currency)}
      </span>
      {check.unit === 'HOUR' ? (
        <span className="text-muted">needs a time {check.note}</span>
      ) : (
        <span className="text-muted">
          needs {formatComparison(check.operator, check.threshold, check.unit, currency)}
          {unit && ` (${unit})`}
          {check.note && ` — ${check.note}`}
        </span>
      )}
      <span className="sr-only">{check.passed ? 'holds' : 'fails'}</span>
      {first && <Badge tone="warning">First failing condition</Badge>}
    </li>
  )
}

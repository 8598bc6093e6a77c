import { Badge, Card } from '../../components/ui'
import type { SignalHealthFieldsFragment, TrustGateFieldsFragment } from '../../gql/graphql'
import { formatCount } from '../../lib/format'
import { DECISIONS, keysOf, LEVELS, MODES } from '../../trust/labels'
import { HealthGauge } from './HealthGauge'

/**
 * The headline: the overall score, the gate's verdict in words, what
 * autopilot may do (mode) and is allowed to do (level), and the actions the
 * gate decided on in the last day, each counted once by its latest decision.
 */
export function TrustGateCard({
  health,
  gate,
}: {
  health: SignalHealthFieldsFragment | null
  gate: TrustGateFieldsFragment
}) {
  const mode = MODES[gate.autopilotMode]
  const counts = gate.decisionCounts
  return (
    <Card title="Trust gate" description="Automation runs only while the data behind it is trustworthy.">
      <div className="flex flex-col items-center gap-6 sm:flex-row sm:items-start">
        <HealthGauge
          label="Overall signal health"
          score={health?.score ?? gate.score}
          status={health?.status ?? gate.status}
        />
        <div className="flex min-w-0 flex-1 flex-col gap-4">
          <p className="text-lg font-semibold" aria-live="polite" data-testid="verdict">
            {gate.verdict}
          </p>
          <div className="flex flex-wrap gap-2">
            <Badge tone={mode.tone} icon={mode.icon}>
              Autopilot mode: {mode.label}
            </Badge>
            <Badge tone="primary">Level: {LEVELS[gate.autopilotLevel].label}</Badge>
            {gate.killSwitch && (
              <Badge tone="error" icon="■">
                Kill switch on
              </Badge>
            )}
          </div>
          <p className="text-sm text-muted">
            {mode.label} mode: {mode.meaning}. {LEVELS[gate.autopilotLevel].meaning}
          </p>
          <dl className="grid grid-cols-3 gap-2 text-center" aria-label="Actions by gate decision, last 24 hours">
            {keysOf(DECISIONS).map((d) => {
              const n = d === 'PASS' ? counts.pass : d === 'HOLD' ? counts.hold : counts.block
              return (
                <div key={d} className="rounded-md border border-line px-2 py-2">
                  <dt className="text-xs text-muted">
                    <span aria-hidden>{DECISIONS[d].icon} </span>
                    {DECISIONS[d].label}
                  </dt>
                  <dd className="text-xl font-semibold" aria-label={formatCount(n, 'action')}>
                    {n}
                  </dd>
                </div>
              )
            })}
          </dl>
          <p className="text-xs text-muted">
            Actions the gate decided on in the last 24 hours, each counted once by its latest decision (an action
            re-checked when the score moved is still one action).
          </p>
        </div>
      </div>
    </Card>
  )
}

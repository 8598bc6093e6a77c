import { useQuery } from '@apollo/client/react'
import { useId, type ReactNode } from 'react'

import { Badge } from '../../components/ui'
import { ENFORCEMENT_MODES, LEVELS, MODES } from '../../trust/labels'
import { AutomationRulesDocument, TrustSettingsDocument } from './operations'

/**
 * The automation page's state at a glance, above its tabs: the autopilot's
 * mode (what the gate lets run now) and level (what admins allow), the kill
 * switch, how many rules are enabled, and the enforcement mode (what a
 * broken guardrail does). It
 * reads the queries the tabs use, so a change made in a tab, or an autopilot
 * mode change the server reports, shows here at once.
 */
export function AutomationSummary() {
  const titleId = useId()
  const settings = useQuery(TrustSettingsDocument)
  const rules = useQuery(AutomationRulesDocument)
  const gate = settings.data?.trustGate
  const counts = rules.data
  const gateValue = (value: (g: NonNullable<typeof gate>) => ReactNode) =>
    gate ? value(gate) : settings.error ? 'Not available' : 'Loading…'

  return (
    <section aria-labelledby={titleId} className="mb-6 rounded-lg border border-line bg-surface px-5 py-4 shadow-sm">
      <h2 id={titleId} className="sr-only">
        Current state
      </h2>
      <dl className="grid grid-cols-2 gap-x-6 gap-y-4 sm:grid-cols-3 lg:grid-cols-5">
        <Item label="Autopilot mode">
          {gateValue((g) => (
            <Badge tone={MODES[g.autopilotMode].tone} icon={MODES[g.autopilotMode].icon}>
              {MODES[g.autopilotMode].label}
            </Badge>
          ))}
        </Item>
        <Item label="Autopilot level">{gateValue((g) => LEVELS[g.autopilotLevel].label)}</Item>
        <Item label="Kill switch">
          {gateValue((g) =>
            g.killSwitch ? (
              <Badge tone="error" icon="■">
                On: automation stopped
              </Badge>
            ) : (
              <Badge tone="success" icon="▶">
                Off
              </Badge>
            ),
          )}
        </Item>
        <Item label="Rules">
          {counts
            ? `${counts.enabledRules.totalCount} of ${counts.automationRules.totalCount} enabled`
            : rules.error
              ? 'Not available'
              : 'Loading…'}
        </Item>
        <Item label="Enforcement">{gateValue((g) => ENFORCEMENT_MODES[g.enforcementMode].label)}</Item>
      </dl>
    </section>
  )
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium tracking-wide text-muted uppercase">{label}</dt>
      <dd className="mt-1 text-sm font-medium">{children}</dd>
    </div>
  )
}

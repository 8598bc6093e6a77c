import { useQuery } from '@apollo/client/react'
import { useState } from 'react'
import { useSearchParams } from 'react-router-dom'

import { Card, PageHeader, QueryState, Tabs } from '../../components/ui'
import { useSession } from '../../session/SessionProvider'
import { AutomationSummary } from './AutomationSummary'
import { EnforcementRules } from './EnforcementRules'
import { EnforcementSettingsForm, sharedCurrency } from './EnforcementSettingsForm'
import { AutopilotLevelCard, KillSwitchCard } from './GateControls'
import { CampaignCurrenciesDocument, RuleDocument, TrustSettingsDocument } from './operations'
import { draftFromRule, emptyDraft } from './ruleDraft'
import { RuleActivityPanel } from './RuleActivityPanel'
import { RuleEditor } from './RuleEditor'
import { RulesList } from './RulesList'

/** The page's tabs, as `?tab=` names them; the first is the default. */
export const AUTOMATION_TABS = ['rules', 'autopilot', 'guardrails'] as const
export type AutomationTab = (typeof AUTOMATION_TABS)[number]

/** The tab a `?tab=` value names; a missing or unknown one opens the rules. */
export function automationTab(value: string | null): AutomationTab {
  return AUTOMATION_TABS.find((t) => t === value) ?? 'rules'
}

/**
 * `/automation`: the current state at the top, then tabs: rules (and their
 * dry runs), the autopilot level and kill switch, and the guardrails. The
 * open tab is in the URL (`?tab=autopilot`), so links and reloads keep it.
 */
export default function AutomationScreen() {
  const { can } = useSession()
  const [params, setParams] = useSearchParams()
  const tab = automationTab(params.get('tab'))
  const select = (next: AutomationTab) =>
    setParams(
      (current) => {
        const p = new URLSearchParams(current)
        if (next === 'rules') p.delete('tab')
        else p.set('tab', next)
        return p
      },
      { replace: true },
    )
  return (
    <>
      <PageHeader
        title="Automation"
        description="Rules propose changes; the trust gate and its guardrails decide what runs."
      />
      <AutomationSummary />
      <Tabs
        label="Automation"
        selected={tab}
        onSelect={select}
        tabs={[
          { id: 'rules', label: 'Rules', panel: <RulesTab canEdit={can('ANALYST')} /> },
          { id: 'autopilot', label: 'Autopilot & kill switch', panel: <AutopilotTab canChange={can('ADMIN')} /> },
          { id: 'guardrails', label: 'Guardrails', panel: <GuardrailsTab canChange={can('ADMIN')} /> },
        ]}
      />
    </>
  )
}

type Editing = { kind: 'new' } | { kind: 'rule'; id: string } | null

/** The rules list, with the editor above it while a rule is written or changed. */
function RulesTab({ canEdit }: { canEdit: boolean }) {
  const [editing, setEditing] = useState<Editing>(null)
  const [activity, setActivity] = useState<{ id: string; name: string } | null>(null)
  const close = () => setEditing(null)
  return (
    <div className="flex flex-col gap-6">
      {editing?.kind === 'new' && <RuleEditor initial={emptyDraft()} onSaved={close} onCancel={close} />}
      {editing?.kind === 'rule' && <SavedRuleEditor key={editing.id} id={editing.id} onDone={close} />}
      {activity && (
        <RuleActivityPanel key={activity.id} id={activity.id} name={activity.name} onClose={() => setActivity(null)} />
      )}
      <RulesList
        canEdit={canEdit}
        onCreate={() => setEditing({ kind: 'new' })}
        onEdit={(rule) => setEditing({ kind: 'rule', id: rule.id })}
        onActivity={(rule) => setActivity({ id: rule.id, name: rule.name })}
      />
    </div>
  )
}

/** Loads the whole rule (the list has only its summary) and edits it. */
function SavedRuleEditor({ id, onDone }: { id: string; onDone: () => void }) {
  const { data, loading, error, refetch } = useQuery(RuleDocument, { variables: { id }, fetchPolicy: 'network-only' })
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading the rule…"
    >
      {({ node }) =>
        node?.__typename === 'AutomationRule' ? (
          <RuleEditor initial={draftFromRule(node)} onSaved={onDone} onCancel={onDone} />
        ) : (
          <Card>This rule no longer exists.</Card>
        )
      }
    </QueryState>
  )
}

/** The kill switch and the autopilot level. */
function AutopilotTab({ canChange }: { canChange: boolean }) {
  const { data, loading, error, refetch } = useQuery(TrustSettingsDocument)
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading settings…"
    >
      {({ trustGate }) => (
        <div className="grid gap-6 lg:grid-cols-2">
          <KillSwitchCard gate={trustGate} canChange={canChange} />
          <AutopilotLevelCard key={trustGate.autopilotLevel} gate={trustGate} canChange={canChange} />
        </div>
      )}
    </QueryState>
  )
}

/** The enforcement settings every action is checked against, and custom rules per guardrail. */
function GuardrailsTab({ canChange }: { canChange: boolean }) {
  const { data, loading, error, refetch } = useQuery(TrustSettingsDocument)
  const currencies = useQuery(CampaignCurrenciesDocument)
  const currency = sharedCurrency(currencies.data?.campaigns)
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading settings…"
    >
      {({ trustGate }) => (
        <div className="flex flex-col gap-6">
          <EnforcementSettingsForm
            key={trustGate.settings.updatedAt ?? 'defaults'}
            settings={trustGate.settings}
            canChange={canChange}
            currency={currency}
          />
          <EnforcementRules gate={trustGate} canChange={canChange} />
        </div>
      )}
    </QueryState>
  )
}

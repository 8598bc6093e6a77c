import { useQuery } from '@apollo/client/react'
import { useState } from 'react'

import { Card, PageHeader, QueryState } from '../../components/ui'
import { useSession } from '../../session/SessionProvider'
import { EnforcementRules } from './EnforcementRules'
import { EnforcementSettingsForm } from './EnforcementSettingsForm'
import { AutopilotLevelCard, KillSwitchCard } from './GateControls'
import { RuleDocument, TrustSettingsDocument } from './operations'
import { draftFromRule, emptyDraft } from './ruleDraft'
import { RuleEditor } from './RuleEditor'
import { RulesList } from './RulesList'

type Editing = { kind: 'new' } | { kind: 'rule'; id: string } | null

/** `/automation`: rules and their dry runs, and the trust gate's settings. */
export default function AutomationScreen() {
  const { can } = useSession()
  const [editing, setEditing] = useState<Editing>(null)
  const close = () => setEditing(null)
  return (
    <>
      <PageHeader
        title="Automation"
        description="Rules propose changes; the trust gate and its guardrails decide what runs."
      />
      <div className="flex flex-col gap-6">
        {editing?.kind === 'new' && <RuleEditor initial={emptyDraft()} onSaved={close} onCancel={close} />}
        {editing?.kind === 'rule' && <SavedRuleEditor key={editing.id} id={editing.id} onDone={close} />}
        <RulesList
          canEdit={can('ANALYST')}
          onCreate={() => setEditing({ kind: 'new' })}
          onEdit={(rule) => setEditing({ kind: 'rule', id: rule.id })}
        />
        <GateSettings canChange={can('ADMIN')} />
      </div>
    </>
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

function GateSettings({ canChange }: { canChange: boolean }) {
  const { data, loading, error, refetch } = useQuery(TrustSettingsDocument)
  return (
    <section aria-labelledby="gate-settings" className="flex flex-col gap-6">
      <h2 id="gate-settings" className="mt-4 text-xl font-semibold">
        Trust gate settings
      </h2>
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading settings…"
      >
        {({ trustGate }) => (
          <>
            <div className="grid gap-6 lg:grid-cols-2">
              <KillSwitchCard gate={trustGate} canChange={canChange} />
              <AutopilotLevelCard key={trustGate.autopilotLevel} gate={trustGate} canChange={canChange} />
            </div>
            <EnforcementSettingsForm
              key={trustGate.settings.updatedAt ?? 'defaults'}
              settings={trustGate.settings}
              canChange={canChange}
            />
            <EnforcementRules gate={trustGate} canChange={canChange} />
          </>
        )}
      </QueryState>
    </section>
  )
}

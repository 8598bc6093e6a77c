import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import {
  Badge,
  Button,
  Card,
  Checkbox,
  ConfirmDialog,
  DataTable,
  EmptyState,
  GatedButton,
  QueryState,
  Td,
} from '../../components/ui'
import type { RuleSummaryFieldsFragment } from '../../gql/graphql'
import { formatDateTime } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { AutomationRulesDocument, DeleteRuleDocument, SetRuleEnabledDocument } from './operations'

export interface RulesListProps {
  /** Analysts and up may change rules. */
  canEdit: boolean
  onEdit: (rule: RuleSummaryFieldsFragment) => void
  onCreate: () => void
  /** Opens the rule's activity log (anyone who can read rules). */
  onActivity: (rule: RuleSummaryFieldsFragment) => void
}

function every(minutes: number): string {
  if (minutes % 1440 === 0) return `every ${minutes / 1440} d`
  if (minutes % 60 === 0) return `every ${minutes / 60} h`
  return `every ${minutes} min`
}

/** Built-in and user rules with their switch, edit and (user rules) delete. */
export function RulesList({ canEdit, onEdit, onCreate, onActivity }: RulesListProps) {
  const { data, loading, error, refetch } = useQuery(AutomationRulesDocument)
  // The list's query also counts the enabled rules (the page's summary).
  const [setEnabled] = useMutation(SetRuleEnabledDocument, { refetchQueries: [AutomationRulesDocument] })
  const [remove, removing] = useMutation(DeleteRuleDocument, { refetchQueries: [AutomationRulesDocument] })
  const [deleting, setDeleting] = useState<RuleSummaryFieldsFragment | null>(null)

  const act = useToastedAction()

  const toggle = (rule: RuleSummaryFieldsFragment, enabled: boolean) =>
    act(
      async () =>
        (await setEnabled({ variables: { input: { id: rule.id, enabled } } })).data?.setRuleEnabled.userErrors ?? [],
      `“${rule.name}” ${enabled ? 'enabled' : 'disabled'}`,
    )
  const onDelete = async (rule: RuleSummaryFieldsFragment) => {
    await act(
      async () => (await remove({ variables: { input: { id: rule.id } } })).data?.deleteAutomationRule.userErrors ?? [],
      `Rule “${rule.name}” deleted`,
    )
    setDeleting(null)
  }

  return (
    <Card
      title="Rules"
      description="Rules watch campaign metrics and propose actions; the trust gate decides whether they run."
      actions={
        canEdit && (
          <GatedButton feature="automation_rules" variant="primary" onClick={onCreate}>
            New rule
          </GatedButton>
        )
      }
    >
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading rules…"
      >
        {({ automationRules }) =>
          automationRules.edges.length === 0 ? (
            <EmptyState title="No rules" description="Create a rule to let automation propose changes." />
          ) : (
            <>
              <DataTable
                caption="Automation rules"
                columns={['Rule', 'Schedule', 'Last evaluated', 'Enabled']}
                actions
                items={automationRules.edges.map((e) => e.node)}
                row={(rule) => (
                  <>
                    <Td>
                      <div className="flex flex-wrap items-center gap-2 font-medium">
                        {rule.name}
                        {rule.builtin && <Badge>Built-in</Badge>}
                      </div>
                      <p className="mt-0.5 max-w-md text-sm">{rule.logic}</p>
                      {!rule.builtin && rule.description && (
                        <p className="mt-0.5 max-w-md text-xs text-muted">{rule.description}</p>
                      )}
                    </Td>
                    <Td className="whitespace-nowrap text-muted">{every(rule.scheduleMinutes)}</Td>
                    <Td className="whitespace-nowrap text-muted">
                      {rule.lastEvaluatedAt ? formatDateTime(rule.lastEvaluatedAt) : 'Not yet'}
                    </Td>
                    <Td>
                      <Checkbox
                        label={<span className="sr-only">Enable {rule.name}</span>}
                        checked={rule.enabled}
                        disabled={!canEdit}
                        onChange={(e) => void toggle(rule, e.target.checked)}
                      />
                      <span aria-hidden className="ml-1 text-xs text-muted">
                        {rule.enabled ? 'On' : 'Off'}
                      </span>
                    </Td>
                    <Td>
                      <div className="flex justify-end gap-1">
                        <Button
                          size="sm"
                          variant="ghost"
                          onClick={() => onActivity(rule)}
                          aria-label={`Activity of ${rule.name}`}
                        >
                          Activity
                        </Button>
                        {canEdit && (
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => onEdit(rule)}
                            aria-label={`Edit ${rule.name}`}
                          >
                            Edit
                          </Button>
                        )}
                        {canEdit && !rule.builtin && (
                          <Button
                            size="sm"
                            variant="ghost"
                            onClick={() => setDeleting(rule)}
                            aria-label={`Delete ${rule.name}`}
                          >
                            Delete
                          </Button>
                        )}
                      </div>
                    </Td>
                  </>
                )}
              />
              {automationRules.totalCount > automationRules.edges.length && (
                <p className="mt-3 text-sm text-muted">
                  Showing the {automationRules.edges.length} newest of {automationRules.totalCount} rules.
                </p>
              )}
            </>
          )
        }
      </QueryState>
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this rule?"
        description={`“${deleting?.name ?? ''}” stops proposing actions. Actions it already proposed stay in the queue.`}
        confirmLabel="Delete rule"
        loading={removing.loading}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void onDelete(deleting)}
      />
    </Card>
  )
}

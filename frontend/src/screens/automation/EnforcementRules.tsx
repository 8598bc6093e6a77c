import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Badge, Button, Card, Checkbox, Field, Input, Select, useToast } from '../../components/ui'
import type { EnforcementMode, TrustSettingsQuery, ViolationType } from '../../gql/graphql'
import { ENFORCEMENT_MODES, keysOf, VIOLATIONS } from '../../trust/labels'
import { ConfirmChange } from './ConfirmChange'
import { DeleteEnforcementRuleDocument, PutEnforcementRuleDocument, TrustSettingsDocument } from './operations'

type Gate = TrustSettingsQuery['trustGate']
type Rule = Gate['enforcementRules'][number]

/** Per guardrail: the default mode, or a custom mode and threshold (admins). */
export function EnforcementRules({ gate, canChange }: { gate: Gate; canChange: boolean }) {
  return (
    <Card
      title="Custom rules per guardrail"
      description="Override the enforcement mode (and threshold) of one guardrail; the others follow the settings."
    >
      <ul className="-my-3 divide-y divide-line">
        {keysOf(VIOLATIONS).map((v) => (
          <li key={v} className="py-3">
            <GuardrailRow
              violation={v}
              rule={gate.enforcementRules.find((r) => r.violationType === v)}
              defaultMode={gate.settings.enforcementMode}
              canChange={canChange}
            />
          </li>
        ))}
      </ul>
    </Card>
  )
}

interface GuardrailRowProps {
  violation: ViolationType
  rule: Rule | undefined
  defaultMode: EnforcementMode
  canChange: boolean
}

function GuardrailRow({ violation, rule, defaultMode, canChange }: GuardrailRowProps) {
  const toast = useToast()
  const refetch = { refetchQueries: [TrustSettingsDocument] }
  const [put, putting] = useMutation(PutEnforcementRuleDocument, refetch)
  const [remove, removing] = useMutation(DeleteEnforcementRuleDocument, refetch)
  const [mode, setMode] = useState<EnforcementMode>(rule?.mode ?? defaultMode)
  const [threshold, setThreshold] = useState(rule?.threshold == null ? '' : String(rule.threshold))
  const [enabled, setEnabled] = useState(rule?.enabled ?? true)
  const [error, setError] = useState<string | undefined>(undefined)
  const [confirm, setConfirm] = useState<'save' | 'reset' | null>(null)
  const label = VIOLATIONS[violation].label

  const review = () => {
    const t = threshold.trim()
    if (t !== '' && !(Number.isFinite(Number(t)) && Number(t) >= 0))
      return setError('Enter a number of 0 or more, or leave empty')
    setError(undefined)
    setConfirm('save')
  }
  const run = async () => {
    try {
      const payload =
        confirm === 'reset'
          ? (await remove({ variables: { input: { violationType: violation } } })).data?.deleteEnforcementRule
          : (
              await put({
                variables: {
                  input: {
                    violationType: violation,
                    mode,
                    enabled,
                    threshold: threshold.trim() === '' ? null : Number(threshold),
                  },
                },
              })
            ).data?.putEnforcementRule
      const err = payload?.userErrors[0]
      if (err) setError(err.message)
      else
        toast.show({
          message: confirm === 'reset' ? `“${label}” follows the settings again` : `Custom rule for “${label}” saved`,
        })
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setConfirm(null)
    }
  }

  return (
    <div className="flex flex-col gap-3">
      <p className="flex flex-wrap items-center gap-2 font-medium">
        {label}
        <Badge tone={rule ? 'primary' : 'neutral'}>{rule ? 'Custom' : 'Follows the settings'}</Badge>
        {rule && !rule.enabled && <Badge tone="warning">Guardrail off</Badge>}
      </p>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <fieldset disabled={!canChange} className="grid flex-1 items-start gap-3 sm:grid-cols-[1fr_9rem_auto]">
          <legend className="sr-only">{label}</legend>
          <Field label="Mode">
            <Select value={mode} onChange={(e) => setMode(e.target.value as EnforcementMode)}>
              {keysOf(ENFORCEMENT_MODES).map((m) => (
                <option key={m} value={m}>
                  {ENFORCEMENT_MODES[m].label}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Threshold" hint={`${VIOLATIONS[violation].threshold}; empty keeps the setting`} error={error}>
            <Input
              inputMode="decimal"
              value={threshold}
              placeholder="From settings"
              onChange={(e) => setThreshold(e.target.value)}
            />
          </Field>
          <div className="sm:mt-9">
            <Checkbox label="Guardrail on" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
          </div>
        </fieldset>
        {canChange && (
          <div className="flex flex-wrap gap-2 sm:mt-7">
            <Button size="sm" onClick={review} aria-label={`Save custom rule for ${label}`}>
              Save
            </Button>
            {rule && (
              <Button
                size="sm"
                variant="ghost"
                onClick={() => setConfirm('reset')}
                aria-label={`Reset ${label} to the settings`}
              >
                Reset to settings
              </Button>
            )}
          </div>
        )}
      </div>
      <ConfirmChange
        change={
          confirm === 'save'
            ? {
                title: `Save the custom rule for “${label}”?`,
                description: 'Queued actions are re-gated at once.',
                confirmLabel: 'Save rule',
              }
            : confirm === 'reset'
              ? {
                  title: `Reset “${label}” to the settings?`,
                  description: 'The custom mode and threshold are removed.',
                  confirmLabel: 'Reset',
                }
              : null
        }
        loading={putting.loading || removing.loading}
        onCancel={() => setConfirm(null)}
        onConfirm={() => void run()}
      />
    </div>
  )
}

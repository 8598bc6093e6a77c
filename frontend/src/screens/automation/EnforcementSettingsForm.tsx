import { useMutation } from '@apollo/client/react'
import { useState, type FormEvent } from 'react'

import { Alert, Button, Card, Field, Input, Select, useToast } from '../../components/ui'
import type { EnforcementMode, TrustSettingsQuery, UpdateEnforcementSettingsInput } from '../../gql/graphql'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { ENFORCEMENT_MODES, keysOf } from '../../trust/labels'
import { ConfirmChange } from './ConfirmChange'
import { UpdateEnforcementSettingsDocument } from './operations'

type Settings = TrustSettingsQuery['trustGate']['settings']

const FIELDS = [
  'enforcementMode',
  'maxDailyBudget',
  'maxCampaignBudget',
  'maxBudgetIncreasePct',
  'minRoas',
  'minRoasWindowDays',
  'maxBudgetChangesPerDay',
  'minHoursBetweenChanges',
] as const
type FieldName = (typeof FIELDS)[number]
type NumberField = Exclude<FieldName, 'enforcementMode'>

/** The form's values: numbers as typed; an empty cap means "no cap". */
export type SettingsDraft = { enforcementMode: EnforcementMode } & Record<NumberField, string>

const text = (n: number | null | undefined) => (n == null ? '' : String(n))

export function draftFromSettings(s: Settings): SettingsDraft {
  return {
    enforcementMode: s.enforcementMode,
    maxDailyBudget: text(s.maxDailyBudget),
    maxCampaignBudget: text(s.maxCampaignBudget),
    maxBudgetIncreasePct: text(s.maxBudgetIncreasePct),
    minRoas: text(s.minRoas),
    minRoasWindowDays: text(s.minRoasWindowDays),
    maxBudgetChangesPerDay: text(s.maxBudgetChangesPerDay),
    minHoursBetweenChanges: text(s.minHoursBetweenChanges),
  }
}

/** Each numeric field's bounds, whether it must be whole, and whether empty is allowed (a cap). */
const RULES: Record<NumberField, { min: number; max?: number; int?: boolean; optional?: boolean; message: string }> = {
  maxDailyBudget: { min: 0, max: 1e9, optional: true, message: 'Enter an amount from 0 to 1,000,000,000, or leave empty for no cap' },
  maxCampaignBudget: { min: 0, max: 1e9, optional: true, message: 'Enter an amount from 0 to 1,000,000,000, or leave empty for no cap' },
  maxBudgetIncreasePct: { min: 0, max: 1000, message: 'Enter a percentage from 0 to 1000' },
  minRoas: { min: 0, max: 1000, message: 'Enter a ROAS from 0 to 1000' },
  minRoasWindowDays: { min: 1, max: 90, int: true, message: 'Enter a whole number of days from 1 to 90' },
  maxBudgetChangesPerDay: { min: 0, max: 1000, int: true, message: 'Enter a whole number from 0 to 1000' },
  minHoursBetweenChanges: { min: 0, max: 168, message: 'Enter a number of hours from 0 to 168 (a week)' },
}

/** Client checks of the settings form, by field. */
export function validateSettings(d: SettingsDraft): FormErrors<FieldName>['fields'] {
  const errors: FormErrors<FieldName>['fields'] = {}
  for (const field of keysOf(RULES)) {
    const rule = RULES[field]
    const raw = d[field].trim()
    if (raw === '' && rule.optional) continue
    const n = Number(raw)
    const ok =
      raw !== '' &&
      Number.isFinite(n) &&
      n >= rule.min &&
      (rule.max === undefined || n <= rule.max) &&
      (!rule.int || Number.isInteger(n))
    if (!ok) errors[field] = rule.message
  }
  return errors
}

/** The mutation input of a valid draft: empty caps are cleared. */
export function settingsInput(d: SettingsDraft): UpdateEnforcementSettingsInput {
  const cap = (v: string) => (v.trim() === '' ? null : Number(v))
  const daily = cap(d.maxDailyBudget)
  const campaign = cap(d.maxCampaignBudget)
  return {
    enforcementMode: d.enforcementMode,
    ...(daily === null ? { clearMaxDailyBudget: true } : { maxDailyBudget: daily }),
    ...(campaign === null ? { clearMaxCampaignBudget: true } : { maxCampaignBudget: campaign }),
    maxBudgetIncreasePct: Number(d.maxBudgetIncreasePct),
    minRoas: Number(d.minRoas),
    minRoasWindowDays: Number(d.minRoasWindowDays),
    maxBudgetChangesPerDay: Number(d.maxBudgetChangesPerDay),
    minHoursBetweenChanges: Number(d.minHoursBetweenChanges),
  }
}

const LABELS: Record<NumberField, { label: string; hint: string }> = {
  maxDailyBudget: { label: 'Total daily budget cap', hint: 'Sum of all campaigns’ daily budgets; empty: no cap.' },
  maxCampaignBudget: { label: 'Campaign daily budget cap', hint: 'Per campaign; empty: no cap.' },
  maxBudgetIncreasePct: { label: 'Largest increase per change (%)', hint: 'Default 30.' },
  minRoas: { label: 'Minimum ROAS for increases', hint: 'Default 1.0.' },
  minRoasWindowDays: { label: 'ROAS window (days)', hint: '1–90, default 7.' },
  maxBudgetChangesPerDay: { label: 'Budget changes per campaign per day', hint: 'Default 5.' },
  minHoursBetweenChanges: { label: 'Hours between changes of a campaign', hint: 'Default 4.' },
}

/**
 * The one currency of all the tenant's campaigns (budgets and caps are in
 * it), or null when they differ, are not all loaded, or are unknown.
 */
export function sharedCurrency(
  campaigns:
    { pageInfo: { hasNextPage: boolean }; edges: readonly { node: { currency: string } }[] } | null | undefined,
): string | null {
  if (!campaigns || campaigns.pageInfo.hasNextPage) return null
  const codes = new Set(campaigns.edges.map((e) => e.node.currency))
  return codes.size === 1 ? [...codes][0]! : null
}

const BUDGET_CAPS: readonly NumberField[] = ['maxDailyBudget', 'maxCampaignBudget']

/** A budget cap's label and hint with the currency its amount is in. */
function capLabel(field: NumberField, currency: string | null): { label: string; hint: string } {
  const l = LABELS[field]
  if (!BUDGET_CAPS.includes(field)) return l
  return currency
    ? { label: `${l.label} (${currency})`, hint: `${l.hint} In ${currency}, the currency of all your campaigns.` }
    : { label: l.label, hint: `${l.hint} In each campaign’s currency.` }
}

/** Guardrails every action is checked against; admins change them, after confirming. */
export function EnforcementSettingsForm({
  settings,
  canChange,
  currency = null,
}: {
  settings: Settings
  canChange: boolean
  /** The currency all campaigns share (see sharedCurrency); null: each campaign's own. */
  currency?: string | null
}) {
  const toast = useToast()
  const [draft, setDraft] = useState(() => draftFromSettings(settings))
  const [errors, setErrors] = useState<FormErrors<FieldName>>(noErrors)
  const [confirming, setConfirming] = useState(false)
  const [update, { loading }] = useMutation(UpdateEnforcementSettingsDocument)

  const review = (e: FormEvent) => {
    e.preventDefault()
    const local = validateSettings(draft)
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    setErrors(noErrors)
    setConfirming(true)
  }
  const save = async () => {
    try {
      const payload = (await update({ variables: { input: settingsInput(draft) } })).data?.updateEnforcementSettings
      if (payload && payload.userErrors.length > 0) return setErrors(formErrors(payload.userErrors, FIELDS))
      if (payload?.trustGate) setDraft(draftFromSettings(payload.trustGate.settings))
      toast.show({ message: 'Enforcement settings saved; queued actions were re-gated' })
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    } finally {
      setConfirming(false)
    }
  }

  return (
    <Card title="Enforcement settings" description="Guardrails every proposed action is checked against.">
      <form onSubmit={review} noValidate className="flex flex-col gap-4">
        <fieldset disabled={!canChange} className="grid gap-4 sm:grid-cols-2">
          <legend className="sr-only">Guardrails</legend>
          <Field
            label="When an action breaks a guardrail"
            error={errors.fields.enforcementMode}
            className="sm:col-span-2"
          >
            <Select
              value={draft.enforcementMode}
              onChange={(e) => setDraft({ ...draft, enforcementMode: e.target.value as EnforcementMode })}
            >
              {keysOf(ENFORCEMENT_MODES).map((m) => (
                <option key={m} value={m}>
                  {ENFORCEMENT_MODES[m].label}: {ENFORCEMENT_MODES[m].meaning}
                </option>
              ))}
            </Select>
          </Field>
          {keysOf(LABELS).map((field) => (
            <Field
              key={field}
              label={capLabel(field, currency).label}
              hint={capLabel(field, currency).hint}
              error={errors.fields[field]}
            >
              <Input
                inputMode="decimal"
                value={draft[field]}
                onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
              />
            </Field>
          ))}
        </fieldset>
        {errors.form && <Alert>{errors.form}</Alert>}
        {canChange ? (
          <div>
            <Button type="submit" variant="primary">
              Save settings…
            </Button>
          </div>
        ) : (
          <p className="text-sm text-muted">Admins can change enforcement settings.</p>
        )}
      </form>
      <ConfirmChange
        change={
          confirming
            ? {
                title: 'Save enforcement settings?',
                description:
                  'Every queued action is checked again against the new guardrails; some may be held or blocked.',
                confirmLabel: 'Save settings',
              }
            : null
        }
        loading={loading}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void save()}
      />
    </Card>
  )
}

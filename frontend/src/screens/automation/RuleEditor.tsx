import { useMutation, useQuery } from '@apollo/client/react'
import { useEffect, useRef, useState, type FormEvent } from 'react'

import {
  Alert,
  Button,
  Card,
  GatedButton,
  Checkbox,
  CheckboxGroup,
  Field,
  Input,
  Select,
  useToast,
} from '../../components/ui'
import type { ActionType, Platform, RuleSummaryFieldsFragment, RuleTemplatesQuery } from '../../gql/graphql'
import type { UserErrorLike } from '../../lib/userErrors'
import { ACTION_TYPES, keysOf, PLATFORMS, RISK } from '../../trust/labels'
import { GroupEditor } from './ConditionEditor'
import { CampaignScopePicker } from './CampaignScopePicker'
import { DryRunPanel, type DryRunResult } from './DryRunPanel'
import {
  AutomationRulesDocument,
  CreateRuleDocument,
  RuleTemplatesDocument,
  SimulateRuleDocument,
  UpdateRuleDocument,
} from './operations'
import {
  currentErrors,
  draftFromTemplate,
  MAX_ACTIONS,
  newAction,
  placeErrors,
  toRuleInput,
  toUpdateInput,
  validateDraft,
  type ActionDraft,
  type CampaignStatus,
  type DraftErrors,
  type RuleDraft,
} from './ruleDraft'

export interface RuleEditorProps {
  initial: RuleDraft
  /** Called with the saved rule. */
  onSaved: (rule: RuleSummaryFieldsFragment) => void
  onCancel: () => void
}

/**
 * Creates or edits a rule, and dry-runs it: the draft as it stands (or, for
 * a built-in rule, the saved rule) goes through `simulateRule`. Client checks
 * and the server's userErrors show on the control their path names.
 */
export function RuleEditor({ initial, onSaved, onCancel }: RuleEditorProps) {
  const toast = useToast()
  const [draft, setDraft] = useState(initial)
  // Messages as found for the draft then; what is shown follows the edits since.
  const [found, setFound] = useState<{ errors: DraftErrors; draft: RuleDraft }>({ errors: {}, draft: initial })
  const errors = currentErrors(found.errors, found.draft, draft)
  const [formErrors, setFormErrors] = useState<string[]>([])
  const [dryRun, setDryRun] = useState<DryRunResult | null>(null)
  const [create, creating] = useMutation(CreateRuleDocument, { refetchQueries: [AutomationRulesDocument] })
  const [update, updating] = useMutation(UpdateRuleDocument)
  const [simulate, simulating] = useMutation(SimulateRuleDocument)
  const form = useRef<HTMLFormElement>(null)
  const [focusError, setFocusError] = useState(0)

  // After a failed check, move focus to the first control with a message.
  useEffect(() => {
    if (focusError) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus()
  }, [focusError])

  const set = (patch: Partial<RuleDraft>) => setDraft((d) => ({ ...d, ...patch }))
  const fail = (fields: DraftErrors, messages: string[]) => {
    setFound({ errors: fields, draft })
    setFormErrors(messages)
    setFocusError((n) => n + 1)
  }
  const checked = (): boolean => {
    const local = validateDraft(draft)
    if (Object.keys(local).length === 0) return true
    fail(local, [])
    return false
  }
  const serverFailed = (userErrors: readonly UserErrorLike[]): boolean => {
    if (userErrors.length === 0) return false
    const placed = placeErrors(userErrors, draft)
    fail(placed.fields, placed.form)
    return true
  }
  const clear = () => {
    setFound({ errors: {}, draft })
    setFormErrors([])
  }

  const save = async (e: FormEvent) => {
    e.preventDefault()
    if (!checked()) return
    clear()
    try {
      const id = draft.id
      const payload =
        id === null
          ? (await create({ variables: { input: toRuleInput(draft) } })).data?.createAutomationRule
          : (await update({ variables: { input: toUpdateInput({ ...draft, id }) } })).data?.updateAutomationRule
      if (!payload || serverFailed(payload.userErrors) || !payload.rule) return
      toast.show({ message: `Rule “${payload.rule.name}” saved` })
      onSaved(payload.rule)
    } catch (err) {
      setFormErrors([(err as Error).message])
    }
  }

  const runDryRun = async () => {
    if (!checked()) return
    clear()
    setDryRun(null)
    try {
      // A built-in rule cannot be sent as a draft: its saved version runs.
      const input = draft.builtin && draft.id ? { ruleId: draft.id } : { rule: toRuleInput(draft) }
      const payload = (await simulate({ variables: { input } })).data?.simulateRule
      if (!payload || serverFailed(payload.userErrors)) return
      setDryRun(payload)
    } catch (err) {
      setFormErrors([(err as Error).message])
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <Card
        title={draft.id ? `Edit rule “${initial.name}”` : 'New rule'}
        description="Every action a rule proposes still passes the trust gate."
      >
        <form ref={form} onSubmit={(e) => void save(e)} noValidate className="flex flex-col gap-5">
          {draft.builtin ? (
            <p className="text-sm text-muted">
              A built-in rule decides in code from its parameters: change them, its schedule, cooldown and scope.
            </p>
          ) : (
            <>
              {draft.id === null && <TemplatePicker onPick={(t) => setDraft((d) => draftFromTemplate(t, d))} />}
              <Field label="Name" error={errors['name']}>
                <Input value={draft.name} onChange={(e) => set({ name: e.target.value })} maxLength={200} />
              </Field>
              <Field label="Description" error={errors['description']} hint="Optional: what the rule is for.">
                <Input value={draft.description} onChange={(e) => set({ description: e.target.value })} />
              </Field>
              <GroupEditor
                group={draft.conditions}
                path="conditions"
                depth={1}
                errors={errors}
                onChange={(conditions) => set({ conditions })}
              />
              <Field
                label="Time zone"
                error={errors['timeZone']}
                hint="IANA name, e.g. Europe/Berlin or America/New_York; time windows read the clock here (default UTC)."
              >
                <Input value={draft.timeZone} onChange={(e) => set({ timeZone: e.target.value })} maxLength={64} />
              </Field>
              <ActionsEditor actions={draft.actions} errors={errors} onChange={(actions) => set({ actions })} />
            </>
          )}
          {draft.params.length > 0 && (
            <fieldset className="flex flex-col gap-3">
              <legend className="mb-1 text-sm font-medium">Parameters</legend>
              <div className="grid gap-3 sm:grid-cols-3">
                {draft.params.map((p, i) => (
                  <Field key={p.name} label={p.name} error={errors[`params.${p.name}`]}>
                    <Input
                      inputMode="decimal"
                      value={p.value}
                      onChange={(e) =>
                        set({ params: draft.params.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })
                      }
                    />
                  </Field>
                ))}
              </div>
            </fieldset>
          )}
          <div className="grid gap-3 sm:grid-cols-2">
            <Field
              label="Evaluate every (minutes)"
              error={errors['scheduleMinutes']}
              hint="5 minutes to 7 days (10080)."
            >
              <Input
                inputMode="numeric"
                value={draft.scheduleMinutes}
                onChange={(e) => set({ scheduleMinutes: e.target.value })}
              />
            </Field>
            <Field
              label="Cooldown (hours)"
              error={errors['cooldownSeconds']}
              hint="Before the same action is proposed again for a campaign (0–720)."
            >
              <Input
                inputMode="decimal"
                value={draft.cooldownHours}
                onChange={(e) => set({ cooldownHours: e.target.value })}
              />
            </Field>
          </div>
          <ScopeEditor platforms={draft.platforms} campaignIds={draft.campaignIds} onChange={set} />
          <Checkbox
            label="Enabled: evaluate this rule on its schedule"
            checked={draft.enabled}
            onChange={(e) => set({ enabled: e.target.checked })}
          />
          {formErrors.length > 0 && <Alert>{formErrors.join(' ')}</Alert>}
          <div className="flex flex-wrap gap-2">
            <GatedButton
              feature="automation_rules"
              type="submit"
              variant="primary"
              loading={creating.loading || updating.loading}
            >
              {draft.id ? 'Save rule' : 'Create rule'}
            </GatedButton>
            <GatedButton feature="what_if_simulator" onClick={() => void runDryRun()} loading={simulating.loading}>
              Dry run
            </GatedButton>
            <Button variant="ghost" onClick={onCancel}>
              Cancel
            </Button>
          </div>
          {draft.builtin && (
            <p className="text-xs text-muted">The dry run of a built-in rule uses its saved parameters.</p>
          )}
        </form>
      </Card>
      {dryRun && <DryRunPanel result={dryRun} />}
    </div>
  )
}

type Template = RuleTemplatesQuery['ruleTemplates'][number]

/**
 * "Start from a template": a ready-made rule (CPA stop-loss, scale ROAS
 * winners, pause on zero conversions, the dayparting pair) replaces the draft's name,
 * conditions, actions, schedule and cooldown, to be adjusted before saving.
 */
function TemplatePicker({ onPick }: { onPick: (t: Template) => void }) {
  const { data, error } = useQuery(RuleTemplatesDocument)
  const [key, setKey] = useState('')
  const templates = data?.ruleTemplates ?? []
  const picked = templates.find((t) => t.key === key)
  if (error || templates.length === 0) return null
  return (
    <Field
      label="Start from a template"
      hint={
        picked
          ? `${picked.logic}. ${picked.description}`
          : 'Optional: fills in the conditions and actions below; adjust the numbers to your account.'
      }
    >
      <Select
        value={key}
        onChange={(e) => {
          const t = templates.find((x) => x.key === e.target.value)
          setKey(e.target.value)
          if (t) onPick(t)
        }}
      >
        <option value="">Blank rule</option>
        {templates.map((t) => (
          <option key={t.key} value={t.key}>
            {t.name}
          </option>
        ))}
      </Select>
    </Field>
  )
}

interface ActionsEditorProps {
  actions: ActionDraft[]
  errors: DraftErrors
  onChange: (actions: ActionDraft[]) => void
}

/** The 1–5 actions a rule proposes, each with the parameter its type takes. */
function ActionsEditor({ actions, errors, onChange }: ActionsEditorProps) {
  const setAt = (i: number, patch: Partial<ActionDraft>) =>
    onChange(actions.map((a, j) => (j === i ? { ...a, ...patch } : a)))
  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-line p-3">
      <legend className="px-1 text-sm font-medium">Then propose</legend>
      <ol className="flex flex-col gap-3">
        {actions.map((a, i) => {
          const path = `actions.${i}`
          const kind = ACTION_TYPES[a.type].param
          return (
            <li key={a.key}>
              <div
                role="group"
                aria-label={`Action ${i + 1}`}
                className="grid items-start gap-2 sm:grid-cols-[1fr_10rem_auto]"
              >
                <Field
                  label="Action"
                  error={errors[`${path}.type`] ?? errors[path]}
                  hint={RISK[ACTION_TYPES[a.type].risk]}
                >
                  <Select value={a.type} onChange={(e) => setAt(i, { type: e.target.value as ActionType })}>
                    {keysOf(ACTION_TYPES).map((t) => (
                      <option key={t} value={t}>
                        {ACTION_TYPES[t].label}
                      </option>
                    ))}
                  </Select>
                </Field>
                {kind === 'percent' && (
                  <Field label="By (%)" error={errors[`${path}.params.percent`]}>
                    <Input
                      inputMode="decimal"
                      value={a.percent}
                      onChange={(e) => setAt(i, { percent: e.target.value })}
                    />
                  </Field>
                )}
                {kind === 'amount' && (
                  <Field label="To (amount)" error={errors[`${path}.params.amount`]}>
                    <Input
                      inputMode="decimal"
                      value={a.amount}
                      onChange={(e) => setAt(i, { amount: e.target.value })}
                    />
                  </Field>
                )}
                {kind === 'status' && (
                  <Field label="To status">
                    <Select value={a.status} onChange={(e) => setAt(i, { status: e.target.value as CampaignStatus })}>
                      <option value="PAUSED">Paused</option>
                      <option value="ACTIVE">Active</option>
                    </Select>
                  </Field>
                )}
                {kind === 'none' && <span className="hidden sm:block" />}
                {actions.length > 1 && (
                  <Button
                    size="sm"
                    variant="ghost"
                    className="sm:mt-7"
                    onClick={() => onChange(actions.filter((_, j) => j !== i))}
                    aria-label={`Remove action ${i + 1}`}
                  >
                    Remove
                  </Button>
                )}
              </div>
            </li>
          )
        })}
      </ol>
      {errors['actions'] && (
        <p role="alert" className="text-sm text-error-ink">
          <span aria-hidden>⚠ </span>
          {errors['actions']}
        </p>
      )}
      {actions.length < MAX_ACTIONS && (
        <div>
          <Button size="sm" onClick={() => onChange([...actions, newAction()])}>
            Add action
          </Button>
        </div>
      )}
    </fieldset>
  )
}

interface ScopeEditorProps {
  platforms: Platform[]
  campaignIds: string[]
  onChange: (patch: Pick<RuleDraft, 'platforms'> | Pick<RuleDraft, 'campaignIds'>) => void
}

/** Which platforms and campaigns the rule looks at; nothing ticked means all. */
function ScopeEditor({ platforms, campaignIds, onChange }: ScopeEditorProps) {
  const toggle = <T,>(list: T[], item: T, on: boolean) => (on ? [...list, item] : list.filter((x) => x !== item))
  return (
    <div className="flex flex-col gap-4">
      <CheckboxGroup legend="Platforms (none ticked: all)">
        {keysOf(PLATFORMS).map((p) => (
          <Checkbox
            key={p}
            label={PLATFORMS[p]}
            checked={platforms.includes(p)}
            onChange={(e) => onChange({ platforms: toggle(platforms, p, e.target.checked) })}
          />
        ))}
      </CheckboxGroup>
      <CampaignScopePicker campaignIds={campaignIds} onChange={(ids) => onChange({ campaignIds: ids })} />
    </div>
  )
}

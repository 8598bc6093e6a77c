import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Button, Card, Field, Input, Select } from '../../components/ui'
import type { FunnelFieldsFragment, FunnelFilterOperator, FunnelStepInput } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import type { UserErrorLike } from '../../lib/userErrors'
import { CreateFunnelDocument, UpdateFunnelDocument } from './operations'
import { OPERATORS, parsePath, pathText, WINDOW_UNITS, windowParts, type WindowUnit } from './labels'

/** Bounds the server enforces too (graph/funnels.graphqls). */
export const MIN_STEPS = 2
export const MAX_STEPS = 10

interface StepDraft {
  event: string
  filtered: boolean
  path: string
  operator: FunnelFilterOperator
  value: string
}

const emptyStep = (): StepDraft => ({ event: '', filtered: false, path: '', operator: 'EQUALS', value: '' })

function draftOf(f: FunnelFieldsFragment | null): StepDraft[] {
  if (!f) return [emptyStep(), emptyStep()]
  return f.steps.map((s) => ({
    event: s.event,
    filtered: Boolean(s.filter),
    path: s.filter ? pathText(s.filter.path) : '',
    operator: s.filter?.operator ?? 'EQUALS',
    value: s.filter?.value ?? '',
  }))
}

/** The steps as the mutations take them. */
export function stepInputs(steps: readonly StepDraft[]): FunnelStepInput[] {
  return steps.map((s) => ({
    event: s.event.trim(),
    filter: s.filtered ? { path: parsePath(s.path), operator: s.operator, value: s.value } : null,
  }))
}

/** userErrors by where they go: "name", "window", "steps", "<step>.<field>" (event, path, operator, value) or "form". */
export function placeErrors(errors: readonly UserErrorLike[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of errors) {
    const f = e.field ?? []
    let key = 'form'
    if (f[1] === 'name') key = 'name'
    else if (f[1] === 'windowSeconds') key = 'window'
    else if (f[1] === 'steps' && f.length === 2) key = 'steps'
    else if (f[1] === 'steps' && f[2] !== undefined)
      key = `${f[2]}.${f[3] === 'filter' ? (f[4] ?? 'value') : (f[3] ?? 'event')}`
    out[key] = out[key] ? `${out[key]} ${e.message}` : e.message
  }
  return out
}

/** Creates a funnel, or edits `funnel`: name, ordered steps with optional property filters, and the window. */
export function FunnelEditor({
  funnel,
  onSaved,
  onCancel,
}: {
  funnel: FunnelFieldsFragment | null
  onSaved: (f: FunnelFieldsFragment) => void
  onCancel: () => void
}) {
  const initialWindow = windowParts(funnel?.windowSeconds ?? 86400)
  const [name, setName] = useState(funnel?.name ?? '')
  const [amount, setAmount] = useState(String(initialWindow.amount))
  const [unit, setUnit] = useState<WindowUnit>(initialWindow.unit)
  const [steps, setSteps] = useState<StepDraft[]>(() => draftOf(funnel))
  const [errors, setErrors] = useState<Record<string, string>>({})
  const [create, { loading: creating }] = useMutation(CreateFunnelDocument)
  const [update, { loading: updating }] = useMutation(UpdateFunnelDocument)

  const setStep = (i: number, patch: Partial<StepDraft>) =>
    setSteps((ss) => ss.map((s, j) => (j === i ? { ...s, ...patch } : s)))
  const move = (i: number, by: -1 | 1) =>
    setSteps((ss) => {
      const out = [...ss]
      const [s] = out.splice(i, 1)
      out.splice(i + by, 0, s!)
      return out
    })

  const onSubmit = async () => {
    const n = Number(amount)
    const windowSeconds = Number.isFinite(n) ? Math.round(n * WINDOW_UNITS[unit]) : 0
    const body = { name, windowSeconds, steps: stepInputs(steps) }
    try {
      const payload = funnel
        ? (await update({ variables: { input: { id: funnel.id, ...body } } })).data?.updateFunnel
        : (await create({ variables: { input: body } })).data?.createFunnel
      const ue = payload?.userErrors ?? []
      setErrors(placeErrors(ue))
      if (ue.length === 0 && payload?.funnel) onSaved(payload.funnel)
    } catch (err) {
      setErrors({ form: (err as Error).message })
    }
  }

  return (
    <Card
      title={funnel ? `Edit “${funnel.name}”` : 'New funnel'}
      description="Steps in order: a profile counts at a step when it performed the step's event after the previous step's, within the window of its first step."
    >
      <form
        aria-label={funnel ? 'Edit funnel' : 'New funnel'}
        className="flex flex-col gap-4"
        onSubmit={(e) => {
          e.preventDefault()
          void onSubmit()
        }}
      >
        <div className="grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)]">
          <Field label="Name" error={errors.name}>
            <Input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label="Conversion window" error={errors.window} hint="From the first step; 1 minute to 90 days.">
            <Input inputMode="numeric" value={amount} onChange={(e) => setAmount(e.target.value)} />
          </Field>
          <Field label="Window unit">
            <Select value={unit} onChange={(e) => setUnit(e.target.value as WindowUnit)}>
              <option value="minutes">Minutes</option>
              <option value="hours">Hours</option>
              <option value="days">Days</option>
            </Select>
          </Field>
        </div>
        <fieldset className="flex flex-col gap-3">
          <legend className="mb-2 text-sm font-medium">
            Steps ({MIN_STEPS} to {MAX_STEPS})
          </legend>
          {errors.steps && (
            <p role="alert" className="text-sm text-error-ink">
              {errors.steps}
            </p>
          )}
          {steps.map((s, i) => (
            <div key={i} role="group" aria-label={`Step ${i + 1}`} className="rounded-md border border-line p-3">
              <div className="grid gap-3 md:grid-cols-[minmax(0,2fr)_auto] md:items-end">
                <Field label={`Step ${i + 1} event`} error={errors[`${i}.event`]}>
                  <Input value={s.event} maxLength={200} onChange={(e) => setStep(i, { event: e.target.value })} />
                </Field>
                <div className="flex flex-wrap gap-2">
                  <Button size="sm" disabled={i === 0} onClick={() => move(i, -1)}>
                    Move step {i + 1} up
                  </Button>
                  <Button size="sm" disabled={i === steps.length - 1} onClick={() => move(i, 1)}>
                    Move step {i + 1} down
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={steps.length <= MIN_STEPS}
                    onClick={() => setSteps((ss) => ss.filter((_, j) => j !== i))}
                  >
                    Remove step {i + 1}
                  </Button>
                </div>
              </div>
              <label className="mt-2 flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  checked={s.filtered}
                  onChange={(e) => setStep(i, { filtered: e.target.checked })}
                />
                Filter step {i + 1} by a property
              </label>
              {s.filtered && (
                <div className="mt-2 grid gap-3 md:grid-cols-3">
                  <Field
                    label={`Step ${i + 1} property`}
                    error={errors[`${i}.path`]}
                    hint="Nested keys separated by dots (product.sku)."
                  >
                    <Input value={s.path} onChange={(e) => setStep(i, { path: e.target.value })} />
                  </Field>
                  <Field label={`Step ${i + 1} comparison`} error={errors[`${i}.operator`]}>
                    <Select
                      value={s.operator}
                      onChange={(e) => setStep(i, { operator: e.target.value as FunnelFilterOperator })}
                    >
                      {OPERATORS.map((o) => (
                        <option key={o} value={o}>
                          {enumLabel('FunnelFilterOperator', o)}
                        </option>
                      ))}
                    </Select>
                  </Field>
                  <Field label={`Step ${i + 1} value`} error={errors[`${i}.value`]}>
                    <Input value={s.value} maxLength={500} onChange={(e) => setStep(i, { value: e.target.value })} />
                  </Field>
                </div>
              )}
            </div>
          ))}
          <div>
            <Button
              size="sm"
              disabled={steps.length >= MAX_STEPS}
              onClick={() => setSteps((ss) => [...ss, emptyStep()])}
            >
              Add a step
            </Button>
          </div>
        </fieldset>
        {errors.form && (
          <p role="alert" className="text-sm text-error-ink">
            {errors.form}
          </p>
        )}
        <div className="flex gap-2">
          <Button type="submit" variant="primary" loading={creating || updating}>
            {funnel ? 'Save funnel' : 'Create funnel'}
          </Button>
          <Button onClick={onCancel}>Cancel</Button>
        </div>
      </form>
    </Card>
  )
}

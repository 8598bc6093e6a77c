import { Button, Field, Input, Select } from '../../components/ui'
import type { ComparisonOperator, ConditionGroupOperator, RuleMetric } from '../../gql/graphql'
import { keysOf, METRICS, OPERATORS } from '../../trust/labels'
import {
  childPath,
  MAX_DEPTH,
  newComparison,
  newGroup,
  newTimeWindow,
  type ComparisonDraft,
  type ConditionDraft,
  type DraftErrors,
  type GroupDraft,
  type TimeWindowDraft,
} from './ruleDraft'

export const GROUP_OPS: Record<ConditionGroupOperator, string> = {
  AND: 'All of these hold (AND)',
  OR: 'Any of these holds (OR)',
}

interface GroupEditorProps {
  group: GroupDraft
  /** Its path key, e.g. "conditions" for the root group. */
  path: string
  /** 1 for the root group. */
  depth: number
  errors: DraftErrors
  onChange: (group: GroupDraft) => void
  /** Removes this group from its parent; absent for the root. */
  onRemove?: () => void
}

/**
 * A condition group: AND/OR over comparisons and nested groups (up to
 * MAX_DEPTH levels). Every control shows the message of its own path.
 */
export function GroupEditor({ group, path, depth, errors, onChange, onRemove }: GroupEditorProps) {
  const setChild = (i: number, child: ConditionDraft) =>
    onChange({ ...group, conditions: group.conditions.map((c, j) => (j === i ? child : c)) })
  const removeChild = (i: number) => onChange({ ...group, conditions: group.conditions.filter((_, j) => j !== i) })
  const add = (child: ConditionDraft) => onChange({ ...group, conditions: [...group.conditions, child] })
  const own = errors[path] ?? errors[`${path}.conditions`]
  const legend = depth === 1 ? 'Conditions' : `Nested group (level ${depth})`

  return (
    <fieldset className="flex flex-col gap-3 rounded-md border border-line p-3" data-path={path}>
      <legend className="px-1 text-sm font-medium">{legend}</legend>
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Match" className="w-64" error={errors[`${path}.op`]}>
          <Select
            value={group.op}
            onChange={(e) => onChange({ ...group, op: e.target.value as ConditionGroupOperator })}
          >
            {keysOf(GROUP_OPS).map((op) => (
              <option key={op} value={op}>
                {GROUP_OPS[op]}
              </option>
            ))}
          </Select>
        </Field>
        {onRemove && (
          <Button size="sm" variant="ghost" onClick={onRemove}>
            Remove group
          </Button>
        )}
      </div>
      <ol className="flex flex-col gap-3">
        {group.conditions.map((c, i) => (
          <li key={c.key} className={c.kind === 'group' ? 'border-l-2 border-primary-300 pl-3' : undefined}>
            {c.kind === 'group' ? (
              <GroupEditor
                group={c}
                path={childPath(path, i)}
                depth={depth + 1}
                errors={errors}
                onChange={(g) => setChild(i, g)}
                onRemove={() => removeChild(i)}
              />
            ) : c.kind === 'timeWindow' ? (
              <TimeWindowEditor
                window={c}
                path={childPath(path, i)}
                number={i + 1}
                errors={errors}
                onChange={(x) => setChild(i, x)}
                onRemove={group.conditions.length > 1 ? () => removeChild(i) : undefined}
              />
            ) : (
              <ComparisonEditor
                comparison={c}
                path={childPath(path, i)}
                number={i + 1}
                errors={errors}
                onChange={(x) => setChild(i, x)}
                onRemove={group.conditions.length > 1 ? () => removeChild(i) : undefined}
              />
            )}
          </li>
        ))}
      </ol>
      {own && (
        <p role="alert" className="text-sm text-error-ink">
          <span aria-hidden>⚠ </span>
          {own}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <Button size="sm" onClick={() => add(newComparison())}>
          Add condition
        </Button>
        <Button size="sm" onClick={() => add(newTimeWindow())}>
          Add time window
        </Button>
        {depth < MAX_DEPTH && (
          <Button size="sm" onClick={() => add(newGroup(group.op === 'AND' ? 'OR' : 'AND'))}>
            Add nested group
          </Button>
        )}
      </div>
    </fieldset>
  )
}

interface ComparisonEditorProps {
  comparison: ComparisonDraft
  path: string
  /** Its position in the group, for its accessible name. */
  number: number
  errors: DraftErrors
  onChange: (c: ComparisonDraft) => void
  onRemove: (() => void) | undefined
}

/** metric over window, operator, value — e.g. "ROAS over 7 days < 1". */
function ComparisonEditor({ comparison: c, path, number, errors, onChange, onRemove }: ComparisonEditorProps) {
  const set = (patch: Partial<ComparisonDraft>) => onChange({ ...c, ...patch })
  return (
    <div role="group" aria-label={`Condition ${number}`} data-path={path} className="flex flex-col gap-1">
      <div className="grid grid-cols-2 items-start gap-2 sm:grid-cols-[1fr_7rem_1fr_7rem_auto]">
        <Field label="Metric" error={errors[`${path}.metric`]}>
          <Select value={c.metric} onChange={(e) => set({ metric: e.target.value as RuleMetric })}>
            {keysOf(METRICS).map((m) => (
              <option key={m} value={m}>
                {METRICS[m]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Window (days)" error={errors[`${path}.windowDays`]}>
          <Input inputMode="numeric" value={c.windowDays} onChange={(e) => set({ windowDays: e.target.value })} />
        </Field>
        <Field label="Operator" error={errors[`${path}.operator`]}>
          <Select value={c.operator} onChange={(e) => set({ operator: e.target.value as ComparisonOperator })}>
            {keysOf(OPERATORS).map((o) => (
              <option key={o} value={o}>
                {OPERATORS[o].symbol} {OPERATORS[o].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Value" error={errors[`${path}.value`]}>
          <Input inputMode="decimal" value={c.value} onChange={(e) => set({ value: e.target.value })} />
        </Field>
        {onRemove && (
          <Button
            size="sm"
            variant="ghost"
            className="sm:mt-7"
            onClick={onRemove}
            aria-label={`Remove condition ${number}`}
          >
            Remove
          </Button>
        )}
      </div>
      {errors[path] && (
        <p role="alert" className="text-sm text-error-ink">
          <span aria-hidden>⚠ </span>
          {errors[path]}
        </p>
      )}
    </div>
  )
}

/** ISO weekdays, Monday first, as the API numbers them. */
export const WEEKDAYS: readonly { day: number; short: string; name: string }[] = [
  { day: 1, short: 'Mon', name: 'Monday' },
  { day: 2, short: 'Tue', name: 'Tuesday' },
  { day: 3, short: 'Wed', name: 'Wednesday' },
  { day: 4, short: 'Thu', name: 'Thursday' },
  { day: 5, short: 'Fri', name: 'Friday' },
  { day: 6, short: 'Sat', name: 'Saturday' },
  { day: 7, short: 'Sun', name: 'Sunday' },
]

const HOURS = Array.from({ length: 24 }, (_, h) => h)
const hourText = (h: number) => `${String(h).padStart(2, '0')}:00`

interface TimeWindowEditorProps {
  window: TimeWindowDraft
  path: string
  number: number
  errors: DraftErrors
  onChange: (w: TimeWindowDraft) => void
  onRemove: (() => void) | undefined
}

/**
 * "Time between 22:00 and 07:00, Mon–Fri" in the rule's time zone. A
 * window whose start is after its end runs across midnight; the weekdays
 * are the days it starts on (none ticked: every day).
 */
export function TimeWindowEditor({ window: c, path, number, errors, onChange, onRemove }: TimeWindowEditorProps) {
  const w = c.timeWindow
  const set = (patch: Partial<TimeWindowDraft['timeWindow']>) => onChange({ ...c, timeWindow: { ...w, ...patch } })
  const at = (f: string) => errors[`${path}.timeWindow.${f}`]
  const toggle = (day: number) =>
    set({
      weekdays: w.weekdays.includes(day)
        ? w.weekdays.filter((d) => d !== day)
        : [...w.weekdays, day].sort((a, b) => a - b),
    })
  const across = Number(w.fromHour) > Number(w.toHour)
  return (
    <div role="group" aria-label={`Condition ${number}: time window`} data-path={path} className="flex flex-col gap-2">
      <div className="grid grid-cols-2 items-start gap-2 sm:grid-cols-[10rem_10rem_auto]">
        <Field label="Time from" error={at('fromHour')}>
          <Select value={w.fromHour} onChange={(e) => set({ fromHour: e.target.value })}>
            {HOURS.map((h) => (
              <option key={h} value={String(h)}>
                {hourText(h)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Until (not including)" error={at('toHour')}>
          <Select value={w.toHour} onChange={(e) => set({ toHour: e.target.value })}>
            {HOURS.map((h) => (
              <option key={h} value={String(h)}>
                {hourText(h)}
              </option>
            ))}
          </Select>
        </Field>
        {onRemove && (
          <Button
            size="sm"
            variant="ghost"
            className="sm:mt-7"
            onClick={onRemove}
            aria-label={`Remove condition ${number}`}
          >
            Remove
          </Button>
        )}
      </div>
      <fieldset className="flex flex-wrap items-center gap-3 text-sm">
        <legend className="mb-1 text-sm">Starting on (none ticked: every day)</legend>
        {WEEKDAYS.map((d) => (
          <label key={d.day} className="flex items-center gap-1">
            <input
              type="checkbox"
              checked={w.weekdays.includes(d.day)}
              onChange={() => toggle(d.day)}
              aria-label={d.name}
            />
            {d.short}
          </label>
        ))}
      </fieldset>
      <p className="text-xs text-muted">
        In the rule&apos;s time zone (below).
        {across && ' Runs across midnight: a window that starts on Friday includes Saturday morning.'}
      </p>
      {(errors[path] ?? at('weekdays')) && (
        <p role="alert" className="text-sm text-error-ink">
          <span aria-hidden>⚠ </span>
          {errors[path] ?? at('weekdays')}
        </p>
      )}
    </div>
  )
}

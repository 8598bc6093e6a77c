import { Button, Field, Input, Select } from '../../components/ui'
import type { ComparisonOperator, ConditionGroupOperator, RuleMetric } from '../../gql/graphql'
import { keysOf, METRICS, OPERATORS } from '../../trust/labels'
import {
  childPath,
  MAX_DEPTH,
  newComparison,
  newGroup,
  type ComparisonDraft,
  type ConditionDraft,
  type DraftErrors,
  type GroupDraft,
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

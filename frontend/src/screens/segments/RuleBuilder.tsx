import { createContext, useContext } from 'react'

import { Button, Checkbox, Field, Input, Select } from '../../components/ui'
import type {
  EventCountOperator,
  IdentifierType,
  LifecycleStage,
  RfmSegment,
  SegmentOperator,
  SegmentProfileField,
  SegmentRfmMeasure,
} from '../../gql/graphql'
import { enumLabel, IDENTIFIER_TYPES, LIFECYCLE_STAGES, RFM_SEGMENTS } from '../../lib/enumLabels'
import { EVENT_COUNT_OPERATORS, SEGMENT_PROFILE_FIELDS, SEGMENT_RFM_MEASURES } from './labels'
import {
  newCondition,
  newFilter,
  newGroup,
  OPERATORS_FOR,
  operatorsOf,
  type ConditionKind,
  type ConditionNode,
  type EventNode,
  type FilterNode,
  type GroupNode,
  type RuleNode,
} from './rules'

/** Nested groups the builder offers (the server takes 6 levels; one is the condition). */
const MAX_GROUP_DEPTH = 4

const KINDS: Record<ConditionKind, string> = {
  event: 'Performed an event',
  field: 'Profile field',
  trait: 'Custom trait',
  identifier: 'Identifier',
  computedTrait: 'Computed trait',
  rfm: 'RFM',
}

/** A computed trait's definition a condition may name. */
export interface TraitDefinitionOption {
  id: string
  name: string
}

/** null: not loaded (yet, or the request failed). */
const TraitDefinitions = createContext<readonly TraitDefinitionOption[] | null>(null)

export interface RuleBuilderProps {
  root: GroupNode
  onChange: (root: GroupNode) => void
  /** Messages by node key (the server's, mapped onto the nodes). */
  errors: ReadonlyMap<string, string>
  /** The workspace's computed traits (for computed-trait conditions); null while not loaded. */
  traitDefinitions?: readonly TraitDefinitionOption[] | null
}

/** The segment's rules: nested AND/OR groups of conditions. */
export function RuleBuilder({ root, onChange, errors, traitDefinitions = null }: RuleBuilderProps) {
  return (
    <TraitDefinitions.Provider value={traitDefinitions}>
      <Group node={root} onChange={(n) => onChange(n as GroupNode)} errors={errors} depth={1} label="Rules" />
    </TraitDefinitions.Provider>
  )
}

interface NodeProps<N> {
  node: N
  onChange: (n: RuleNode) => void
  onRemove?: () => void
  errors: ReadonlyMap<string, string>
  depth: number
  label: string
}

function NodeError({ id, message }: { id: string; message: string | undefined }) {
  if (!message) return null
  return (
    <p id={id} role="alert" className="text-sm text-error-ink">
      <span aria-hidden>⚠ </span>
      {message}
    </p>
  )
}

function Group({ node, onChange, onRemove, errors, depth, label }: NodeProps<GroupNode>) {
  const set = (children: RuleNode[]) => onChange({ ...node, children })
  const errorId = `${node.key}-error`
  return (
    <fieldset
      aria-label={label}
      aria-describedby={errors.has(node.key) ? errorId : undefined}
      className="flex flex-col gap-3 rounded-lg border border-line p-3"
    >
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Profiles matching">
          <Select value={node.op} onChange={(e) => onChange({ ...node, op: e.target.value as 'and' | 'or' })}>
            <option value="and">all of these (AND)</option>
            <option value="or">any of these (OR)</option>
          </Select>
        </Field>
        <Checkbox
          label="Exclude the profiles this group matches (NOT)"
          checked={node.negate}
          onChange={(e) => onChange({ ...node, negate: e.target.checked })}
        />
        {onRemove && (
          <Button variant="ghost" onClick={onRemove}>
            Remove group
          </Button>
        )}
      </div>
      <NodeError id={errorId} message={errors.get(node.key)} />
      {node.children.map((child, i) => {
        const change = (n: RuleNode) => set(node.children.map((c, j) => (j === i ? n : c)))
        const remove = node.children.length > 1 ? () => set(node.children.filter((_, j) => j !== i)) : undefined
        const childLabel = `${label} › ${child.type === 'group' ? 'group' : 'condition'} ${i + 1}`
        return child.type === 'group' ? (
          <Group
            key={child.key}
            node={child}
            onChange={change}
            onRemove={remove}
            errors={errors}
            depth={depth + 1}
            label={childLabel}
          />
        ) : (
          <Condition
            key={child.key}
            node={child}
            onChange={change}
            onRemove={remove}
            errors={errors}
            depth={depth + 1}
            label={childLabel}
          />
        )
      })}
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => set([...node.children, newCondition()])}>Add condition</Button>
        {depth < MAX_GROUP_DEPTH && <Button onClick={() => set([...node.children, newGroup('or')])}>Add group</Button>}
      </div>
    </fieldset>
  )
}

function Condition({ node, onChange, onRemove, errors, label }: NodeProps<ConditionNode>) {
  const loaded = useContext(TraitDefinitions)
  const definitions = loaded ?? []
  const set = (patch: Partial<ConditionNode>) => onChange({ ...node, ...patch })
  const errorId = `${node.key}-error`
  const changeKind = (kind: ConditionKind) => {
    const fresh = newCondition(kind)
    onChange({ ...fresh, key: node.key, negate: node.negate })
  }
  return (
    <fieldset
      aria-label={label}
      aria-invalid={errors.has(node.key) || undefined}
      aria-describedby={errors.has(node.key) ? errorId : undefined}
      className={`flex flex-col gap-3 rounded-md border p-3 ${errors.has(node.key) ? 'border-error-ink' : 'border-line'}`}
    >
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Condition">
          <Select value={node.kind} onChange={(e) => changeKind(e.target.value as ConditionKind)}>
            {(Object.keys(KINDS) as ConditionKind[]).map((k) => (
              <option key={k} value={k}>
                {KINDS[k]}
              </option>
            ))}
          </Select>
        </Field>
        {node.kind === 'field' && (
          <Field label="Field">
            <Select
              value={node.field}
              onChange={(e) => {
                const field = e.target.value as SegmentProfileField
                const next = { ...node, field }
                const ops = operatorsOf(next)
                set({ field, operator: ops.includes(node.operator) ? node.operator : ops[0]!, value: '' })
              }}
            >
              {(Object.keys(SEGMENT_PROFILE_FIELDS) as SegmentProfileField[]).map((f) => (
                <option key={f} value={f}>
                  {enumLabel('SegmentProfileField', f)}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {node.kind === 'trait' && (
          <Field label="Trait" hint="Its key; a.b for a nested key.">
            <Input value={node.trait} onChange={(e) => set({ trait: e.target.value })} />
          </Field>
        )}
        {node.kind === 'identifier' && (
          <Field label="Identifier type">
            <Select value={node.identifier} onChange={(e) => set({ identifier: e.target.value as IdentifierType })}>
              {(Object.keys(IDENTIFIER_TYPES) as IdentifierType[]).map((t) => (
                <option key={t} value={t}>
                  {enumLabel('IdentifierType', t)}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {node.kind === 'computedTrait' && (
          <Field label="Computed trait">
            <Select value={node.computedTrait} onChange={(e) => set({ computedTrait: e.target.value })}>
              <option value="">
                {loaded === null
                  ? 'Computed traits not loaded'
                  : definitions.length
                    ? 'Choose a computed trait'
                    : 'No computed traits yet (define one under Traits)'}
              </option>
              {node.computedTrait !== '' && !definitions.some((d) => d.id === node.computedTrait) && (
                <option value={node.computedTrait}>A deleted computed trait</option>
              )}
              {definitions.map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {node.kind === 'rfm' && (
          <Field label="RFM measure">
            <Select
              value={node.rfm}
              onChange={(e) => {
                const rfm = e.target.value as SegmentRfmMeasure
                const ops = operatorsOf({ ...node, rfm })
                set({ rfm, operator: ops.includes(node.operator) ? node.operator : ops[0]!, value: '' })
              }}
            >
              {(Object.keys(SEGMENT_RFM_MEASURES) as SegmentRfmMeasure[]).map((m) => (
                <option key={m} value={m}>
                  {enumLabel('SegmentRfmMeasure', m)}
                </option>
              ))}
            </Select>
          </Field>
        )}
        {node.kind !== 'event' && (
          <Operands
            operators={operatorsOf(node)}
            operator={node.operator}
            value={node.value}
            values={node.values}
            time={node.kind === 'field' && (node.field === 'FIRST_SEEN_AT' || node.field === 'LAST_SEEN_AT')}
            stages={node.kind === 'field' && node.field === 'LIFECYCLE_STAGE'}
            cells={node.kind === 'rfm' && node.rfm === 'CELL'}
            scores={node.kind === 'rfm' && node.rfm !== 'CELL'}
            onChange={(p) => set(p)}
          />
        )}
      </div>
      {node.kind === 'event' && <EventFields event={node.event} onChange={(event) => set({ event })} errors={errors} />}
      <div className="flex flex-wrap items-center gap-3">
        <Checkbox
          label="Exclude the profiles this condition matches (NOT)"
          checked={node.negate}
          onChange={(e) => set({ negate: e.target.checked })}
        />
        {onRemove && (
          <Button variant="ghost" onClick={onRemove}>
            Remove condition
          </Button>
        )}
      </div>
      <NodeError id={errorId} message={errors.get(node.key)} />
    </fieldset>
  )
}

interface OperandsProps {
  operators: SegmentOperator[]
  operator: SegmentOperator
  value: string
  values: string[]
  time?: boolean
  stages?: boolean
  /** RFM cells (RfmSegment names). */
  cells?: boolean
  /** RFM scores (1–5). */
  scores?: boolean
  onChange: (p: { operator?: SegmentOperator; value?: string; values?: string[] }) => void
  operatorLabel?: string
}

/** An operator and the inputs of its value(s). */
function Operands({
  operators,
  operator,
  value,
  values,
  time,
  stages,
  cells,
  scores,
  onChange,
  operatorLabel,
}: OperandsProps) {
  const inputType = time ? 'date' : 'text'
  return (
    <>
      <Field label={operatorLabel ?? 'Operator'}>
        <Select value={operator} onChange={(e) => onChange({ operator: e.target.value as SegmentOperator })}>
          {operators.map((o) => (
            <option key={o} value={o}>
              {enumLabel('SegmentOperator', o)}
            </option>
          ))}
        </Select>
      </Field>
      {operator === 'BETWEEN' && (
        <>
          <Field label="From">
            <Input
              type={inputType}
              value={values[0] ?? ''}
              onChange={(e) => onChange({ values: [e.target.value, values[1] ?? ''] })}
            />
          </Field>
          <Field label="To">
            <Input
              type={inputType}
              value={values[1] ?? ''}
              onChange={(e) => onChange({ values: [values[0] ?? '', e.target.value] })}
            />
          </Field>
        </>
      )}
      {operator === 'IN' && (
        <Field
          label="Values"
          hint={
            stages
              ? 'Comma-separated: ANONYMOUS, KNOWN, CUSTOMER, CHURNED.'
              : cells
                ? `Comma-separated: ${Object.keys(RFM_SEGMENTS).join(', ')}.`
                : scores
                  ? 'Comma-separated scores from 1 to 5.'
                  : 'Comma-separated.'
          }
        >
          <Input value={value} onChange={(e) => onChange({ value: e.target.value })} />
        </Field>
      )}
      {operator === 'WITHIN_LAST' && (
        <Field label="Days">
          <Input type="number" min={1} value={value} onChange={(e) => onChange({ value: e.target.value })} />
        </Field>
      )}
      {operator !== 'BETWEEN' && operator !== 'IN' && operator !== 'WITHIN_LAST' && operator !== 'EXISTS' && (
        <Field label="Value">
          {stages ? (
            <Select value={value} onChange={(e) => onChange({ value: e.target.value })}>
              <option value="">Choose a stage</option>
              {(Object.keys(LIFECYCLE_STAGES) as LifecycleStage[]).map((s) => (
                <option key={s} value={s}>
                  {enumLabel('LifecycleStage', s)}
                </option>
              ))}
            </Select>
          ) : cells ? (
            <Select value={value} onChange={(e) => onChange({ value: e.target.value })}>
              <option value="">Choose a cell</option>
              {(Object.keys(RFM_SEGMENTS) as RfmSegment[]).map((c) => (
                <option key={c} value={c}>
                  {enumLabel('RfmSegment', c)}
                </option>
              ))}
            </Select>
          ) : scores ? (
            <Input type="number" min={1} max={5} value={value} onChange={(e) => onChange({ value: e.target.value })} />
          ) : (
            <Input type={inputType} value={value} onChange={(e) => onChange({ value: e.target.value })} />
          )}
        </Field>
      )}
    </>
  )
}

function EventFields({
  event,
  onChange,
  errors,
}: {
  event: EventNode
  onChange: (e: EventNode) => void
  errors: ReadonlyMap<string, string>
}) {
  const set = (patch: Partial<EventNode>) => onChange({ ...event, ...patch })
  const setFilter = (i: number, f: FilterNode) => set({ where: event.where.map((g, j) => (j === i ? f : g)) })
  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Event name">
          <Input value={event.name} placeholder="Order Completed" onChange={(e) => set({ name: e.target.value })} />
        </Field>
        <Field label="Times">
          <Select value={event.countOp} onChange={(e) => set({ countOp: e.target.value as EventCountOperator })}>
            {(Object.keys(EVENT_COUNT_OPERATORS) as EventCountOperator[]).map((o) => (
              <option key={o} value={o}>
                {enumLabel('EventCountOperator', o)}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Count">
          <Input type="number" min={0} value={event.count} onChange={(e) => set({ count: e.target.value })} />
        </Field>
        <Field label="When">
          <Select value={event.windowOp} onChange={(e) => set({ windowOp: e.target.value as SegmentOperator | '' })}>
            <option value="">At any time</option>
            {OPERATORS_FOR.window.map((o) => (
              <option key={o} value={o}>
                {enumLabel('SegmentOperator', o)}
              </option>
            ))}
          </Select>
        </Field>
        {event.windowOp === 'WITHIN_LAST' && (
          <Field label="Days">
            <Input
              type="number"
              min={1}
              value={event.windowValue}
              onChange={(e) => set({ windowValue: e.target.value })}
            />
          </Field>
        )}
        {(event.windowOp === 'BEFORE' || event.windowOp === 'AFTER') && (
          <Field label="Date">
            <Input type="date" value={event.windowValue} onChange={(e) => set({ windowValue: e.target.value })} />
          </Field>
        )}
        {event.windowOp === 'BETWEEN' && (
          <>
            <Field label="From">
              <Input
                type="date"
                value={event.windowValues[0] ?? ''}
                onChange={(e) => set({ windowValues: [e.target.value, event.windowValues[1] ?? ''] })}
              />
            </Field>
            <Field label="To">
              <Input
                type="date"
                value={event.windowValues[1] ?? ''}
                onChange={(e) => set({ windowValues: [event.windowValues[0] ?? '', e.target.value] })}
              />
            </Field>
          </>
        )}
      </div>
      {event.where.map((f, i) => (
        <fieldset
          key={f.key}
          aria-label={`Property filter ${i + 1}`}
          aria-invalid={errors.has(f.key) || undefined}
          className="ml-4 flex flex-col gap-2 border-l-2 border-line pl-3"
        >
          <div className="flex flex-wrap items-end gap-3">
            <Field label="Property" hint="Its key; a.b for a nested key.">
              <Input
                value={f.path}
                placeholder="total"
                onChange={(e) => setFilter(i, { ...f, path: e.target.value })}
              />
            </Field>
            <Operands
              operators={OPERATORS_FOR.json}
              operator={f.operator}
              value={f.value}
              values={f.values}
              onChange={(p) => setFilter(i, { ...f, ...p })}
            />
            <Button variant="ghost" onClick={() => set({ where: event.where.filter((_, j) => j !== i) })}>
              Remove filter
            </Button>
          </div>
          <NodeError id={`${f.key}-error`} message={errors.get(f.key)} />
        </fieldset>
      ))}
      <div>
        <Button onClick={() => set({ where: [...event.where, newFilter()] })}>Add property filter</Button>
      </div>
    </div>
  )
}

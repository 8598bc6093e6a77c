// The segment builder's model of a rule tree (docs/adr/0020): groups of
// conditions the screen edits, turned into the API's SegmentRuleInput and
// back from a saved segment's rules (JSON of the same shape). Building the
// input records where each node lands, so an error's path from the server
// (["input", "rules", "and", "1", "or", "0", "value"]) finds the condition
// it is about.
import type {
  EventCountOperator,
  IdentifierType,
  SegmentOperator,
  SegmentProfileField,
  SegmentRfmMeasure,
  SegmentRuleInput,
} from '../../gql/graphql'

export type ConditionKind = 'field' | 'trait' | 'identifier' | 'event' | 'computedTrait' | 'rfm'

export interface FilterNode {
  key: string
  /** The property's path, dot-separated ("cart.size"). */
  path: string
  operator: SegmentOperator
  value: string
  /** IN: comma-separated; BETWEEN: [low, high]. */
  values: string[]
}

export interface EventNode {
  name: string
  where: FilterNode[]
  countOp: EventCountOperator
  count: string
  /** '' for all time. */
  windowOp: SegmentOperator | ''
  windowValue: string
  windowValues: string[]
}

export interface ConditionNode {
  key: string
  type: 'condition'
  negate: boolean
  kind: ConditionKind
  field: SegmentProfileField
  trait: string
  identifier: IdentifierType
  /** A computed trait's definition (its global id; '' until chosen). */
  computedTrait: string
  rfm: SegmentRfmMeasure
  operator: SegmentOperator
  value: string
  values: string[]
  event: EventNode
}

export interface GroupNode {
  key: string
  type: 'group'
  negate: boolean
  op: 'and' | 'or'
  children: RuleNode[]
}

export type RuleNode = GroupNode | ConditionNode

let seq = 0
/** A key unique in this page's life (React keys, error targets). */
export function newKey(): string {
  seq += 1
  return `n${seq}`
}

/** Operators by subject, as the server takes them. */
export const OPERATORS_FOR: Record<
  'stage' | 'time' | 'number' | 'json' | 'identifier' | 'window' | 'rfmCell' | 'rfmScore',
  SegmentOperator[]
> = {
  stage: ['EQUALS', 'NOT_EQUALS', 'IN'],
  time: ['WITHIN_LAST', 'BEFORE', 'AFTER', 'BETWEEN'],
  number: ['EQUALS', 'NOT_EQUALS', 'GREATER_THAN', 'LESS_THAN', 'BETWEEN', 'IN'],
  json: ['EQUALS', 'NOT_EQUALS', 'CONTAINS', 'GREATER_THAN', 'LESS_THAN', 'BETWEEN', 'IN', 'EXISTS'],
  identifier: ['EXISTS', 'EQUALS', 'IN'],
  window: ['WITHIN_LAST', 'BEFORE', 'AFTER', 'BETWEEN'],
  rfmCell: ['EQUALS', 'IN'],
  rfmScore: ['EQUALS', 'GREATER_THAN', 'LESS_THAN', 'BETWEEN', 'IN'],
}

/** The operators a condition may use. */
export function operatorsOf(c: ConditionNode): SegmentOperator[] {
  switch (c.kind) {
    case 'field':
      if (c.field === 'LIFECYCLE_STAGE') return OPERATORS_FOR.stage
      if (c.field === 'FIRST_SEEN_AT' || c.field === 'LAST_SEEN_AT') return OPERATORS_FOR.time
      return OPERATORS_FOR.number
    case 'trait':
    case 'computedTrait':
      return OPERATORS_FOR.json
    case 'rfm':
      return c.rfm === 'CELL' ? OPERATORS_FOR.rfmCell : OPERATORS_FOR.rfmScore
    case 'identifier':
      return OPERATORS_FOR.identifier
    default:
      return []
  }
}

export function newFilter(): FilterNode {
  return { key: newKey(), path: '', operator: 'EQUALS', value: '', values: ['', ''] }
}

export function newCondition(kind: ConditionKind = 'event'): ConditionNode {
  return {
    key: newKey(),
    type: 'condition',
    negate: false,
    kind,
    field: 'EVENT_COUNT',
    trait: '',
    identifier: 'EMAIL',
    computedTrait: '',
    rfm: 'CELL',
    operator: kind === 'identifier' ? 'EXISTS' : kind === 'trait' || kind === 'rfm' ? 'EQUALS' : 'GREATER_THAN',
    value: '',
    values: ['', ''],
    event: {
      name: '',
      where: [],
      countOp: 'AT_LEAST',
      count: '1',
      windowOp: 'WITHIN_LAST',
      windowValue: '30',
      windowValues: ['', ''],
    },
  }
}

export function newGroup(op: 'and' | 'or' = 'and', children: RuleNode[] = [newCondition()]): GroupNode {
  return { key: newKey(), type: 'group', negate: false, op, children }
}

/** Where each node's input lies (paths relative to the rules' root). */
export type NodePaths = Map<string, string>

const pathKey = (p: (string | number)[]) => p.map(String).join('/')

/** Splits a dotted path; empty parts are kept so the server names them. */
export const splitPath = (s: string): string[] => (s === '' ? [] : s.split('.'))

/** A date (YYYY-MM-DD) as the API's time (midnight UTC); anything else as typed. */
export function timeOperand(s: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s
}

/** Back from the API's time to the date input's value. */
function dateOperand(s: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T00:00:00Z$/.exec(s)
  return m ? m[1]! : s
}

interface Operands {
  value?: string
  values?: string[]
}

/** The value or values an operator sends (IN: the comma-separated list). */
function operands(op: SegmentOperator | '', value: string, values: string[], time: boolean): Operands {
  const t = time ? timeOperand : (s: string) => s
  switch (op) {
    case 'EXISTS':
    case '':
      return {}
    case 'IN':
      return {
        values: value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== ''),
      }
    case 'BETWEEN':
      return { values: [t(values[0] ?? ''), t(values[1] ?? '')] }
    default:
      return { value: t(value) }
  }
}

function isTimeCondition(c: ConditionNode): boolean {
  return c.kind === 'field' && (c.field === 'FIRST_SEEN_AT' || c.field === 'LAST_SEEN_AT')
}

/** Builds the API's input of a tree, recording each node's path in paths. */
export function toInput(node: RuleNode, paths: NodePaths = new Map(), at: (string | number)[] = []): SegmentRuleInput {
  if (node.negate) {
    paths.set(pathKey(at), node.key)
    return { not: toInput({ ...node, negate: false }, paths, [...at, 'not']) }
  }
  paths.set(pathKey(at), node.key)
  if (node.type === 'group') {
    return { [node.op]: node.children.map((c, i) => toInput(c, paths, [...at, node.op, i])) }
  }
  switch (node.kind) {
    case 'field':
      return {
        field: node.field,
        operator: node.operator,
        ...operands(node.operator, node.value, node.values, isTimeCondition(node)),
      }
    case 'trait':
      return {
        trait: splitPath(node.trait),
        operator: node.operator,
        ...operands(node.operator, node.value, node.values, false),
      }
    case 'computedTrait':
      return {
        computedTrait: node.computedTrait,
        operator: node.operator,
        ...operands(node.operator, node.value, node.values, false),
      }
    case 'rfm':
      return {
        rfm: node.rfm,
        operator: node.operator,
        ...operands(node.operator, node.value, node.values, false),
      }
    case 'identifier':
      return {
        identifier: node.identifier,
        operator: node.operator,
        ...operands(node.operator, node.value, node.values, false),
      }
    case 'event': {
      const e = node.event
      node.event.where.forEach((f, i) => paths.set(pathKey([...at, 'event', 'where', i]), f.key))
      return {
        event: {
          name: e.name,
          where: e.where.map((f) => ({
            path: splitPath(f.path),
            operator: f.operator,
            ...operands(f.operator, f.value, f.values, false),
          })),
          count: { operator: e.countOp, value: Number.parseInt(e.count, 10) || 0 },
          ...(e.windowOp
            ? { window: { operator: e.windowOp, ...operands(e.windowOp, e.windowValue, e.windowValues, true) } }
            : {}),
        },
      }
    }
  }
}

/** The node an error's path (after the rules' root) is about: the deepest node on it. */
export function nodeOfError(paths: NodePaths, rest: readonly string[]): string | undefined {
  for (let n = rest.length; n >= 0; n--) {
    const key = paths.get(rest.slice(0, n).join('/'))
    if (key) return key
  }
  return undefined
}

/** A stored rule tree (JSON of SegmentRuleInput) as the builder's nodes; a condition the builder cannot show becomes null. */
export function fromJSON(json: string): GroupNode | null {
  try {
    const node = fromInput(JSON.parse(json) as SegmentRuleInput)
    if (!node) return null
    return node.type === 'group' && !node.negate ? node : newGroup('and', [node])
  } catch {
    return null
  }
}

function fromInput(r: SegmentRuleInput): RuleNode | null {
  if (r.not) {
    const inner = fromInput(r.not)
    return inner ? { ...inner, negate: !inner.negate } : null
  }
  if (r.and || r.or) {
    const op = r.and ? 'and' : 'or'
    const children = (r.and ?? r.or ?? []).map(fromInput)
    if (children.some((c) => c === null)) return null
    return newGroup(op, children as RuleNode[])
  }
  const c = newCondition(
    r.event
      ? 'event'
      : r.trait
        ? 'trait'
        : r.identifier
          ? 'identifier'
          : r.computedTrait
            ? 'computedTrait'
            : r.rfm
              ? 'rfm'
              : 'field',
  )
  if (r.operator) c.operator = r.operator
  const time = r.field === 'FIRST_SEEN_AT' || r.field === 'LAST_SEEN_AT'
  const back = (s: string) => (time ? dateOperand(s) : s)
  if (r.value != null) c.value = back(r.value)
  if (r.values) {
    if (r.operator === 'IN') c.value = r.values.join(', ')
    else c.values = r.values.map(back)
  }
  if (r.field) c.field = r.field
  if (r.trait) c.trait = r.trait.join('.')
  if (r.identifier) c.identifier = r.identifier
  if (r.computedTrait) c.computedTrait = traitDefinitionId(r.computedTrait)
  if (r.rfm) c.rfm = r.rfm
  if (r.event) {
    const e = r.event
    c.event = {
      name: e.name,
      where: (e.where ?? []).map((f) => ({
        key: newKey(),
        path: f.path.join('.'),
        operator: f.operator,
        value: f.operator === 'IN' ? (f.values ?? []).join(', ') : (f.value ?? ''),
        values: f.operator === 'BETWEEN' ? (f.values ?? ['', '']) : ['', ''],
      })),
      countOp: e.count?.operator ?? 'AT_LEAST',
      count: String(e.count?.value ?? 1),
      windowOp: e.window?.operator ?? '',
      windowValue: e.window?.value != null ? dateOperand(e.window.value) : '',
      windowValues: (e.window?.values ?? ['', '']).map(dateOperand),
    }
  }
  return c
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/**
 * A stored computed-trait reference as the definition's global id: the
 * saved rules hold the definition's uuid, the API's ids are base64url of
 * "TraitDefinition:<uuid>" (unpadded).
 */
export function traitDefinitionId(s: string): string {
  if (!UUID.test(s)) return s
  return btoa(`TraitDefinition:${s.toLowerCase()}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Whether an operator's operands are still to be typed. */
function missingOperands(op: SegmentOperator | '', value: string, values: string[]): boolean {
  switch (op) {
    case '':
    case 'EXISTS':
      return false
    case 'BETWEEN':
      return (values[0] ?? '').trim() === '' || (values[1] ?? '').trim() === ''
    default:
      return value.trim() === ''
  }
}

/**
 * Whether a tree still has blanks to fill (an event without a name, a value
 * not typed yet): the preview waits for them rather than answering with
 * errors about fields the reader has not reached.
 */
export function incomplete(node: RuleNode): boolean {
  if (node.type === 'group') return node.children.some(incomplete)
  switch (node.kind) {
    case 'event': {
      const e = node.event
      return (
        e.name.trim() === '' ||
        e.count.trim() === '' ||
        missingOperands(e.windowOp, e.windowValue, e.windowValues) ||
        e.where.some((f) => f.path.trim() === '' || missingOperands(f.operator, f.value, f.values))
      )
    }
    case 'trait':
      return node.trait.trim() === '' || missingOperands(node.operator, node.value, node.values)
    case 'computedTrait':
      return node.computedTrait === '' || missingOperands(node.operator, node.value, node.values)
    default:
      return missingOperands(node.operator, node.value, node.values)
  }
}

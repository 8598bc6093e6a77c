// The rule editor's model: a draft of a rule as the form holds it (numbers
// as typed text), its conversion to and from the API, and validation
// messages keyed by the API's field paths, so that a client check and the
// server's `userErrors` land on the same control. A path key is the
// userError's `field` without its leading "input" (e.g.
// "conditions.conditions.0.windowDays").
import type {
  ActionType,
  AutomationRuleInput,
  ComparisonOperator,
  ConditionGroupOperator,
  Platform,
  RuleConditionInput,
  RuleFieldsFragment,
  RuleMetric,
  UpdateAutomationRuleInput,
} from '../../gql/graphql'
import type { UserErrorLike } from '../../lib/userErrors'
import { ACTION_TYPES } from '../../trust/labels'

/** Groups nest at most this deep (the root group is level 1). */
export const MAX_DEPTH = 4
/** Comparisons per rule. */
export const MAX_COMPARISONS = 20
/** Actions per rule. */
export const MAX_ACTIONS = 5

export interface ComparisonDraft {
  kind: 'comparison'
  key: string
  metric: RuleMetric
  windowDays: string
  operator: ComparisonOperator
  value: string
}

/** An hour-of-day window in the rule's time zone (hours as typed). */
export interface TimeWindowDraft {
  kind: 'timeWindow'
  key: string
  timeWindow: { fromHour: string; toHour: string; weekdays: number[] }
}

export interface GroupDraft {
  kind: 'group'
  key: string
  op: ConditionGroupOperator
  conditions: ConditionDraft[]
}

export type ConditionDraft = ComparisonDraft | TimeWindowDraft | GroupDraft

export type CampaignStatus = 'ACTIVE' | 'PAUSED'

export interface ActionDraft {
  key: string
  type: ActionType
  percent: string
  amount: string
  status: CampaignStatus
}

export interface ParamDraft {
  name: string
  value: string
}

export interface RuleDraft {
  /** Null for a rule not saved yet. */
  id: string | null
  /** Built-in rules change only enabled, params, schedule, cooldown and scope. */
  builtin: boolean
  name: string
  description: string
  enabled: boolean
  conditions: GroupDraft
  /** IANA zone the time windows read the clock in. */
  timeZone: string
  actions: ActionDraft[]
  params: ParamDraft[]
  scheduleMinutes: string
  /** The cooldown in hours (the API takes seconds). */
  cooldownHours: string
  platforms: Platform[]
  campaignIds: string[]
}

/** Messages by path key. */
export type DraftErrors = Record<string, string>

let nextKey = 0
/** A React key for a list item that has no id of its own. */
function newKey(): string {
  nextKey += 1
  return `d${nextKey}`
}

export function newComparison(): ComparisonDraft {
  return { kind: 'comparison', key: newKey(), metric: 'ROAS', windowDays: '7', operator: 'LT', value: '1' }
}

/** A window from 22:00 to 07:00 every day. */
export function newTimeWindow(): TimeWindowDraft {
  return { kind: 'timeWindow', key: newKey(), timeWindow: { fromHour: '22', toHour: '7', weekdays: [] } }
}

export function newGroup(
  op: ConditionGroupOperator = 'AND',
  conditions: ConditionDraft[] = [newComparison()],
): GroupDraft {
  return { kind: 'group', key: newKey(), op, conditions }
}

export function newAction(type: ActionType = 'REDUCE_BUDGET'): ActionDraft {
  return { key: newKey(), type, percent: '20', amount: '', status: 'PAUSED' }
}

export function emptyDraft(): RuleDraft {
  return {
    id: null,
    builtin: false,
    name: '',
    description: '',
    enabled: true,
    conditions: newGroup(),
    timeZone: 'UTC',
    actions: [newAction()],
    params: [],
    scheduleMinutes: '60',
    cooldownHours: '24',
    platforms: [],
    campaignIds: [],
  }
}

/** The path key of a group's i-th condition. */
export function childPath(groupPath: string, index: number): string {
  return `${groupPath}.conditions.${index}`
}

// --- from and to the API -------------------------------------------------------

/** A RuleCondition as the API returns it (nested to any depth). */
interface ConditionShape {
  op?: ConditionGroupOperator | null
  metric?: RuleMetric | null
  windowDays?: number | null
  operator?: ComparisonOperator | null
  value: number
  conditions?: readonly ConditionShape[] | null
  timeWindow?: { fromHour: number; toHour: number; weekdays: readonly number[] } | null
}

function conditionFrom(c: ConditionShape): ConditionDraft {
  if (c.op) return newGroup(c.op, (c.conditions ?? []).map(conditionFrom))
  if (c.timeWindow) {
    const w = c.timeWindow
    return {
      kind: 'timeWindow',
      key: newKey(),
      timeWindow: { fromHour: String(w.fromHour), toHour: String(w.toHour), weekdays: [...w.weekdays] },
    }
  }
  return {
    kind: 'comparison',
    key: newKey(),
    metric: c.metric ?? 'ROAS',
    windowDays: String(c.windowDays ?? 7),
    operator: c.operator ?? 'GT',
    value: String(c.value),
  }
}

const text = (n: number | null | undefined): string => (n == null ? '' : String(n))

/** A saved rule as a draft (the root condition is always a group in the editor). */
export function draftFromRule(rule: RuleFieldsFragment): RuleDraft {
  const root = rule.conditions ? conditionFrom(rule.conditions) : newGroup()
  return {
    id: rule.id,
    builtin: rule.builtin != null,
    name: rule.name,
    description: rule.description,
    enabled: rule.enabled,
    conditions: root.kind === 'group' ? root : newGroup('AND', [root]),
    timeZone: rule.timeZone,
    actions: rule.actions.map(actionFrom),
    params: rule.params.map((p) => ({ name: p.name, value: String(p.value) })),
    scheduleMinutes: String(rule.scheduleMinutes),
    cooldownHours: hours(rule.cooldownSeconds),
    platforms: [...rule.scope.platforms],
    campaignIds: [...rule.scope.campaignIds],
  }
}

/** A rule template as the API returns it (RuleTemplates). */
export interface TemplateShape {
  name: string
  description: string
  conditions: ConditionShape
  actions: readonly ActionShape[]
  scheduleMinutes: number
  cooldownSeconds: number
  timeZone: string
}

/**
 * A new rule's draft started from a template: its name, description,
 * conditions, actions, schedule and cooldown; the scope and the enabled
 * switch stay as the person set them.
 */
export function draftFromTemplate(t: TemplateShape, current: RuleDraft): RuleDraft {
  const root = conditionFrom(t.conditions)
  return {
    ...current,
    id: null,
    builtin: false,
    name: t.name,
    description: t.description,
    conditions: root.kind === 'group' ? root : newGroup('AND', [root]),
    timeZone: t.timeZone,
    actions: t.actions.map(actionFrom),
    params: [],
    scheduleMinutes: String(t.scheduleMinutes),
    cooldownHours: hours(t.cooldownSeconds),
  }
}

interface ActionShape {
  type: ActionType
  params: { percent?: number | null; amount?: number | null; status?: string | null }
}

function actionFrom(a: ActionShape): ActionDraft {
  return {
    key: newKey(),
    type: a.type,
    percent: text(a.params.percent),
    amount: text(a.params.amount),
    status: a.params.status === 'ACTIVE' ? 'ACTIVE' : 'PAUSED',
  }
}

const hours = (seconds: number): string => String(Math.round((seconds / 3600) * 100) / 100)

function conditionInput(c: ConditionDraft): RuleConditionInput {
  if (c.kind === 'group') return { op: c.op, conditions: c.conditions.map(conditionInput) }
  if (c.kind === 'timeWindow') {
    const w = c.timeWindow
    return { timeWindow: { fromHour: Number(w.fromHour), toHour: Number(w.toHour), weekdays: w.weekdays } }
  }
  return { metric: c.metric, windowDays: Number(c.windowDays), operator: c.operator, value: Number(c.value) }
}

function actionInput(a: ActionDraft): AutomationRuleInput['actions'][number] {
  switch (ACTION_TYPES[a.type].param) {
    case 'percent':
      return { type: a.type, params: { percent: Number(a.percent) } }
    case 'amount':
      return { type: a.type, params: { amount: Number(a.amount) } }
    case 'status':
      return { type: a.type, params: { status: a.status } }
    case 'none':
      return { type: a.type }
  }
}

function common(d: RuleDraft) {
  return {
    scheduleMinutes: Number(d.scheduleMinutes),
    cooldownSeconds: Math.round(Number(d.cooldownHours) * 3600),
    scope: { platforms: d.platforms, campaignIds: d.campaignIds },
  }
}

/** The draft of a user-defined rule, for createAutomationRule and simulateRule. */
export function toRuleInput(d: RuleDraft): AutomationRuleInput {
  return {
    name: d.name.trim(),
    description: d.description.trim(),
    enabled: d.enabled,
    conditions: conditionInput(d.conditions),
    timeZone: d.timeZone.trim(),
    actions: d.actions.map(actionInput),
    ...common(d),
  }
}

/** Changes of a saved rule; a built-in rule sends only what it may change. */
export function toUpdateInput(d: RuleDraft & { id: string }): UpdateAutomationRuleInput {
  if (d.builtin) {
    return {
      id: d.id,
      enabled: d.enabled,
      params: d.params.map((p) => ({ name: p.name, value: Number(p.value) })),
      ...common(d),
    }
  }
  return { id: d.id, ...toRuleInput(d) }
}

// --- validation ----------------------------------------------------------------

const isNumber = (s: string) => s.trim() !== '' && Number.isFinite(Number(s))
const isIntIn = (s: string, min: number, max: number) =>
  isNumber(s) && Number.isInteger(Number(s)) && Number(s) >= min && Number(s) <= max

function countComparisons(c: ConditionDraft): number {
  return c.kind === 'group' ? c.conditions.reduce((n, x) => n + countComparisons(x), 0) : 1
}

function validateCondition(c: ConditionDraft, path: string, depth: number, errors: DraftErrors): void {
  if (c.kind === 'timeWindow') {
    const w = c.timeWindow
    if (!isIntIn(w.fromHour, 0, 23)) errors[`${path}.timeWindow.fromHour`] = 'From must be an hour, 0–23'
    if (!isIntIn(w.toHour, 0, 23)) errors[`${path}.timeWindow.toHour`] = 'Until must be an hour, 0–23'
    else if (isIntIn(w.fromHour, 0, 23) && Number(w.fromHour) === Number(w.toHour))
      errors[`${path}.timeWindow.toHour`] = 'Until must differ from From'
    return
  }
  if (c.kind === 'comparison') {
    if (!isIntIn(c.windowDays, 1, 30)) errors[`${path}.windowDays`] = 'Window must be a whole number of days, 1–30'
    if (!isNumber(c.value)) errors[`${path}.value`] = 'Enter a number'
    return
  }
  if (depth > MAX_DEPTH) errors[path] = `Groups nest at most ${MAX_DEPTH} levels deep`
  if (c.conditions.length === 0) errors[`${path}.conditions`] = 'A group needs at least one condition'
  c.conditions.forEach((child, i) => validateCondition(child, childPath(path, i), depth + 1, errors))
}

function validateAction(a: ActionDraft, path: string, errors: DraftErrors): void {
  const kind = ACTION_TYPES[a.type].param
  if (kind === 'percent' && !(isNumber(a.percent) && Number(a.percent) > 0 && Number(a.percent) <= 1000)) {
    errors[`${path}.params.percent`] = 'Percent must be more than 0 and at most 1000'
  }
  if (kind === 'amount' && !(isNumber(a.amount) && Number(a.amount) > 0)) {
    errors[`${path}.params.amount`] = 'Enter an amount above 0'
  }
}

/** The checks the form can make before asking the server. */
export function validateDraft(d: RuleDraft): DraftErrors {
  const errors: DraftErrors = {}
  if (!d.builtin) {
    const name = d.name.trim()
    if (name.length < 1 || name.length > 200) errors['name'] = 'Give the rule a name (at most 200 characters)'
    if (d.description.trim().length > 2000) errors['description'] = 'Keep the description under 2000 characters'
    validateCondition(d.conditions, 'conditions', 1, errors)
    const tz = d.timeZone.trim()
    if (tz.length < 1 || tz.length > 64) errors['timeZone'] = 'Enter a time zone such as Europe/Berlin or UTC'
    if (countComparisons(d.conditions) > MAX_COMPARISONS)
      errors['conditions'] = `A rule has at most ${MAX_COMPARISONS} conditions`
    if (d.actions.length < 1 || d.actions.length > MAX_ACTIONS)
      errors['actions'] = `A rule proposes 1–${MAX_ACTIONS} actions`
    d.actions.forEach((a, i) => validateAction(a, `actions.${i}`, errors))
  }
  for (const p of d.params) {
    if (!(isNumber(p.value) && Number(p.value) >= 0)) errors[`params.${p.name}`] = 'Enter a number of 0 or more'
  }
  if (!isIntIn(d.scheduleMinutes, 5, 10080))
    errors['scheduleMinutes'] = 'Evaluate every 5–10080 minutes (a whole number)'
  if (!(isNumber(d.cooldownHours) && Number(d.cooldownHours) >= 0 && Number(d.cooldownHours) <= 720)) {
    errors['cooldownSeconds'] = 'Cooldown must be 0–720 hours'
  }
  return errors
}

/** The draft's value at a path key (numbers as typed), to tell whether a field changed. */
function valueAt(d: RuleDraft, key: string): unknown {
  if (key === 'cooldownSeconds') return d.cooldownHours
  const param = /^params\.(.+)$/.exec(key)
  if (param) return d.params.find((p) => p.name === param[1])?.value
  const actionParam = /^actions\.(\d+)\.params\.(percent|amount|status)$/.exec(key)
  if (actionParam) return d.actions[Number(actionParam[1])]?.[actionParam[2] as 'percent' | 'amount' | 'status']
  let v: unknown = d
  for (const part of key.split('.'))
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined
  return v
}

/**
 * The messages that still hold for the draft as it is now, given those
 * `found` for the draft as it was when checked or sent: a message on a
 * field the form checks itself goes as soon as the field is valid (and
 * follows it while it is not); a message from the server stays until the
 * field it names changes. No new message appears before the next check.
 */
export function currentErrors(found: DraftErrors, checked: RuleDraft, now: RuleDraft): DraftErrors {
  if (checked === now) return found
  const local = validateDraft(now)
  const still: DraftErrors = {}
  for (const [key, message] of Object.entries(found)) {
    const recheck = local[key]
    if (recheck) still[key] = recheck
    else if (JSON.stringify(valueAt(checked, key)) === JSON.stringify(valueAt(now, key))) still[key] = message
  }
  return still
}

/** The path key of a userError's field: its path without "input" (and a simulateRule draft's "rule"). */
export function errorKey(field: readonly string[] | null | undefined): string | null {
  if (!field || field.length === 0) return null
  const rest = field[0] === 'input' ? field.slice(1) : [...field]
  if (rest[0] === 'rule') rest.shift()
  return rest.length ? rest.join('.') : null
}

/** Every path key the editor shows a message at, for this draft. */
function fieldKeys(d: RuleDraft): Set<string> {
  const keys = new Set([
    'name',
    'description',
    'conditions',
    'actions',
    'scheduleMinutes',
    'cooldownSeconds',
    'timeZone',
  ])
  const walk = (c: ConditionDraft, path: string) => {
    keys.add(path)
    if (c.kind === 'comparison') {
      for (const f of ['metric', 'windowDays', 'operator', 'value']) keys.add(`${path}.${f}`)
      return
    }
    if (c.kind === 'timeWindow') {
      for (const f of ['fromHour', 'toHour', 'weekdays']) keys.add(`${path}.timeWindow.${f}`)
      return
    }
    keys.add(`${path}.op`).add(`${path}.conditions`)
    c.conditions.forEach((child, i) => walk(child, childPath(path, i)))
  }
  walk(d.conditions, 'conditions')
  d.actions.forEach((_, i) =>
    keys
      .add(`actions.${i}`)
      .add(`actions.${i}.type`)
      .add(`actions.${i}.params.percent`)
      .add(`actions.${i}.params.amount`),
  )
  d.params.forEach((p) => keys.add(`params.${p.name}`))
  return keys
}

/**
 * Sorts server userErrors onto the draft's fields; errors without a path,
 * or with one the editor does not show, become form-level messages.
 */
export function placeErrors(
  userErrors: readonly UserErrorLike[],
  d: RuleDraft,
): { fields: DraftErrors; form: string[] } {
  const known = fieldKeys(d)
  const fields: DraftErrors = {}
  const form: string[] = []
  for (const e of userErrors) {
    const key = errorKey(e.field)
    if (key && known.has(key) && !fields[key]) fields[key] = e.message
    else form.push(e.message)
  }
  return { fields, form }
}

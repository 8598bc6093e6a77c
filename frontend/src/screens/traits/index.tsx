import { useMutation, useQuery } from '@apollo/client/react'
import { useId, useState } from 'react'

import {
  Alert,
  Badge,
  Button,
  Card,
  ConfirmDialog,
  ConnectionTable,
  Dialog,
  EmptyState,
  Field,
  GatedButton,
  Input,
  PageHeader,
  Select,
  Td,
} from '../../components/ui'
import type { TraitAggregation, TraitDefinitionFieldsFragment, TraitFilterOperator } from '../../gql/graphql'
import { TRAIT_AGGREGATIONS, TRAIT_BACKFILL_STATUSES, TRAIT_FILTER_OPERATORS } from '../../lib/enumLabels'
import { formatCount, formatNumber } from '../../lib/format'
import { useFeature } from '../../lib/useFeature'
import { useToastedAction } from '../../lib/useToastedAction'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { useSession } from '../../session/SessionProvider'
import {
  CreateTraitDefinitionDocument,
  DeleteTraitDefinitionDocument,
  TraitDefinitionsDocument,
  UpdateTraitDefinitionDocument,
} from './operations'

/** The feature flag the screen needs. */
export const CDP_FEATURE = 'cdp'

/** Definitions per page. */
export const PAGE_SIZE = 20

/** How often the list is refreshed while a backfill runs. */
export const BACKFILL_POLL_MS = 2000

/** The server's bounds (graph/traits.graphqls). */
export const MAX_NAME = 100
export const MAX_EVENT = 200
export const MAX_WINDOW_DAYS = 730
export const MAX_FILTER_VALUE = 200
const PATH = /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,4}$/

type Definition = TraitDefinitionFieldsFragment

/** Aggregations that count events and take no value property. */
export const COUNTING: readonly TraitAggregation[] = ['COUNT', 'EXISTS']

const ANALYST_ONLY = 'Only analysts, admins and owners can create, change or delete computed traits.'

/** What a definition computes, in words. */
export function describeDefinition(d: Definition): string {
  const agg = TRAIT_AGGREGATIONS[d.aggregation]
  const of = d.valueProperty ? ` of ${d.valueProperty}` : ''
  const where = d.filter
    ? ` where ${d.filter.property} ${TRAIT_FILTER_OPERATORS[d.filter.operator]} “${d.filter.value}”`
    : ''
  return `${agg}${of} over “${d.event}” events${where}`
}

/** `/traits`: the workspace's computed traits — what each computes, its backfill, create, edit, delete. */
export default function TraitsScreen() {
  const { can } = useSession()
  const analyst = can('ANALYST')
  const gate = useFeature(CDP_FEATURE)
  const reasonId = useId()
  const { data, loading, error, refetch, fetchMore } = useQuery(TraitDefinitionsDocument, {
    variables: { first: PAGE_SIZE },
  })
  const running = (data?.traitDefinitions.edges ?? []).some((e) => e.node.backfill.status !== 'DONE')
  // While a backfill runs its progress is refreshed; it stops once every one is done.
  useQuery(TraitDefinitionsDocument, {
    variables: { first: PAGE_SIZE },
    skip: !running,
    pollInterval: BACKFILL_POLL_MS,
    fetchPolicy: 'network-only',
  })
  const [editing, setEditing] = useState<Definition | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Definition | null>(null)
  const [remove, { loading: removing }] = useMutation(DeleteTraitDefinitionDocument)
  const act = useToastedAction()
  const controlsOff = !analyst || !gate.enabled

  const onDelete = async (d: Definition) => {
    await act(
      async () => (await remove({ variables: { input: { id: d.id } } })).data?.deleteTraitDefinition.userErrors ?? [],
      `“${d.name}” deleted, with every profile's value of it.`,
    )
    setDeleting(null)
    void refetch().catch(() => {})
  }

  return (
    <>
      <PageHeader
        title="Computed traits"
        description="Values computed from each profile's events — a count, a sum, the last value seen — kept up to date as events arrive. A new or changed trait is first computed from the events already stored (its backfill)."
      />
      <div className="flex flex-col gap-6">
        <Card
          title="Traits"
          description="Newest first. A value shows on a profile once at least one of its events matches."
          actions={
            <GatedButton
              feature={CDP_FEATURE}
              variant="primary"
              size="sm"
              disabled={!analyst}
              aria-describedby={analyst ? undefined : reasonId}
              onClick={() => setEditing('new')}
            >
              New trait
            </GatedButton>
          }
        >
          {!analyst && (
            <p id={reasonId} className="mb-3 text-sm text-muted">
              {ANALYST_ONLY}
            </p>
          )}
          <ConnectionTable
            connection={data?.traitDefinitions}
            loading={loading}
            error={error}
            onRetry={() => void refetch()}
            loadingLabel="Loading computed traits…"
            caption="Computed traits"
            columns={['Name', 'Computes', 'Window', 'Backfill']}
            actions
            empty={
              <EmptyState
                title="No computed traits yet"
                description="Create one to compute a value for every profile from its events."
              />
            }
            summary={(c) => (
              <p className="mb-2 text-sm text-muted">
                {c.edges.length === c.totalCount
                  ? formatCount(c.totalCount, 'computed trait')
                  : `Showing ${c.edges.length} of ${formatCount(c.totalCount, 'computed trait')}`}
              </p>
            )}
            onLoadMore={(after) => fetchMore({ variables: { after } })}
            row={(d) => (
              <>
                <Td className="font-medium">{d.name}</Td>
                <Td>{describeDefinition(d)}</Td>
                <Td className="whitespace-nowrap">
                  {d.windowDays ? `Last ${formatCount(d.windowDays, 'day')}` : 'All time'}
                </Td>
                <Td>
                  <BackfillProgress definition={d} />
                </Td>
                <Td>
                  <div className="flex flex-wrap gap-2">
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff}
                      aria-describedby={analyst ? undefined : reasonId}
                      aria-label={`Edit ${d.name}`}
                      onClick={() => setEditing(d)}
                    >
                      Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff}
                      aria-describedby={analyst ? undefined : reasonId}
                      aria-label={`Delete ${d.name}`}
                      onClick={() => setDeleting(d)}
                    >
                      Delete
                    </Button>
                  </div>
                </Td>
              </>
            )}
          />
        </Card>
      </div>
      {editing && !controlsOff && (
        <TraitDialog
          key={editing === 'new' ? 'new' : editing.id}
          definition={editing === 'new' ? null : editing}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null)
            void refetch().catch(() => {})
          }}
        />
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete the computed trait “${deleting?.name ?? ''}”?`}
        description="Every profile’s value of it is deleted too."
        confirmLabel="Delete trait"
        loading={removing}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void onDelete(deleting)}
      />
    </>
  )
}

/** A backfill's state and, while it runs, how many profiles it has done. */
export function BackfillProgress({ definition }: { definition: Definition }) {
  const { status, progress } = definition.backfill
  const label = TRAIT_BACKFILL_STATUSES[status]
  if (status === 'DONE') return <Badge tone="success">{label}</Badge>
  const pct = progress.total > 0 ? Math.min(100, Math.round((progress.done / progress.total) * 100)) : 0
  const text = `${formatNumber(progress.done)} of ${formatCount(progress.total, 'profile')}`
  return (
    <div className="flex min-w-40 flex-col gap-1">
      <span className="inline-flex items-center gap-2">
        <Badge tone="primary">{label}</Badge>
        {status === 'RUNNING' && <span className="text-xs text-muted">{text}</span>}
      </span>
      {status === 'RUNNING' && (
        <div
          role="progressbar"
          aria-label={`Backfill of ${definition.name}: ${text}`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          className="h-1.5 w-full overflow-hidden rounded bg-raised"
        >
          <div className="h-full bg-primary-600" style={{ width: `${pct}%` }} />
        </div>
      )}
    </div>
  )
}

const FIELDS = ['name', 'aggregation', 'event', 'valueProperty', 'windowDays', 'property', 'operator', 'value'] as const
type FieldName = (typeof FIELDS)[number]

/** The form's values (text as typed). */
interface Draft {
  name: string
  aggregation: TraitAggregation
  event: string
  valueProperty: string
  allTime: boolean
  windowDays: string
  filtered: boolean
  property: string
  operator: TraitFilterOperator
  value: string
}

function draftOf(d: Definition | null): Draft {
  return {
    name: d?.name ?? '',
    aggregation: d?.aggregation ?? 'COUNT',
    event: d?.event ?? '',
    valueProperty: d?.valueProperty ?? '',
    allTime: d ? d.windowDays == null : true,
    windowDays: d?.windowDays ? String(d.windowDays) : '30',
    filtered: Boolean(d?.filter),
    property: d?.filter?.property ?? '',
    operator: d?.filter?.operator ?? 'EQUALS',
    value: d?.filter?.value ?? '',
  }
}

/** The checks the server makes, so most mistakes show before a round trip. */
export function validateDraft(v: Draft): FormErrors<FieldName>['fields'] {
  const out: FormErrors<FieldName>['fields'] = {}
  if (!v.name.trim() || v.name.trim().length > MAX_NAME) out.name = `A name of 1 to ${MAX_NAME} characters`
  if (!v.event.trim() || v.event.trim().length > MAX_EVENT) out.event = `An event name of 1 to ${MAX_EVENT} characters`
  if (!COUNTING.includes(v.aggregation) && !PATH.test(v.valueProperty.trim())) {
    out.valueProperty = 'A property path such as total or order.total (up to 5 keys of letters, digits, _, - or $)'
  }
  const days = Number(v.windowDays)
  if (!v.allTime && (!Number.isInteger(days) || days < 1 || days > MAX_WINDOW_DAYS)) {
    out.windowDays = `A whole number of days from 1 to ${MAX_WINDOW_DAYS}`
  }
  if (v.filtered) {
    if (!PATH.test(v.property.trim())) out.property = 'A property path such as plan or order.currency'
    if (v.value.length > MAX_FILTER_VALUE) out.value = `At most ${MAX_FILTER_VALUE} characters`
    else if ((v.operator === 'GREATER_THAN' || v.operator === 'LESS_THAN') && !Number.isFinite(Number(v.value.trim())))
      out.value = 'A number'
    else if (v.value.trim() === '' && v.operator !== 'EQUALS' && v.operator !== 'NOT_EQUALS') out.value = 'A value'
  }
  return out
}

/** Creates a trait or replaces one's definition; errors show on their field. */
export function TraitDialog({
  definition,
  onClose,
  onSaved,
}: {
  definition: Definition | null
  onClose: () => void
  onSaved: () => void
}) {
  const [v, setV] = useState<Draft>(() => draftOf(definition))
  const [errors, setErrors] = useState<FormErrors<FieldName>>(noErrors)
  const [create, { loading: creating }] = useMutation(CreateTraitDefinitionDocument)
  const [update, { loading: updating }] = useMutation(UpdateTraitDefinitionDocument)
  const set = <K extends keyof Draft>(k: K, value: Draft[K]) => setV((d) => ({ ...d, [k]: value }))
  const formId = useId()
  const counting = COUNTING.includes(v.aggregation)

  const submit = async () => {
    const local = validateDraft(v)
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    setErrors(noErrors)
    const input = {
      name: v.name.trim(),
      aggregation: v.aggregation,
      event: v.event.trim(),
      valueProperty: counting ? null : v.valueProperty.trim(),
      windowDays: v.allTime ? null : Number(v.windowDays),
      filter: v.filtered ? { property: v.property.trim(), operator: v.operator, value: v.value } : null,
    }
    try {
      const p = definition
        ? (await update({ variables: { input: { ...input, id: definition.id } } })).data?.updateTraitDefinition
        : (await create({ variables: { input } })).data?.createTraitDefinition
      if (!p?.definition) return setErrors(formErrors(p?.userErrors ?? [], FIELDS))
      onSaved()
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={definition ? `Edit “${definition.name}”` : 'New computed trait'}
      description={
        definition
          ? 'A change of what it computes (anything but its name) drops its values and computes them again from the stored events.'
          : 'Every profile’s value is computed from the events already stored, then kept up to date as events arrive.'
      }
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={formId} loading={creating || updating}>
            {definition ? 'Save trait' : 'Create trait'}
          </Button>
        </>
      }
    >
      <form
        id={formId}
        aria-label="Computed trait"
        noValidate
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Name" error={errors.fields.name}>
          <Input value={v.name} onChange={(e) => set('name', e.target.value)} data-autofocus />
        </Field>
        <Field label="Aggregation" error={errors.fields.aggregation}>
          <Select value={v.aggregation} onChange={(e) => set('aggregation', e.target.value as TraitAggregation)}>
            {(Object.keys(TRAIT_AGGREGATIONS) as TraitAggregation[]).map((a) => (
              <option key={a} value={a}>
                {TRAIT_AGGREGATIONS[a]}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label="Event name"
          error={errors.fields.event}
          hint="The name of the track, page or screen events it reads."
        >
          <Input value={v.event} onChange={(e) => set('event', e.target.value)} />
        </Field>
        {!counting && (
          <Field
            label="Value property"
            error={errors.fields.valueProperty}
            hint="The property whose values it aggregates, e.g. total or order.total."
          >
            <Input value={v.valueProperty} onChange={(e) => set('valueProperty', e.target.value)} />
          </Field>
        )}
        <Field label="Time window" error={undefined}>
          <Select value={v.allTime ? 'all' : 'days'} onChange={(e) => set('allTime', e.target.value === 'all')}>
            <option value="all">All time</option>
            <option value="days">The last N days</option>
          </Select>
        </Field>
        {!v.allTime && (
          <Field label="Days" error={errors.fields.windowDays} hint={`1 to ${MAX_WINDOW_DAYS}; today counts as one.`}>
            <Input inputMode="numeric" value={v.windowDays} onChange={(e) => set('windowDays', e.target.value)} />
          </Field>
        )}
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" checked={v.filtered} onChange={(e) => set('filtered', e.target.checked)} />
          Only events whose property matches
        </label>
        {v.filtered && (
          <div className="grid gap-3 sm:grid-cols-3">
            <Field label="Property" error={errors.fields.property}>
              <Input value={v.property} onChange={(e) => set('property', e.target.value)} />
            </Field>
            <Field label="Operator" error={errors.fields.operator}>
              <Select value={v.operator} onChange={(e) => set('operator', e.target.value as TraitFilterOperator)}>
                {(Object.keys(TRAIT_FILTER_OPERATORS) as TraitFilterOperator[]).map((o) => (
                  <option key={o} value={o}>
                    {TRAIT_FILTER_OPERATORS[o]}
                  </option>
                ))}
              </Select>
            </Field>
            <Field label="Value" error={errors.fields.value}>
              <Input value={v.value} onChange={(e) => set('value', e.target.value)} />
            </Field>
          </div>
        )}
      </form>
    </Dialog>
  )
}

import { CombinedGraphQLErrors } from '@apollo/client'
import { useMutation, useQuery, useSubscription } from '@apollo/client/react'
import { useEffect, useMemo, useState } from 'react'
import { useNavigate, useParams } from 'react-router-dom'

import {
  Alert,
  Badge,
  Button,
  Card,
  ConfirmDialog,
  DataTable,
  EmptyState,
  Field,
  Input,
  LoadMore,
  PageHeader,
  QueryState,
  Select,
  Td,
  TextLink,
} from '../../components/ui'
import type { SegmentKind, SegmentQuery } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount, formatDateTime } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { profilePath } from '../profiles/labels'
import { SEGMENT_KINDS, segmentPath } from './labels'
import {
  CreateSegmentDocument,
  DeleteSegmentDocument,
  PreviewSegmentDocument,
  RefreshSegmentDocument,
  SegmentDocument,
  SegmentMembershipChangedDocument,
  SegmentTraitDefinitionsDocument,
  UpdateSegmentDocument,
} from './operations'
import { MembershipHistory } from './MembershipHistory'
import { RuleBuilder } from './RuleBuilder'
import { fromJSON, incomplete, newGroup, nodeOfError, toInput, type GroupNode, type NodePaths } from './rules'

/** Members per page. */
export const MEMBERS_PAGE = 20

/** The rules' JSON once the builder stopped changing for `delay` ms. */
export function useDebounced<T>(value: T, delay: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    if (delay <= 0) {
      setSettled(value)
      return
    }
    const t = setTimeout(() => setSettled(value), delay)
    return () => clearTimeout(t)
  }, [value, delay])
  return settled
}

interface FieldError {
  field?: readonly string[] | null
  message: string
}

/** Sorts errors onto the builder's nodes (after `root`, the rules' path), the name, and the rest. */
function sortErrors(errors: readonly FieldError[], paths: NodePaths, root: readonly string[]) {
  const nodes = new Map<string, string>()
  let name: string | undefined
  const rest: string[] = []
  for (const e of errors) {
    const f = e.field ?? []
    if (f.length >= root.length && root.every((p, i) => f[i] === p)) {
      const key = nodeOfError(paths, f.slice(root.length))
      if (key && !nodes.has(key)) {
        nodes.set(key, e.message)
        continue
      }
    }
    if (f[f.length - 1] === 'name' && f[0] === 'input') name = e.message
    else rest.push(e.message)
  }
  return { nodes, name, form: rest.length ? rest.join(' ') : null }
}

/** A preview query's BAD_USER_INPUT errors, with their paths. */
function previewErrors(error: unknown): FieldError[] {
  if (!CombinedGraphQLErrors.is(error)) return []
  return error.errors
    .filter((e) => e.extensions?.['code'] === 'BAD_USER_INPUT')
    .map((e) => ({ message: e.message, field: (e.extensions?.['field'] as string[] | undefined) ?? null }))
}

export interface SegmentEditorProps {
  /** How long the preview waits for the builder to settle (tests use 0). */
  previewDelayMs?: number
}

/** `/segments/new` and `/segments/:id`: the builder with a live size preview; a saved segment's members. */
export default function SegmentEditor({ previewDelayMs = 500 }: SegmentEditorProps) {
  const { id } = useParams()
  const isNew = !id || id === 'new'
  const { data, loading, error, refetch, fetchMore } = useQuery(SegmentDocument, {
    variables: { id: id ?? '', first: MEMBERS_PAGE },
    skip: isNew,
  })
  // The size follows the change's segment through the cache; the member list and the history are read again.
  useSubscription(SegmentMembershipChangedDocument, {
    variables: { segmentId: id ?? '' },
    skip: isNew,
    onData: ({ client }) => {
      void refetch().catch(() => {})
      client.refetchQueries({ include: ['SegmentMembershipHistory'] }).catch(() => {})
    },
  })
  if (isNew) return <Editor key="new" initial={null} previewDelayMs={previewDelayMs} />
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading segment…"
    >
      {(d) =>
        d.segment ? (
          <>
            <Editor key={d.segment.id} initial={d.segment} previewDelayMs={previewDelayMs} />
            <MembershipHistory segmentId={d.segment.id} />
            <Members segment={d.segment} onLoadMore={(after) => fetchMore({ variables: { after } })} />
          </>
        ) : (
          <EmptyState
            title="No such segment"
            description={
              <>
                It may have been deleted. <TextLink to="/segments">See the segments</TextLink>.
              </>
            }
          />
        )
      }
    </QueryState>
  )
}

type Saved = NonNullable<SegmentQuery['segment']>

function Editor({ initial, previewDelayMs }: { initial: Saved | null; previewDelayMs: number }) {
  const navigate = useNavigate()
  const toasted = useToastedAction()
  const [name, setName] = useState(initial?.name ?? '')
  const [kind, setKind] = useState<SegmentKind>(initial?.kind ?? 'DYNAMIC')
  const [root, setRoot] = useState<GroupNode>(() => (initial && fromJSON(initial.rules)) || newGroup())
  const [saveErrors, setSaveErrors] = useState<FieldError[]>([])
  const [confirmDelete, setConfirmDelete] = useState(false)
  const { input, paths } = useMemo(() => {
    const paths: NodePaths = new Map()
    return { input: toInput(root, paths), paths }
  }, [root])
  const blanks = incomplete(root)
  const json = blanks ? '' : JSON.stringify(input)
  const settled = useDebounced(json, previewDelayMs)
  const preview = useQuery(PreviewSegmentDocument, {
    variables: { rules: settled ? JSON.parse(settled) : {} },
    skip: settled === '',
  })
  const [create, creating] = useMutation(CreateSegmentDocument)
  const [update, updating] = useMutation(UpdateSegmentDocument)
  const [remove, removing] = useMutation(DeleteSegmentDocument)
  const [refresh, refreshing] = useMutation(RefreshSegmentDocument)
  const definitions = useQuery(SegmentTraitDefinitionsDocument)
  const traitDefinitions = useMemo(
    () =>
      definitions.data
        ? definitions.data.traitDefinitions.edges.map((e) => ({ id: e.node.id, name: e.node.name }))
        : null,
    [definitions.data],
  )

  // The preview's errors while it is current, then the save's.
  const pErrors = settled === json ? previewErrors(preview.error) : []
  const sorted = sortErrors(
    saveErrors.length ? saveErrors : pErrors,
    paths,
    saveErrors.length ? ['input', 'rules'] : ['rules'],
  )

  const save = async () => {
    setSaveErrors([])
    try {
      if (initial) {
        const res = await update({ variables: { input: { id: initial.id, name, kind, rules: input } } })
        const p = res.data?.updateSegment
        if (p?.userErrors.length) return setSaveErrors(p.userErrors)
      } else {
        const res = await create({ variables: { input: { name, kind, rules: input } } })
        const p = res.data?.createSegment
        if (p?.userErrors.length) return setSaveErrors(p.userErrors)
        if (p?.segment) navigate(segmentPath(p.segment.id))
      }
    } catch (err) {
      setSaveErrors([{ message: (err as Error).message }])
    }
  }

  return (
    <>
      <PageHeader
        title={initial ? initial.name : 'New segment'}
        description="Conditions on profile fields, custom traits, identifiers and events, combined in AND/OR groups."
        actions={
          initial && (
            <>
              <Button
                loading={refreshing.loading}
                onClick={() =>
                  void toasted(async () => {
                    const r = await refresh({
                      variables: { input: { id: initial.id } },
                      refetchQueries: ['Segment', 'SegmentMembershipHistory'],
                    })
                    return r.data?.refreshSegment.userErrors ?? []
                  }, 'Membership recomputed')
                }
              >
                Refresh now
              </Button>
              <Button variant="danger" onClick={() => setConfirmDelete(true)}>
                Delete
              </Button>
            </>
          )
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
        <Card title="Definition">
          <form
            aria-label="Segment"
            className="flex flex-col gap-4"
            onSubmit={(e) => {
              e.preventDefault()
              void save()
            }}
          >
            <div className="grid gap-4 md:grid-cols-2">
              <Field label="Name" error={sorted.name}>
                <Input value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
              </Field>
              <Field label="Kind">
                <Select value={kind} onChange={(e) => setKind(e.target.value as SegmentKind)}>
                  {(Object.keys(SEGMENT_KINDS) as SegmentKind[]).map((k) => (
                    <option key={k} value={k}>
                      {enumLabel('SegmentKind', k)}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>
            <RuleBuilder root={root} onChange={setRoot} errors={sorted.nodes} traitDefinitions={traitDefinitions} />
            {sorted.form && <Alert tone="error">{sorted.form}</Alert>}
            <div>
              <Button type="submit" variant="primary" loading={creating.loading || updating.loading}>
                {initial ? 'Save changes' : 'Save segment'}
              </Button>
            </div>
          </form>
        </Card>
        <Card title="Preview">
          <section aria-label="Size preview" aria-live="polite" className="flex flex-col gap-3">
            {blanks ? (
              <p className="text-sm text-muted">Fill in the conditions to see how many profiles match.</p>
            ) : preview.data && settled === json && !preview.error ? (
              <>
                <p className="text-3xl font-semibold">{formatCount(preview.data.previewSegment.size, 'profile')}</p>
                <p className="text-sm text-muted">match these rules now.</p>
                {preview.data.previewSegment.sample.length > 0 && (
                  <ul aria-label="Sample profiles" className="flex flex-col gap-1 text-sm">
                    {preview.data.previewSegment.sample.map((p) => (
                      <li key={p.id}>
                        <TextLink to={profilePath(p.id)} className="break-all">
                          {p.canonicalIdentity?.value ?? 'No identifier left'}
                        </TextLink>
                      </li>
                    ))}
                  </ul>
                )}
              </>
            ) : preview.error && settled === json ? (
              <p className="text-sm text-muted">
                {pErrors.length ? 'Fix the marked conditions to see the size.' : preview.error.message}
              </p>
            ) : (
              <p className="text-sm text-muted">Counting…</p>
            )}
          </section>
        </Card>
      </div>
      {initial && (
        <ConfirmDialog
          open={confirmDelete}
          title={`Delete ${initial.name}?`}
          description="Its membership and history go with it."
          confirmLabel="Delete segment"
          loading={removing.loading}
          onCancel={() => setConfirmDelete(false)}
          onConfirm={() =>
            void toasted(async () => {
              const r = await remove({ variables: { input: { id: initial.id } }, refetchQueries: ['Segments'] })
              const ue = r.data?.deleteSegment.userErrors ?? []
              if (!ue.length) navigate('/segments')
              return ue
            }, 'Segment deleted')
          }
        />
      )}
    </>
  )
}

function Members({ segment, onLoadMore }: { segment: Saved; onLoadMore: (after: string) => Promise<unknown> }) {
  const m = segment.members
  return (
    <Card
      title="Members"
      description={`${formatCount(m.totalCount, 'current member')}${segment.refreshedAt ? ` · last full refresh ${formatDateTime(segment.refreshedAt)}` : ''}`}
      className="mt-6"
    >
      {m.edges.length === 0 ? (
        <EmptyState title="No members" description="No profile matches the rules now." />
      ) : (
        <>
          <DataTable
            caption="Members"
            columns={['Profile', 'Lifecycle', 'Entered']}
            items={m.edges.map((e) => ({ id: e.cursor, ...e.node }))}
            row={(e) => (
              <>
                <Td>
                  {e.profile ? (
                    <TextLink to={profilePath(e.profile.id)} className="break-all">
                      {e.profile.canonicalIdentity?.value ?? 'No identifier left'}
                    </TextLink>
                  ) : (
                    'Profile gone'
                  )}
                </Td>
                <Td>{e.profile && <Badge>{enumLabel('LifecycleStage', e.profile.lifecycleStage)}</Badge>}</Td>
                <Td className="whitespace-nowrap text-muted">{formatDateTime(e.enteredAt)}</Td>
              </>
            )}
          />
          <LoadMore pageInfo={m.pageInfo} onLoad={onLoadMore} />
        </>
      )}
    </Card>
  )
}

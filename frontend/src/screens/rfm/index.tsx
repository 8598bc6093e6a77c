import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import {
  Badge,
  Button,
  Card,
  cx,
  EmptyState,
  Field,
  GatedButton,
  Input,
  PageHeader,
  QueryState,
  Table,
  Td,
  TextLink,
  Th,
} from '../../components/ui'
import type { RfmSegment } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount, formatDateTime, formatNumber } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { useSession } from '../../session/SessionProvider'
import { profilePath } from '../profiles/labels'
import { RefreshRfmDocument, RfmCellMembersDocument, RfmReportDocument, UpdateRfmSettingsDocument } from './operations'

/** Members per page of a cell. */
export const MEMBERS_PAGE = 20

/** The feature flag the RFM fields need. */
const CDP_FEATURE = 'cdp'

/** Cells' tones: the best customers stand out, the slipping ones warn. */
const CELL_TONE: Record<RfmSegment, string> = {
  CHAMPIONS: 'border-success-600/50',
  LOYAL: 'border-success-600/30',
  POTENTIAL_LOYAL: 'border-primary-600/40',
  NEW: 'border-primary-600/30',
  PROMISING: 'border-primary-600/20',
  NEED_ATTENTION: 'border-warning-600/40',
  AT_RISK: 'border-warning-600/60',
  CANT_LOSE: 'border-error-600/50',
  HIBERNATING: 'border-line',
  LOST: 'border-line',
}

/** `/rfm`: the RFM grid — profiles by recency, frequency and monetary value — and each cell's members. */
export default function RfmScreen() {
  const { can } = useSession()
  const { data, loading, error, refetch } = useQuery(RfmReportDocument)
  const [selected, setSelected] = useState<RfmSegment | null>(null)
  const [refresh, { loading: refreshing }] = useMutation(RefreshRfmDocument)
  const act = useToastedAction()

  const onRefresh = () =>
    act(
      async () => (await refresh()).data?.refreshRfm.userErrors ?? [],
      'A computation is queued: the grid updates when it has run (reload to see it).',
    )

  return (
    <>
      <PageHeader
        title="RFM"
        description="Your customers by how recently (R), how often (F) and how much (M) they bought, each scored 1 to 5 against the other customers, and named by their R and F scores."
      />
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading RFM…"
      >
        {(d) => (
          <div className="flex flex-col gap-6">
            <Card
              title="Cells"
              description={
                d.rfmReport.computedAt
                  ? `Computed ${formatDateTime(d.rfmReport.computedAt)} over the last ${formatCount(d.rfmReport.lookbackDays, 'day')}: ${formatCount(d.rfmReport.profiles, 'customer')} scored. Recomputed every 6 hours.`
                  : 'Not computed yet: the first computation runs within 6 hours, or refresh now.'
              }
              actions={
                can('ANALYST') ? (
                  <GatedButton feature={CDP_FEATURE} onClick={() => void onRefresh()} loading={refreshing}>
                    Refresh now
                  </GatedButton>
                ) : null
              }
            >
              <ul className="grid gap-3 sm:grid-cols-2 lg:grid-cols-5" aria-label="RFM cells">
                {d.rfmReport.cells.map((c) => (
                  <li key={c.segment}>
                    <button
                      type="button"
                      aria-pressed={selected === c.segment}
                      onClick={() => setSelected(c.segment)}
                      className={cx(
                        'flex w-full flex-col items-start gap-1 rounded-md border-2 bg-surface px-3 py-2 text-left hover:bg-raised',
                        CELL_TONE[c.segment],
                        selected === c.segment && 'ring-2 ring-primary-600',
                      )}
                    >
                      <span className="font-medium">{enumLabel('RfmSegment', c.segment)}</span>
                      <span className="text-sm">{formatCount(c.count, 'profile')}</span>
                      <span className="text-xs text-muted">Revenue {formatNumber(c.revenue)}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <p className="mt-3 text-xs text-muted">
                Revenue is the sum of the purchases' values in the lookback, as the events reported them (not converted
                between currencies). Select a cell to list its profiles.
              </p>
            </Card>
            {selected && <CellMembers segment={selected} />}
            <RfmSettingsCard
              settings={d.rfmSettings}
              admin={can('ADMIN')}
              onSaved={() => void refetch().catch(() => {})}
            />
          </div>
        )}
      </QueryState>
    </>
  )
}

/** One cell's profiles, a page at a time. */
function CellMembers({ segment }: { segment: RfmSegment }) {
  const [cursors, setCursors] = useState<(string | null)[]>([null])
  const after = cursors[cursors.length - 1] ?? null
  const { data, loading, error, refetch } = useQuery(RfmCellMembersDocument, {
    variables: { segment, first: MEMBERS_PAGE, after },
  })
  const label = enumLabel('RfmSegment', segment)
  const cell = data?.rfmReport.cells[0]
  return (
    <Card title={`Profiles in ${label}`} description="Most recently seen first.">
      <QueryState
        data={cell ? cell : data ? null : undefined}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel={`Loading the profiles in ${label}…`}
      >
        {(c) =>
          !c || c.members.totalCount === 0 ? (
            <EmptyState title={`No profiles in ${label}`} description="No customer's scores fall in this cell." />
          ) : (
            <>
              <p className="mb-2 text-sm text-muted">{formatCount(c.members.totalCount, 'profile')}</p>
              <Table caption={`Profiles in ${label}`}>
                <thead>
                  <tr>
                    <Th>Profile</Th>
                    <Th>R</Th>
                    <Th>F</Th>
                    <Th>M</Th>
                    <Th>Last seen</Th>
                  </tr>
                </thead>
                <tbody>
                  {c.members.edges.map(({ node: p }) => (
                    <tr key={p.id}>
                      <Td>
                        <div className="flex flex-wrap items-center gap-2">
                          {p.canonicalIdentity && (
                            <Badge>{enumLabel('IdentifierType', p.canonicalIdentity.type)}</Badge>
                          )}
                          <TextLink to={profilePath(p.id)} className="break-all">
                            {p.canonicalIdentity?.value ?? 'No identifier left'}
                          </TextLink>
                        </div>
                      </Td>
                      <Td>{p.rfm?.r ?? '—'}</Td>
                      <Td>{p.rfm?.f ?? '—'}</Td>
                      <Td>{p.rfm?.m ?? '—'}</Td>
                      <Td className="whitespace-nowrap text-muted">{formatDateTime(p.lastSeenAt)}</Td>
                    </tr>
                  ))}
                </tbody>
              </Table>
              <div className="mt-3 flex gap-2">
                {cursors.length > 1 && (
                  <Button size="sm" onClick={() => setCursors((cs) => cs.slice(0, -1))}>
                    Previous page
                  </Button>
                )}
                {c.members.pageInfo.hasNextPage && (
                  <Button size="sm" onClick={() => setCursors((cs) => [...cs, c.members.pageInfo.endCursor ?? null])}>
                    Next page
                  </Button>
                )}
              </div>
            </>
          )
        }
      </QueryState>
    </Card>
  )
}

type SettingsField = 'lookbackDays' | 'eventNames' | 'valueProperty'

/** The RFM settings: shown to everyone, changed by admins. */
function RfmSettingsCard({
  settings,
  admin,
  onSaved,
}: {
  settings: { lookbackDays: number; eventNames: readonly string[]; valueProperty?: string | null }
  admin: boolean
  onSaved: () => void
}) {
  const [lookback, setLookback] = useState(String(settings.lookbackDays))
  const [names, setNames] = useState(settings.eventNames.join(', '))
  const [value, setValue] = useState(settings.valueProperty ?? '')
  const [errors, setErrors] = useState<FormErrors<SettingsField>>(noErrors)
  const [save, { loading }] = useMutation(UpdateRfmSettingsDocument)
  const [saved, setSaved] = useState(false)

  const onSubmit = async () => {
    setSaved(false)
    const eventNames = names
      .split(',')
      .map((n) => n.trim())
      .filter(Boolean)
    const days = Number(lookback)
    try {
      const res = await save({
        variables: {
          input: {
            lookbackDays: Number.isInteger(days) ? days : -1,
            eventNames: eventNames.length ? eventNames : null,
            valueProperty: value.trim() || null,
          },
        },
      })
      const ue = res.data?.updateRfmSettings.userErrors ?? []
      setErrors(formErrors(ue, ['lookbackDays', 'eventNames', 'valueProperty'] as const))
      if (ue.length === 0) {
        setSaved(true)
        onSaved()
      }
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  return (
    <Card title="Settings" description="What the scores are computed from; changes apply from the next computation on.">
      <form
        aria-label="RFM settings"
        className="grid gap-4 md:grid-cols-3"
        onSubmit={(e) => {
          e.preventDefault()
          void onSubmit()
        }}
      >
        <Field label="Lookback (days)" error={errors.fields.lookbackDays} hint="1 to 3,650 days.">
          <Input inputMode="numeric" value={lookback} disabled={!admin} onChange={(e) => setLookback(e.target.value)} />
        </Field>
        <Field
          label="Purchase events"
          error={errors.fields.eventNames}
          hint="Track event names, separated by commas (Order Completed unless set)."
        >
          <Input value={names} disabled={!admin} onChange={(e) => setNames(e.target.value)} />
        </Field>
        <Field
          label="Value property"
          error={errors.fields.valueProperty}
          hint="Empty: revenue, else total (the e-commerce spec)."
        >
          <Input value={value} disabled={!admin} onChange={(e) => setValue(e.target.value)} />
        </Field>
        <div className="flex flex-wrap items-center gap-3 md:col-span-3">
          {admin ? (
            <Button type="submit" variant="primary" loading={loading}>
              Save settings
            </Button>
          ) : (
            <p className="text-sm text-muted">Only admins change the RFM settings.</p>
          )}
          {saved && (
            <p role="status" className="text-sm text-success-ink">
              Saved.
            </p>
          )}
          {errors.form && (
            <p role="alert" className="text-sm text-error-ink">
              {errors.form}
            </p>
          )}
        </div>
      </form>
    </Card>
  )
}

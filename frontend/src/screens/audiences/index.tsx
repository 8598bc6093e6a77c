import { useApolloClient, useMutation, useQuery, useSubscription } from '@apollo/client/react'
import { useId, useState } from 'react'

import {
  Badge,
  Button,
  Card,
  ConfirmDialog,
  ConnectionTable,
  Dialog,
  EmptyState,
  Field,
  GatedButton,
  PageHeader,
  Select,
  Td,
  useToast,
  type Tone,
} from '../../components/ui'
import { useConnectionState } from '../../connection/ConnectionProvider'
import type { AudienceFieldsFragment, AudienceStatus } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount, formatDateTime, formatNumber } from '../../lib/format'
import { useFeature } from '../../lib/useFeature'
import { useToastedAction } from '../../lib/useToastedAction'
import { useSession } from '../../session/SessionProvider'
import {
  AudienceSegmentsDocument,
  AudienceSyncUpdatedDocument,
  AudiencesDocument,
  DeleteAudienceDocument,
  StopAudienceSyncDocument,
  SyncAudienceDocument,
} from './operations'
import { SEGMENT_CHOICES, SyncAudienceForm } from './SyncAudienceForm'

/** The feature flag the screen needs. */
export const AUDIENCE_SYNC_FEATURE = 'audience_sync'

/** Audiences per page. */
export const PAGE_SIZE = 20

const ADMIN_ONLY = 'Only admins can sync, stop or delete audiences.'

type Audience = AudienceFieldsFragment

const STATUS_TONE: Record<AudienceStatus, Tone> = {
  PENDING: 'neutral',
  SYNCING: 'primary',
  SYNCED: 'success',
  FAILED: 'error',
  STOPPED: 'warning',
}

/** An audience in words, for buttons and dialogs: "VIPs → Meta (Shop EU)". */
function audienceName(a: Audience): string {
  return `${a.segment.name} → ${enumLabel('Platform', a.platform)} (${a.account.name})`
}

/** `/audiences`: segments kept in step with customer-list audiences on the ad platforms, with their live progress. */
export default function AudiencesScreen() {
  const { can } = useSession()
  const admin = can('ADMIN')
  const gate = useFeature(AUDIENCE_SYNC_FEATURE)
  const reasonId = useId()
  const toast = useToast()
  const act = useToastedAction()
  const client = useApolloClient()
  const [segmentId, setSegmentId] = useState('')
  const filter = segmentId || null
  const { data, loading, error, refetch, fetchMore } = useQuery(AudiencesDocument, {
    variables: { first: PAGE_SIZE, segmentId: filter },
  })
  const segments = useQuery(AudienceSegmentsDocument, { variables: { first: SEGMENT_CHOICES } })
  const [syncing, setSyncing] = useState(false)
  const [stopping, setStopping] = useState<Audience | null>(null)
  const [deleting, setDeleting] = useState<Audience | null>(null)
  const [resync, { loading: resyncing }] = useMutation(SyncAudienceDocument)
  const [stop, { loading: stopBusy }] = useMutation(StopAudienceSyncDocument)
  const [remove, { loading: removing }] = useMutation(DeleteAudienceDocument)
  const controlsOff = !admin || !gate.enabled

  // Each event carries the whole audience: Apollo writes it over the row
  // with the same id. An audience the page does not hold yet (synced from
  // elsewhere) needs the list again.
  const connection = useConnectionState()
  const { error: liveError } = useSubscription(AudienceSyncUpdatedDocument, {
    skip: !gate.enabled,
    onData: ({ data: d }) => {
      const a = d.data?.audienceSyncUpdated
      if (!a || (filter && a.segment.id !== filter)) return
      if (!data?.audiences.edges.some((e) => e.node.id === a.id)) void refetch().catch(() => {})
    },
  })
  const live = gate.enabled && connection.status === 'live' && !liveError

  const onResync = (a: Audience) =>
    act(
      async () =>
        (
          await resync({
            variables: { input: { segmentId: a.segment.id, platform: a.platform, accountId: a.account.id } },
          })
        ).data?.syncAudience.userErrors ?? [],
      `Re-sync of ${audienceName(a)} queued.`,
    )

  const onStop = async (a: Audience) => {
    await act(
      async () => (await stop({ variables: { input: { id: a.id } } })).data?.stopAudienceSync.userErrors ?? [],
      `Sync of ${audienceName(a)} stopped.`,
    )
    setStopping(null)
  }

  const onDelete = async (a: Audience) => {
    const platform = enumLabel('Platform', a.platform)
    try {
      const p = (await remove({ variables: { input: { id: a.id } } })).data?.deleteAudience
      const [first] = p?.userErrors ?? []
      if (!p || first) {
        toast.show({ tone: 'error', message: first?.message ?? 'The audience was not deleted.' })
      } else {
        toast.show({
          message: p.platformAudienceDeleted
            ? `${audienceName(a)} deleted, on ${platform} too.`
            : `${audienceName(a)} deleted from Stratum. The audience on ${platform} was not deleted.`,
        })
        client.cache.evict({ id: client.cache.identify({ __typename: 'Audience', id: a.id }) })
        client.cache.gc()
        void refetch().catch(() => {})
      }
    } catch (e) {
      toast.show({ tone: 'error', message: (e as Error).message })
    }
    setDeleting(null)
  }

  return (
    <>
      <PageHeader
        title="Audiences"
        description="Segments kept in step with customer-list audiences on Meta, Google Ads, TikTok and Snapchat: members who enter or leave a segment are added to or removed from its audiences."
        actions={
          <GatedButton
            feature={AUDIENCE_SYNC_FEATURE}
            variant="primary"
            disabled={!admin}
            aria-describedby={admin ? undefined : reasonId}
            onClick={() => setSyncing(true)}
          >
            Sync a segment
          </GatedButton>
        }
      />
      <Card
        title="Synced audiences"
        description="Size counts the members Stratum uploaded and has not removed: segment members who gave advertising consent and have an e-mail address or phone number. The platform’s matched size is usually smaller and is not shown here."
        actions={gate.enabled && <LiveBadge live={live} connecting={connection.status === 'connecting'} />}
      >
        {!admin && (
          <p id={reasonId} className="mb-3 text-sm text-muted">
            {ADMIN_ONLY}
          </p>
        )}
        {gate.enabled && !live && connection.status !== 'connecting' && (
          <p className="mb-3 text-sm text-warning-ink" data-testid="not-live">
            {liveError
              ? `Live updates stopped (${liveError.message}): statuses and progress shown here may be out of date. Reload the page to see them change again.`
              : 'The live connection to Stratum is down: statuses and progress shown here may be out of date. They reload when the connection returns.'}
          </p>
        )}
        <div className="mb-4 max-w-xs">
          <Field label="Segment">
            <Select value={segmentId} onChange={(e) => setSegmentId(e.target.value)}>
              <option value="">All segments</option>
              {segments.data?.segments.edges.map(({ node: s }) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </Select>
          </Field>
        </div>
        <ConnectionTable
          connection={data?.audiences}
          loading={loading}
          error={error}
          onRetry={() => void refetch()}
          loadingLabel="Loading audiences…"
          caption="Audiences"
          columns={['Segment', 'Platform', 'Ad account', 'Status', 'Size', 'Last sync', 'Error']}
          actions
          empty={
            filter ? (
              <EmptyState
                title="This segment is not synced anywhere"
                description="Sync it to an ad account to keep an audience there in step with it."
              />
            ) : (
              <EmptyState
                title="No audiences yet"
                description="Sync a segment to a Meta, Google Ads, TikTok or Snapchat ad account: Stratum creates a customer-list audience there and keeps it in step with the segment."
              />
            )
          }
          summary={(c) => <p className="mb-2 text-sm text-muted">{formatCount(c.totalCount, 'audience')}</p>}
          onLoadMore={(after) => fetchMore({ variables: { after } })}
          row={(a) => (
            <>
              <Td className="font-medium">{a.segment.name}</Td>
              <Td>{enumLabel('Platform', a.platform)}</Td>
              <Td>
                {a.account.name} <span className="text-muted">({a.account.externalId})</span>
              </Td>
              <Td>
                <div className="flex flex-col gap-1">
                  <span>
                    <Badge tone={STATUS_TONE[a.status]}>{enumLabel('AudienceStatus', a.status)}</Badge>
                  </span>
                  {a.status === 'SYNCING' && <SyncProgress audience={a} />}
                </div>
              </Td>
              <Td>{formatNumber(a.size)}</Td>
              <Td className="whitespace-nowrap text-muted">{a.lastSyncAt ? formatDateTime(a.lastSyncAt) : 'Never'}</Td>
              <Td className="break-words text-error-ink">{a.error ?? ''}</Td>
              <Td>
                <div className="flex flex-wrap gap-2">
                  <Button
                    size="sm"
                    disabled={controlsOff || resyncing}
                    aria-describedby={admin ? undefined : reasonId}
                    aria-label={`Re-sync ${audienceName(a)}`}
                    onClick={() => void onResync(a)}
                  >
                    Re-sync
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={controlsOff || a.status === 'STOPPED'}
                    aria-describedby={admin ? undefined : reasonId}
                    aria-label={`Stop ${audienceName(a)}`}
                    onClick={() => setStopping(a)}
                  >
                    Stop
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    disabled={controlsOff}
                    aria-describedby={admin ? undefined : reasonId}
                    aria-label={`Delete ${audienceName(a)}`}
                    onClick={() => setDeleting(a)}
                  >
                    Delete
                  </Button>
                </div>
              </Td>
            </>
          )}
        />
      </Card>
      {syncing && !controlsOff && (
        <Dialog
          open
          onClose={() => setSyncing(false)}
          title="Sync a segment"
          description="Stratum creates a customer-list audience on the ad account at the first sync, uploads the segment’s members, then keeps it in step."
        >
          <SyncAudienceForm
            segmentId={segmentId || undefined}
            onCancel={() => setSyncing(false)}
            onSynced={(a) => {
              toast.show({ message: `Sync of ${audienceName(a)} queued.` })
              setSyncing(false)
              void refetch().catch(() => {})
            }}
          />
        </Dialog>
      )}
      <ConfirmDialog
        open={stopping !== null}
        title={`Stop syncing ${stopping ? audienceName(stopping) : ''}?`}
        description={`Nothing more is uploaded to or removed from the ${stopping ? enumLabel('Platform', stopping.platform) : ''} audience: it keeps the members it has now. Re-sync starts it again.`}
        confirmLabel="Stop sync"
        loading={stopBusy}
        onCancel={() => setStopping(null)}
        onConfirm={() => stopping && void onStop(stopping)}
      />
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting ? audienceName(deleting) : ''}?`}
        description={deleting ? deleteWarning(deleting) : ''}
        confirmLabel="Delete from Stratum"
        loading={removing}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void onDelete(deleting)}
      />
    </>
  )
}

/** What deleting an audience does and does not do (deleteAudience never deletes the platform's audience). */
export function deleteWarning(a: Audience): string {
  const platform = enumLabel('Platform', a.platform)
  return `Stratum deletes its record of this audience and stops syncing it. The audience on ${platform} is NOT deleted: it stays in the ad account with the members it has. Delete it in ${platform}’s own audience manager if you no longer want it.`
}

/** Whether events reach the screen now: "Live" only while the socket is up and the subscription runs. */
function LiveBadge({ live, connecting }: { live: boolean; connecting: boolean }) {
  return (
    <span role="status" aria-label="Live updates">
      <Badge tone={live ? 'success' : 'warning'}>{live ? 'Live' : connecting ? 'Connecting…' : 'Not live'}</Badge>
    </span>
  )
}

/** A running sync: profiles handled of the profiles it has to handle. */
function SyncProgress({ audience: a }: { audience: Audience }) {
  const { done, total } = a.progress
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0
  const text = total > 0 ? `${formatNumber(done)} of ${formatNumber(total)}` : 'Starting'
  return (
    <div className="flex min-w-32 flex-col gap-0.5">
      <div
        role="progressbar"
        aria-label={`Sync progress of ${audienceName(a)}`}
        aria-valuemin={0}
        aria-valuemax={total || undefined}
        aria-valuenow={total > 0 ? done : undefined}
        aria-valuetext={text}
        className="h-2 overflow-hidden rounded bg-raised"
      >
        <div className="h-full bg-primary-600 transition-all" style={{ width: `${pct}%` }} />
      </div>
      <span className="text-xs text-muted">{text}</span>
    </div>
  )
}

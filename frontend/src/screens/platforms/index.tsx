import { useMutation, useQuery, useSubscription } from '@apollo/client/react'
import { useEffect, useId, useState } from 'react'
import { useSearchParams } from 'react-router-dom'

import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  CheckboxGroup,
  ConfirmDialog,
  EmptyState,
  GatedButton,
  PageHeader,
  DataTable,
  QueryState,
  Td,
  type Tone,
} from '../../components/ui'
import type {
  ConnectionStatus,
  Platform,
  PlatformConnectionFieldsFragment,
  SyncKind,
  SyncRunFieldsFragment,
} from '../../gql/graphql'
import { CONNECTION_STATUSES, enumLabel, SYNC_KINDS, SYNC_RUN_STATUSES } from '../../lib/enumLabels'
import { formatDateTime, formatNumber } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import type { UserErrorLike } from '../../lib/userErrors'
import { useSession } from '../../session/SessionProvider'
import { PLATFORMS } from '../../trust/labels'
import {
  ConnectPlatformDocument,
  ConnectSandboxDocument,
  DisconnectPlatformDocument,
  PlatformConnectionChangedDocument,
  PlatformsDocument,
  SelectAdAccountsDocument,
  SyncRunsDocument,
  SyncRunUpdatedDocument,
  TriggerSyncDocument,
} from './operations'

/** The feature that real platforms (not the sandbox) need. */
export const CONNECTORS_FEATURE = 'platform_connectors'

/** What a simulator-backed connection is called everywhere on this screen. */
export const SANDBOX_NAME = 'Sandbox (simulated)'

/** The platform's part of its OAuth callback path (`/oauth/<slug>/callback`). */
export function platformSlug(p: Platform): string {
  return p.toLowerCase()
}

/** This server's OAuth callback URL of a platform, as `connectPlatform` requires it. */
export function callbackUrl(origin: string, p: Platform): string {
  return `${origin}/oauth/${platformSlug(p)}/callback`
}

/** The platform named by a callback's `platform=` / `connected=` slug, in words. */
function platformFromSlug(slug: string | null): string | null {
  if (!slug) return null
  const p = (Object.keys(PLATFORMS) as Platform[]).find((k) => platformSlug(k) === slug.toLowerCase())
  return p ? PLATFORMS[p] : slug
}

const STATUS_TONE: Record<ConnectionStatus, Tone> = {
  OK: 'success',
  DEGRADED: 'warning',
  DOWN: 'error',
  NEEDS_REAUTH: 'error',
}

const RUN_TONE: Record<SyncRunFieldsFragment['status'], Tone> = {
  QUEUED: 'neutral',
  RUNNING: 'primary',
  SUCCEEDED: 'success',
  FAILED: 'error',
  CANCELED: 'warning',
}

interface CallbackNotice {
  tone: 'success' | 'error'
  text: string
}

/** The OAuth callback's outcome from the query string (`?connected=` or `?error=&message=&platform=`). */
export function callbackNotice(params: URLSearchParams): CallbackNotice | null {
  const connected = params.get('connected')
  if (connected) {
    return {
      tone: 'success',
      text: `${platformFromSlug(connected)} is connected. Choose which of its ad accounts to sync below.`,
    }
  }
  const reason = params.get('error')
  if (reason) {
    const name = platformFromSlug(params.get('platform'))
    const message = (params.get('message') ?? '').slice(0, 500) || `The platform answered “${reason.slice(0, 100)}”.`
    return {
      tone: 'error',
      text: `${name ? `${name} was not connected` : 'The platform was not connected'}: ${message}`,
    }
  }
  return null
}

export interface PlatformsScreenProps {
  /** Sends the browser to a platform's consent page (tests replace it). */
  assign?: (url: string) => void
  /** This server's origin (tests fix it). */
  origin?: string
}

/** `/platforms`: connect ad platforms or the sandbox, pick the synced accounts, sync and watch runs. */
export default function PlatformsScreen({
  assign = (url) => window.location.assign(url),
  origin = window.location.origin,
}: PlatformsScreenProps) {
  const [params, setParams] = useSearchParams()
  // The callback's outcome is read once, then the address is cleaned so a
  // reload does not announce it again.
  const [notice, setNotice] = useState(() => callbackNotice(params))
  useEffect(() => {
    if (params.has('connected') || params.has('error')) setParams({}, { replace: true })
  }, [params, setParams])

  const { data, loading, error, refetch } = useQuery(PlatformsDocument)
  useSubscription(PlatformConnectionChangedDocument, { onData: () => void refetch().catch(() => {}) })

  return (
    <>
      <PageHeader
        title="Platforms"
        description="Connect ad platforms, choose which ad accounts are synced, and follow their syncs. The sandbox is simulated data from Stratum's simulator."
      />
      {notice && (
        <div className="mb-4 flex items-start gap-2">
          <div className="flex-1">
            <Alert tone={notice.tone}>{notice.text}</Alert>
          </div>
          <Button size="sm" variant="ghost" onClick={() => setNotice(null)}>
            Dismiss
          </Button>
        </div>
      )}
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading platforms…"
      >
        {({ platformAvailability, platformConnections }) => (
          <div className="flex flex-col gap-6">
            <section aria-label="Connect a platform" className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
              {platformAvailability.map((a) => (
                <PlatformCard
                  key={a.platform}
                  platform={a.platform}
                  configured={a.configured}
                  connections={platformConnections.filter((c) => c.platform === a.platform).length}
                  origin={origin}
                  assign={assign}
                />
              ))}
              <SandboxCard hasSandbox={platformConnections.some((c) => c.sandbox)} onAdded={() => void refetch()} />
            </section>
            {platformConnections.length === 0 ? (
              <Card>
                <EmptyState
                  title="No connections yet"
                  description="Connect a platform above, or add the sandbox to try Stratum on simulated data."
                />
              </Card>
            ) : (
              platformConnections.map((c) => (
                <ConnectionCard key={c.id} connection={c} onChanged={() => void refetch().catch(() => {})} />
              ))
            )}
          </div>
        )}
      </QueryState>
    </>
  )
}

/** Why a control is disabled, beside it. */
function Reason({ id, children }: { id: string; children: string }) {
  return (
    <span id={id} className="text-sm text-muted">
      {children}
    </span>
  )
}

const ADMIN_ONLY = 'Only admins can do this.'

function PlatformCard({
  platform,
  configured,
  connections,
  origin,
  assign,
}: {
  platform: Platform
  configured: boolean
  connections: number
  origin: string
  assign: (url: string) => void
}) {
  const { can } = useSession()
  const admin = can('ADMIN')
  const noteId = useId()
  const [connect, { loading }] = useMutation(ConnectPlatformDocument)
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([])
  const name = PLATFORMS[platform]
  const env = `STRATUM_${platform}_CLIENT_ID`

  const start = async () => {
    setErrors([])
    try {
      const { data } = await connect({
        variables: { input: { platform, redirectUri: callbackUrl(origin, platform) } },
      })
      const p = data?.connectPlatform
      if (p?.userErrors.length) setErrors(p.userErrors)
      else if (p?.authorizeUrl) assign(p.authorizeUrl)
    } catch (e) {
      setErrors([{ message: (e as Error).message, code: 'INTERNAL' }])
    }
  }

  return (
    <Card
      title={name}
      description={connections ? `${connections} connection${connections === 1 ? '' : 's'} below` : undefined}
    >
      {configured ? (
        <div className="flex flex-col gap-2">
          <div className="flex flex-wrap items-center gap-2">
            <GatedButton
              feature={CONNECTORS_FEATURE}
              variant="primary"
              loading={loading}
              disabled={!admin}
              aria-describedby={admin ? undefined : noteId}
              onClick={() => void start()}
              aria-label={`Connect ${name}`}
            >
              Connect
            </GatedButton>
            {!admin && <Reason id={noteId}>{ADMIN_ONLY}</Reason>}
          </div>
          <p className="text-sm text-muted">You will sign in to {name} and come back here.</p>
          {errors.length > 0 && <Alert>{errors.map((e) => e.message).join(' ')}</Alert>}
        </div>
      ) : (
        <div className="text-sm">
          <p className="font-medium">Not configured on this server</p>
          <p className="mt-1 text-muted">
            To connect {name}, the server needs its app credentials: set <code>{env}</code> and{' '}
            <code>{`STRATUM_${platform}_CLIENT_SECRET`}</code> and restart Stratum.
          </p>
        </div>
      )}
    </Card>
  )
}

function SandboxCard({ hasSandbox, onAdded }: { hasSandbox: boolean; onAdded: () => void }) {
  const { can } = useSession()
  const admin = can('ADMIN')
  const noteId = useId()
  const [add, { loading }] = useMutation(ConnectSandboxDocument)
  const act = useToastedAction()
  return (
    <Card
      title={
        <span className="inline-flex items-center gap-2">
          {SANDBOX_NAME} <Badge tone="warning">Simulated</Badge>
        </span>
      }
    >
      <div className="flex flex-col gap-2">
        <p className="text-sm text-muted">
          A simulated ad account fed by Stratum's simulator: generated campaigns and metrics, no real platform, on every
          plan and outside billing limits.
        </p>
        <div className="flex flex-wrap items-center gap-2">
          <Button
            variant="primary"
            loading={loading}
            disabled={!admin || hasSandbox}
            aria-describedby={!admin || hasSandbox ? noteId : undefined}
            onClick={() =>
              void act(async () => {
                const { data } = await add()
                return data?.connectSandbox.userErrors ?? []
              }, 'Sandbox account added (simulated).').then((ok) => ok && onAdded())
            }
          >
            Add sandbox account
          </Button>
          {(!admin || hasSandbox) && (
            <Reason id={noteId}>{hasSandbox ? 'This workspace has its sandbox (below).' : ADMIN_ONLY}</Reason>
          )}
        </div>
      </div>
    </Card>
  )
}

type Connection = PlatformConnectionFieldsFragment

/** A connection's name: the platform, or the sandbox. */
function connectionName(c: Pick<Connection, 'platform' | 'sandbox'>): string {
  return c.sandbox ? SANDBOX_NAME : PLATFORMS[c.platform]
}

function ConnectionCard({ connection: c, onChanged }: { connection: Connection; onChanged: () => void }) {
  const { can } = useSession()
  const admin = can('ADMIN')
  const analyst = can('ANALYST')
  const name = connectionName(c)
  const [confirming, setConfirming] = useState(false)
  const [disconnect, { loading: disconnecting }] = useMutation(DisconnectPlatformDocument)
  const act = useToastedAction()

  const remove = async () => {
    const ok = await act(async () => {
      const { data } = await disconnect({ variables: { input: { connectionId: c.id } } })
      return data?.disconnectPlatform.userErrors ?? []
    }, `${name} disconnected.`)
    setConfirming(false)
    if (ok) onChanged()
  }

  return (
    <Card
      title={
        <span className="inline-flex flex-wrap items-center gap-2">
          {name}
          {c.sandbox && <Badge tone="warning">Simulated</Badge>}
          <Badge tone={STATUS_TONE[c.status]}>{enumLabel('ConnectionStatus', c.status)}</Badge>
        </span>
      }
      description={`Connected ${formatDateTime(c.createdAt)} · Last sync: ${c.lastSyncAt ? formatDateTime(c.lastSyncAt) : 'never'}`}
      actions={
        admin && (
          <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
            Disconnect
          </Button>
        )
      }
    >
      <div className="flex flex-col gap-4">
        {c.statusMessage && (
          <Alert tone={c.status === 'DEGRADED' ? 'warning' : 'error'}>
            {CONNECTION_STATUSES[c.status]}: {c.statusMessage}
          </Alert>
        )}
        {c.lastError && c.lastError !== c.statusMessage && <Alert>Last error: {c.lastError}</Alert>}
        <AccountSelection connection={c} admin={admin} />
        <SyncPanel connection={c} analyst={analyst} onFinished={onChanged} />
      </div>
      <ConfirmDialog
        open={confirming}
        title={`Disconnect ${name}?`}
        description={
          <>
            Its ad accounts are removed, and with them the campaigns, metrics and sync runs synced from those accounts.
            {c.sandbox
              ? ' You can add the sandbox again later.'
              : ` The grant is not revoked at ${PLATFORMS[c.platform]}: remove Stratum's app there too.`}
          </>
        }
        confirmLabel="Disconnect"
        loading={disconnecting}
        onConfirm={() => void remove()}
        onCancel={() => setConfirming(false)}
      />
    </Card>
  )
}

function AccountSelection({ connection: c, admin }: { connection: Connection; admin: boolean }) {
  const saved = c.accounts.filter((a) => a.selected).map((a) => a.id)
  const [chosen, setChosen] = useState<string[]>(saved)
  const [errors, setErrors] = useState<readonly UserErrorLike[]>([])
  const [save, { loading }] = useMutation(SelectAdAccountsDocument)
  const act = useToastedAction()
  // A change from elsewhere (another admin, the subscription) resets the form.
  const savedKey = saved.join(',')
  useEffect(() => setChosen(savedKey ? savedKey.split(',') : []), [savedKey])

  if (c.accounts.length === 0) {
    return <p className="text-sm text-muted">The grant reaches no ad accounts.</p>
  }
  const dirty = [...chosen].sort().join(',') !== [...saved].sort().join(',')
  const toggle = (id: string, on: boolean) => setChosen((x) => (on ? [...x, id] : x.filter((y) => y !== id)))

  return (
    <div className="flex flex-col gap-2">
      <CheckboxGroup
        legend="Ad accounts to sync"
        error={errors.length ? errors.map((e) => e.message).join(' ') : undefined}
      >
        {c.accounts.map((a) => (
          <Checkbox
            key={a.id}
            checked={chosen.includes(a.id)}
            disabled={!admin}
            onChange={(e) => toggle(a.id, e.target.checked)}
            label={
              <span>
                {a.name}{' '}
                <span className="text-muted">
                  ({a.externalId} · {a.currency} · {a.timeZone})
                </span>
                {a.sandbox && (
                  <>
                    {' '}
                    <Badge tone="warning">Simulated</Badge>
                  </>
                )}
              </span>
            }
          />
        ))}
      </CheckboxGroup>
      {admin && (
        <div>
          <Button
            size="sm"
            loading={loading}
            disabled={!dirty}
            onClick={() => {
              setErrors([])
              void act(async () => {
                const { data } = await save({ variables: { input: { connectionId: c.id, accountIds: chosen } } })
                const errs = data?.selectAdAccounts.userErrors ?? []
                setErrors(errs)
                return errs
              }, 'Account selection saved.')
            }}
          >
            Save selection
          </Button>
        </div>
      )}
    </div>
  )
}

const ACTIVE = new Set(['QUEUED', 'RUNNING'])

function SyncPanel({
  connection: c,
  analyst,
  onFinished,
}: {
  connection: Connection
  analyst: boolean
  onFinished: () => void
}) {
  const { data, refetch } = useQuery(SyncRunsDocument, { variables: { connectionId: c.id } })
  const runs = data?.syncRuns.edges.map((e) => e.node) ?? []
  useSubscription(SyncRunUpdatedDocument, {
    variables: { connectionId: c.id },
    onData: ({ data: d }) => {
      const run = d.data?.syncRunUpdated
      if (!run) return
      if (!ACTIVE.has(run.status)) {
        // The run ended. A list read still in flight may predate the end and
        // overwrite it in Apollo's cache when it answers: read the list again
        // once that read is answered (this one starts after the end).
        void refetch()
          .then(() => refetch())
          .catch(() => {})
        onFinished()
        return
      }
      // A known run updates in Apollo's cache by itself; a new one needs the list again.
      if (!runs.some((r) => r.id === run.id)) void refetch().catch(() => {})
    },
  })
  const [trigger, { loading }] = useMutation(TriggerSyncDocument)
  const [pending, setPending] = useState<SyncKind | null>(null)
  const act = useToastedAction()
  const noteId = useId()
  const selected = c.accounts.some((a) => a.selected)

  const run = (kind: SyncKind) => {
    setPending(kind)
    void act(async () => {
      const { data: d } = await trigger({ variables: { input: { connectionId: c.id, kind } } })
      return d?.triggerSync.userErrors ?? []
    }, `${SYNC_KINDS[kind]} sync queued.`).then(() => {
      setPending(null)
      void refetch().catch(() => {})
    })
  }
  const disabled = !analyst || !selected
  const reason = !analyst ? 'Analysts and above can start syncs.' : !selected ? 'Select an account to sync first.' : ''
  const SyncButton = c.sandbox ? Button : GatedButtonForConnectors
  const active = runs.filter((r) => ACTIVE.has(r.status))

  return (
    <div className="flex flex-col gap-3">
      <div className="flex flex-wrap items-center gap-2">
        <SyncButton
          size="sm"
          variant="primary"
          loading={loading && pending === 'INSIGHTS'}
          disabled={disabled}
          aria-describedby={reason ? noteId : undefined}
          onClick={() => run('INSIGHTS')}
        >
          Sync now
        </SyncButton>
        <SyncButton
          size="sm"
          loading={loading && pending === 'BACKFILL'}
          disabled={disabled}
          aria-describedby={reason ? noteId : undefined}
          onClick={() => run('BACKFILL')}
        >
          Backfill 90 days
        </SyncButton>
        {reason && <Reason id={noteId}>{reason}</Reason>}
      </div>
      {active.map((r) => (
        <RunProgress key={r.id} run={r} />
      ))}
      <RunList runs={runs} total={data?.syncRuns.totalCount ?? 0} />
    </div>
  )
}

function GatedButtonForConnectors(props: Parameters<typeof Button>[0]) {
  return <GatedButton feature={CONNECTORS_FEATURE} {...props} />
}

/** A running run's progress: chunks (insights, backfill) or pages (structure) done of the total. */
function RunProgress({ run: r }: { run: SyncRunFieldsFragment }) {
  const { done, total } = r.progress
  const label = `${SYNC_KINDS[r.kind]} of ${r.account.name}`
  const pct = total > 0 ? Math.min(100, Math.round((done / total) * 100)) : 0
  return (
    <div className="flex flex-col gap-1">
      <div className="flex justify-between text-sm">
        <span>{label}</span>
        <span className="text-muted">
          {SYNC_RUN_STATUSES[r.status]}
          {total > 0 ? ` · ${done} of ${total} ${r.kind === 'STRUCTURE' ? 'pages' : 'chunks'}` : ''}
        </span>
      </div>
      <div
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total || undefined}
        aria-valuenow={total > 0 ? done : undefined}
        aria-valuetext={total > 0 ? `${done} of ${total}` : SYNC_RUN_STATUSES[r.status]}
        className="h-2 overflow-hidden rounded bg-raised"
      >
        <div className="h-full bg-primary-600 transition-all" style={{ width: `${pct}%` }} />
      </div>
    </div>
  )
}

const RUN_COLUMNS = ['Queued', 'Kind', 'Account', 'Status', 'Window', 'Rows', 'API calls', 'Error']

function RunList({ runs, total }: { runs: SyncRunFieldsFragment[]; total: number }) {
  if (runs.length === 0) return <p className="text-sm text-muted">No sync runs yet.</p>
  // A function, not a component: DataTable's stacked cards (on a phone) label each cell with its column.
  const row = (r: SyncRunFieldsFragment) => (
    <>
      <Td>{formatDateTime(r.queuedAt)}</Td>
      <Td>{enumLabel('SyncKind', r.kind)}</Td>
      <Td>{r.account.name}</Td>
      <Td>
        <Badge tone={RUN_TONE[r.status]}>{enumLabel('SyncRunStatus', r.status)}</Badge>
      </Td>
      <Td>{r.window ? `${r.window.from} to ${r.window.to}` : '—'}</Td>
      <Td>{formatNumber(r.rowsWritten)}</Td>
      <Td>
        {formatNumber(r.apiCalls)}
        {r.apiErrors > 0 ? <span className="text-warning-ink"> ({formatNumber(r.apiErrors)} failed)</span> : null}
      </Td>
      <Td>{r.error ?? ''}</Td>
    </>
  )
  return (
    <div>
      <h3 className="mb-1 text-sm font-medium">
        Recent sync runs{' '}
        <span className="text-muted">({runs.length === total ? total : `${runs.length} of ${total}`})</span>
      </h3>
      <DataTable caption="Recent sync runs" columns={RUN_COLUMNS} items={runs} row={row} />
    </div>
  )
}

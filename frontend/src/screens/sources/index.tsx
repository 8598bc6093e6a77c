import { useMutation, useQuery } from '@apollo/client/react'
import { useId, useState } from 'react'

import {
  Alert,
  Badge,
  Button,
  Card,
  ConfirmDialog,
  ConnectionTable,
  CopyButton,
  Dialog,
  EmptyState,
  Field,
  GatedButton,
  Input,
  PageHeader,
  SecretBox,
  Td,
  useToast,
} from '../../components/ui'
import type { SourceFieldsFragment } from '../../gql/graphql'
import { formatCount, formatDateTime, formatNumber } from '../../lib/format'
import { useFeature } from '../../lib/useFeature'
import { useToastedAction } from '../../lib/useToastedAction'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { useSession } from '../../session/SessionProvider'
import { DebuggerPanel } from './Debugger'
import {
  CreateSourceDocument,
  RotateSourceWriteKeyDocument,
  SetSourceEnabledDocument,
  SetSourceRateLimitDocument,
  SourcesDocument,
} from './operations'

/** The feature flag the whole screen needs. */
export const CDP_FEATURE = 'cdp'

/** Sources per page (each page costs rate-limit points like every list). */
export const PAGE_SIZE = 20

/** What the snippets say where the write key goes. */
export const KEY_PLACEHOLDER = 'WRITE_KEY'

const ADMIN_ONLY = 'Only admins can create, switch, rotate or change the limit of sources.'

/** The bounds of a source's rate limit (the server's SetSourceRateLimitInput). */
export const MIN_RATE_LIMIT = 1
export const MAX_RATE_LIMIT = 1_000_000

type Source = SourceFieldsFragment

/** A write key shown once: after createSource or rotateSourceWriteKey. */
interface RevealedKey {
  sourceName: string
  writeKey: string
  rotated: boolean
}

/** How the unmodified SDKs and curl reach this server with a source's write key. */
export function installSnippets(origin: string, writeKey = KEY_PLACEHOLDER): { title: string; code: string }[] {
  return [
    {
      title: 'Segment: @segment/analytics-node',
      code: [
        '// npm install @segment/analytics-node',
        "import { Analytics } from '@segment/analytics-node'",
        '',
        `const analytics = new Analytics({ writeKey: '${writeKey}', host: '${origin}' })`,
        "analytics.track({ userId: 'u1', event: 'Signed Up' })",
      ].join('\n'),
    },
    {
      title: 'RudderStack: @rudderstack/rudder-sdk-node',
      code: [
        '// npm install @rudderstack/rudder-sdk-node',
        "const Analytics = require('@rudderstack/rudder-sdk-node')",
        '',
        `const client = new Analytics('${writeKey}', { dataPlaneUrl: '${origin}' })`,
        "client.track({ userId: 'u1', event: 'Signed Up' })",
      ].join('\n'),
    },
    {
      title: 'curl',
      code: [
        `curl -u ${writeKey}: -H 'Content-Type: application/json' \\`,
        `  -d '{"userId":"u1","event":"Signed Up"}' ${origin}/v1/track`,
      ].join('\n'),
    },
  ]
}

export interface SourcesScreenProps {
  /** This server's origin, where the SDKs send (tests fix it). */
  origin?: string
}

/** `/sources`: the CDP's event sources — create (key shown once), switch on or off, rotate keys, install. */
export default function SourcesScreen({ origin = window.location.origin }: SourcesScreenProps) {
  const { can } = useSession()
  const admin = can('ADMIN')
  const gate = useFeature(CDP_FEATURE)
  const reasonId = useId()
  const { data, loading, error, refetch, fetchMore } = useQuery(SourcesDocument, { variables: { first: PAGE_SIZE } })
  const [revealed, setRevealed] = useState<RevealedKey | null>(null)
  const [rotating, setRotating] = useState<Source | null>(null)
  const [debugging, setDebugging] = useState<Source | null>(null)
  const [limiting, setLimiting] = useState<Source | null>(null)
  const [setEnabled, { loading: switching }] = useMutation(SetSourceEnabledDocument)
  const [rotate, { loading: rotatingNow }] = useMutation(RotateSourceWriteKeyDocument)
  const act = useToastedAction()

  const toggle = (s: Source) =>
    act(
      async () =>
        (await setEnabled({ variables: { input: { id: s.id, enabled: !s.enabled } } })).data?.setSourceEnabled
          .userErrors ?? [],
      s.enabled
        ? `“${s.name}” disabled: its events are refused (403) until it is enabled again.`
        : `“${s.name}” enabled: its events are accepted again.`,
    )

  const onRotate = async (s: Source) => {
    let key: string | null = null
    await act(async () => {
      const p = (await rotate({ variables: { input: { id: s.id } } })).data?.rotateSourceWriteKey
      key = p?.writeKey ?? null
      return p?.userErrors ?? []
    }, `The write key of “${s.name}” was replaced.`)
    setRotating(null)
    if (key) setRevealed({ sourceName: s.name, writeKey: key, rotated: true })
  }

  const controlsOff = !admin || !gate.enabled
  return (
    <>
      <PageHeader
        title="Sources"
        description="Where events come from: a website, an app or a server. Each source has a write key that unmodified Segment and RudderStack SDKs send with to this server."
      />
      <div className="flex flex-col gap-6">
        {revealed && <WriteKeyPanel revealed={revealed} onDismiss={() => setRevealed(null)} />}
        <NewSourceForm
          admin={admin}
          featureOn={gate.enabled}
          onCreated={(sourceName, writeKey) => {
            setRevealed({ sourceName, writeKey, rotated: false })
            void refetch().catch(() => {})
          }}
        />
        <Card
          title="Sources"
          description="Newest first. Received counts stored events (duplicates of a messageId are not counted); rejected counts events refused as invalid."
        >
          {!admin && (
            <p id={reasonId} className="mb-3 text-sm text-muted">
              {ADMIN_ONLY}
            </p>
          )}
          <ConnectionTable
            connection={data?.sources}
            loading={loading}
            error={error}
            onRetry={() => void refetch()}
            loadingLabel="Loading sources…"
            caption="Sources"
            columns={['Name', 'Status', 'Write key', 'Rate limit', 'Received', 'Rejected', 'Last event']}
            actions
            empty={
              <EmptyState
                title="No sources yet"
                description="Create a source above for each website, app or server that sends events."
              />
            }
            summary={(c) => (
              <p className="mb-2 text-sm text-muted">
                {c.edges.length === c.totalCount
                  ? formatCount(c.totalCount, 'source')
                  : `Showing ${c.edges.length} of ${formatCount(c.totalCount, 'source')}`}
              </p>
            )}
            onLoadMore={(after) => fetchMore({ variables: { after } })}
            row={(s) => (
              <>
                <Td className="font-medium">
                  <span className="inline-flex flex-wrap items-center gap-2">
                    <span>{s.name}</span>
                    {s.simulated && (
                      <span title="Stratum generates this source's events (invented visitors) for the demo workspace">
                        <Badge tone="warning">Simulated</Badge>
                      </span>
                    )}
                  </span>
                </Td>
                <Td>
                  <Badge tone={s.enabled ? 'success' : 'neutral'}>{s.enabled ? 'Enabled' : 'Disabled'}</Badge>
                </Td>
                <Td className="font-mono text-xs">{s.writeKeyPrefix}…</Td>
                <Td className="whitespace-nowrap">{formatNumber(s.rateLimitPerSecond)} events/s</Td>
                <Td>{formatNumber(s.received)}</Td>
                <Td>{formatNumber(s.rejected)}</Td>
                <Td className="text-muted">{s.lastEventAt ? formatDateTime(s.lastEventAt) : 'No events yet'}</Td>
                <Td>
                  <div className="flex flex-wrap gap-2">
                    <Button
                      size="sm"
                      disabled={controlsOff || switching}
                      aria-describedby={admin ? undefined : reasonId}
                      aria-label={`${s.enabled ? 'Disable' : 'Enable'} source ${s.name}`}
                      onClick={() => void toggle(s)}
                    >
                      {s.enabled ? 'Disable' : 'Enable'}
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff}
                      aria-describedby={admin ? undefined : reasonId}
                      aria-label={`Rotate key of ${s.name}`}
                      onClick={() => setRotating(s)}
                    >
                      Rotate key
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff}
                      aria-describedby={admin ? undefined : reasonId}
                      aria-label={`Change limit of ${s.name}`}
                      onClick={() => setLimiting(s)}
                    >
                      Change limit
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Live events of ${s.name}`}
                      aria-pressed={debugging?.id === s.id}
                      onClick={() => setDebugging(s)}
                    >
                      Live events
                    </Button>
                  </div>
                </Td>
              </>
            )}
          />
        </Card>
        {gate.enabled && debugging && (
          <DebuggerPanel
            key={debugging.id}
            sourceId={debugging.id}
            sourceName={debugging.name}
            onClose={() => setDebugging(null)}
          />
        )}
        {gate.enabled && <InstallCard origin={origin} />}
      </div>
      <ConfirmDialog
        open={rotating !== null}
        title={`Rotate the write key of “${rotating?.name ?? ''}”?`}
        description="The old key stops working at once: everything still sending with it is refused (401) from now on. The new key is shown once, here."
        confirmLabel="Rotate key"
        loading={rotatingNow}
        onCancel={() => setRotating(null)}
        onConfirm={() => rotating && void onRotate(rotating)}
      />
      {limiting && !controlsOff && (
        <RateLimitDialog key={limiting.id} source={limiting} onClose={() => setLimiting(null)} />
      )}
    </>
  )
}

/** The one showing of a write key, until dismissed. */
function WriteKeyPanel({ revealed, onDismiss }: { revealed: RevealedKey; onDismiss: () => void }) {
  return (
    <Card
      title={`${revealed.rotated ? 'New write key' : 'Write key'} of “${revealed.sourceName}”`}
      actions={
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      }
    >
      <div className="flex flex-col gap-3">
        <Alert tone="warning">
          This key is shown only now; store it. Stratum keeps only a hash of it and cannot show it again (rotate the key
          if it is lost).
        </Alert>
        <SecretBox label="Write key" value={revealed.writeKey} />
      </div>
    </Card>
  )
}

const LIMIT_FIELDS = ['rateLimitPerSecond'] as const

/**
 * Changes one source's rate limit: a whole number 1–1,000,000, checked here
 * and by the server (its userErrors show at the field). The returned source
 * updates the row through the cache (same id).
 */
function RateLimitDialog({ source, onClose }: { source: Source; onClose: () => void }) {
  const toast = useToast()
  const [value, setValue] = useState(String(source.rateLimitPerSecond))
  const [errors, setErrors] = useState<FormErrors<'rateLimitPerSecond'>>(noErrors)
  const [setLimit, { loading }] = useMutation(SetSourceRateLimitDocument)

  const submit = async () => {
    const text = value.trim()
    const limit = Number(text)
    if (text === '' || !Number.isInteger(limit) || limit < MIN_RATE_LIMIT || limit > MAX_RATE_LIMIT) {
      return setErrors({ fields: { rateLimitPerSecond: 'A whole number from 1 to 1,000,000' }, form: null })
    }
    setErrors(noErrors)
    try {
      const p = (await setLimit({ variables: { input: { id: source.id, rateLimitPerSecond: limit } } })).data
        ?.setSourceRateLimit
      if (!p?.source || p.userErrors.length > 0) return setErrors(formErrors(p?.userErrors ?? [], LIMIT_FIELDS))
      toast.show({
        message: `“${source.name}” now accepts ${formatNumber(p.source.rateLimitPerSecond)} events a second.`,
      })
      onClose()
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={`Change the rate limit of “${source.name}”`}
      description="Requests over the limit are answered 429 with Retry-After. The new limit applies from the next request."
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" type="submit" form={`rate-limit-${source.id}`} loading={loading}>
            Save limit
          </Button>
        </>
      }
    >
      <form
        id={`rate-limit-${source.id}`}
        aria-label="Rate limit"
        noValidate
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field
          label="Rate limit (events a second)"
          error={errors.fields.rateLimitPerSecond}
          hint="A whole number from 1 to 1,000,000."
        >
          <Input inputMode="numeric" value={value} onChange={(e) => setValue(e.target.value)} data-autofocus />
        </Field>
      </form>
    </Dialog>
  )
}

const FIELDS = ['name', 'rateLimitPerSecond'] as const
type FieldName = (typeof FIELDS)[number]

function NewSourceForm({
  admin,
  featureOn,
  onCreated,
}: {
  admin: boolean
  featureOn: boolean
  onCreated: (name: string, writeKey: string) => void
}) {
  const [name, setName] = useState('')
  const [rate, setRate] = useState('')
  const [errors, setErrors] = useState<FormErrors<FieldName>>(noErrors)
  const [create, { loading }] = useMutation(CreateSourceDocument)
  const noteId = useId()
  const usable = admin && featureOn

  const submit = async () => {
    if (!usable) return
    const local: FormErrors<FieldName>['fields'] = {}
    if (!name.trim()) local.name = 'Give the source a name'
    const limit = rate.trim() === '' ? null : Number(rate)
    if (limit !== null && !Number.isInteger(limit)) local.rateLimitPerSecond = 'A whole number of events a second'
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    setErrors(noErrors)
    try {
      const { data } = await create({ variables: { input: { name: name.trim(), rateLimitPerSecond: limit } } })
      const p = data?.createSource
      if (!p?.writeKey || !p.source) return setErrors(formErrors(p?.userErrors ?? [], FIELDS))
      setName('')
      setRate('')
      onCreated(p.source.name, p.writeKey)
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  return (
    <Card title="New source" description="Its write key is shown once, when it is created.">
      <form
        aria-label="New source"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex flex-col gap-4"
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <div className="grid gap-4 md:grid-cols-2">
          <Field label="Name" error={errors.fields.name} hint="E.g. the website or app that sends (1–100 characters).">
            <Input value={name} disabled={!usable} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field
            label="Rate limit (events a second, optional)"
            error={errors.fields.rateLimitPerSecond}
            hint="1 to 1,000,000; 1,000 when empty. More is answered 429 with Retry-After."
          >
            <Input inputMode="numeric" value={rate} disabled={!usable} onChange={(e) => setRate(e.target.value)} />
          </Field>
        </div>
        <div className="flex flex-wrap items-center gap-2">
          <GatedButton
            feature={CDP_FEATURE}
            type="submit"
            variant="primary"
            loading={loading}
            disabled={!admin}
            aria-describedby={admin ? undefined : noteId}
          >
            Create source
          </GatedButton>
          {!admin && (
            <span id={noteId} className="text-sm text-muted">
              {ADMIN_ONLY}
            </span>
          )}
        </div>
      </form>
    </Card>
  )
}

/** Install snippets for the unmodified SDKs and curl, pointed at this server. */
function InstallCard({ origin }: { origin: string }) {
  return (
    <Card
      title="Send events to this server"
      description={`Configure the SDK with only a source's write key and this server's address (${origin}); replace ${KEY_PLACEHOLDER} with the key.`}
    >
      <div className="flex flex-col gap-4">
        {installSnippets(origin).map((s) => (
          <div key={s.title} className="flex flex-col gap-2">
            <div className="flex items-center justify-between gap-2">
              <h3 className="text-sm font-medium">{s.title}</h3>
              <CopyButton text={s.code} label={`Copy ${s.title.split(':')[0]} snippet`} />
            </div>
            {/* Long lines wrap: on a phone nothing is wider than the screen. */}
            <pre
              role="region"
              aria-label={`${s.title} snippet`}
              className="rounded-md border border-line bg-raised px-3 py-2 font-mono text-xs break-words whitespace-pre-wrap"
            >
              <code>{s.code}</code>
            </pre>
          </div>
        ))}
        <p className="text-sm text-muted">
          The SDKs post to <code>/v1/batch</code>; <code>/v1/track</code>, <code>/identify</code>, <code>/page</code>,{' '}
          <code>/screen</code>, <code>/group</code>, <code>/alias</code> and <code>/import</code> are answered too, with
          the write key as the HTTP Basic username. The answer is <code>{'{"success":true}'}</code> only once the events
          are stored. Browsers may post to these addresses directly (any origin is allowed); Segment&apos;s analytics.js
          loads its settings from Segment&apos;s CDN, which this server does not serve.
        </p>
      </div>
    </Card>
  )
}

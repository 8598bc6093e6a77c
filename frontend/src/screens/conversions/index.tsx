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
  GatedButton,
  PageHeader,
  Td,
  useToast,
} from '../../components/ui'
import type { ConversionDestinationFieldsFragment } from '../../gql/graphql'
import { formatCount } from '../../lib/format'
import { useFeature } from '../../lib/useFeature'
import { useToastedAction } from '../../lib/useToastedAction'
import { useSession } from '../../session/SessionProvider'
import { PLATFORMS } from '../../trust/labels'
import { DeliveryLog } from './DeliveryLog'
import { DESTINATION_PLATFORMS, DestinationForm } from './DestinationForm'
import {
  ConversionDestinationsDocument,
  DeleteConversionDestinationDocument,
  TestConversionDestinationDocument,
  UpdateConversionDestinationDocument,
} from './operations'

/** The feature flag the screen needs. */
export const CAPI_FEATURE = 'capi'

/** Destinations per page. */
export const PAGE_SIZE = 50

const ADMIN_ONLY = 'Only admins can add, change, test or delete destinations.'

type Destination = ConversionDestinationFieldsFragment

/** A test's answer, shown under the table until dismissed. */
interface TestAnswer {
  name: string
  result: {
    ok: boolean
    httpStatus?: number | null
    message: string
    latencyMs?: number | null
    testEventCode?: string | null
  }
}

/** `/conversions`: where the CDP's conversions go — destinations per platform, their credentials and test events. */
export default function ConversionsScreen() {
  const { can } = useSession()
  const admin = can('ADMIN')
  const gate = useFeature(CAPI_FEATURE)
  const reasonId = useId()
  const toast = useToast()
  const act = useToastedAction()
  const { data, loading, error, refetch, fetchMore } = useQuery(ConversionDestinationsDocument, {
    variables: { first: PAGE_SIZE },
  })
  const [editing, setEditing] = useState<Destination | 'new' | null>(null)
  const [deleting, setDeleting] = useState<Destination | null>(null)
  const [answer, setAnswer] = useState<TestAnswer | null>(null)
  const [setEnabled, { loading: switching }] = useMutation(UpdateConversionDestinationDocument)
  const [remove, { loading: removing }] = useMutation(DeleteConversionDestinationDocument)
  const [test, { loading: testing }] = useMutation(TestConversionDestinationDocument)
  const controlsOff = !admin || !gate.enabled

  const toggle = (d: Destination) =>
    act(
      async () =>
        (await setEnabled({ variables: { input: { id: d.id, enabled: !d.enabled } } })).data
          ?.updateConversionDestination.userErrors ?? [],
      d.enabled ? `“${d.name}” disabled: nothing is forwarded to it.` : `“${d.name}” enabled.`,
    )

  const onDelete = async (d: Destination) => {
    const ok = await act(
      async () =>
        (await remove({ variables: { input: { id: d.id } } })).data?.deleteConversionDestination.userErrors ?? [],
      `“${d.name}” deleted.`,
    )
    setDeleting(null)
    if (ok) void refetch().catch(() => {})
  }

  const onTest = async (d: Destination) => {
    try {
      const p = (await test({ variables: { input: { id: d.id } } })).data?.testConversionDestination
      if (p?.result) return setAnswer({ name: d.name, result: p.result })
      toast.show({ tone: 'error', message: p?.userErrors[0]?.message ?? 'The test could not be sent.' })
    } catch (e) {
      toast.show({ tone: 'error', message: (e as Error).message })
    }
  }

  const byPlatform = new Map<string, number>()
  for (const e of data?.conversionDestinations.edges ?? []) {
    byPlatform.set(e.node.platform, (byPlatform.get(e.node.platform) ?? 0) + 1)
  }

  return (
    <>
      <PageHeader
        title="Conversions"
        description="Destinations are the ad platforms’ conversion APIs — a Meta pixel, a Google Ads conversion action, a TikTok or Snapchat pixel — that Stratum sends your first-party conversions to from its server."
        actions={
          <GatedButton
            feature={CAPI_FEATURE}
            variant="primary"
            disabled={!admin}
            aria-describedby={admin ? undefined : reasonId}
            onClick={() => setEditing('new')}
          >
            New destination
          </GatedButton>
        }
      />
      <div className="flex flex-col gap-6">
        {answer && <TestAnswerCard answer={answer} onDismiss={() => setAnswer(null)} />}
        <Card
          title="Destinations"
          description="Credentials are stored encrypted and never shown again; only which fields are set. Send a test event to check them: the platform’s answer shows here in its own words."
        >
          {!admin && (
            <p id={reasonId} className="mb-3 text-sm text-muted">
              {ADMIN_ONLY}
            </p>
          )}
          <ConnectionTable
            connection={data?.conversionDestinations}
            loading={loading}
            error={error}
            onRetry={() => void refetch()}
            loadingLabel="Loading destinations…"
            caption="Conversion destinations"
            columns={['Name', 'Platform', 'Status', 'Credentials set', 'Mode']}
            actions
            empty={
              <EmptyState
                title="No destinations yet"
                description="A destination is a platform’s conversion API with your pixel or conversion action and its access token. Add one to check its credentials with a test event."
              />
            }
            summary={(c) => (
              <p className="mb-2 text-sm text-muted">
                {formatCount(c.totalCount, 'destination')}
                {byPlatform.size > 0 &&
                  ': ' +
                    DESTINATION_PLATFORMS.filter((p) => byPlatform.has(p))
                      .map((p) => `${PLATFORMS[p]} ${byPlatform.get(p)}`)
                      .join(', ')}
              </p>
            )}
            onLoadMore={(after) => fetchMore({ variables: { after } })}
            row={(d) => (
              <>
                <Td className="font-medium">{d.name}</Td>
                <Td>{PLATFORMS[d.platform]}</Td>
                <Td>
                  <Badge tone={d.enabled ? 'success' : 'neutral'}>{d.enabled ? 'Enabled' : 'Disabled'}</Badge>
                </Td>
                <Td className="text-xs">{d.credentialKeys.join(', ')}</Td>
                <Td>{d.testEventCode ? <Badge tone="warning">Test events ({d.testEventCode})</Badge> : 'Live'}</Td>
                <Td>
                  <div className="flex flex-wrap gap-2">
                    <Button
                      size="sm"
                      disabled={controlsOff || testing}
                      aria-describedby={admin ? undefined : reasonId}
                      aria-label={`Send test event to ${d.name}`}
                      onClick={() => void onTest(d)}
                    >
                      Send test event
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff}
                      aria-describedby={admin ? undefined : reasonId}
                      aria-label={`Edit ${d.name}`}
                      onClick={() => setEditing(d)}
                    >
                      Edit
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff || switching}
                      aria-describedby={admin ? undefined : reasonId}
                      aria-label={`${d.enabled ? 'Disable' : 'Enable'} ${d.name}`}
                      onClick={() => void toggle(d)}
                    >
                      {d.enabled ? 'Disable' : 'Enable'}
                    </Button>
                    <Button
                      size="sm"
                      variant="ghost"
                      disabled={controlsOff}
                      aria-describedby={admin ? undefined : reasonId}
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
        {data && data.conversionDestinations.edges.length > 0 && (
          <DeliveryLog destinations={data.conversionDestinations.edges.map((e) => e.node)} feature={CAPI_FEATURE} />
        )}
      </div>
      {editing !== null && !controlsOff && (
        <Dialog
          open
          onClose={() => setEditing(null)}
          title={editing === 'new' ? 'New conversion destination' : `Edit “${editing.name}”`}
          description="The fields are the platform’s own; the server checks each and names the one that is wrong."
        >
          <DestinationForm
            destination={editing === 'new' ? undefined : editing}
            onCancel={() => setEditing(null)}
            onSaved={(d) => {
              toast.show({ message: editing === 'new' ? `“${d.name}” added.` : `“${d.name}” saved.` })
              setEditing(null)
              void refetch().catch(() => {})
            }}
          />
        </Dialog>
      )}
      <ConfirmDialog
        open={deleting !== null}
        title={`Delete “${deleting?.name ?? ''}”?`}
        description="Its credentials are erased and nothing more is forwarded to it. This cannot be undone."
        confirmLabel="Delete destination"
        loading={removing}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void onDelete(deleting)}
      />
    </>
  )
}

/** The platform's answer to a test event, in its own words. */
function TestAnswerCard({ answer, onDismiss }: { answer: TestAnswer; onDismiss: () => void }) {
  const r = answer.result
  return (
    <Card
      title={`Test event to “${answer.name}”`}
      actions={
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      }
    >
      <div className="flex flex-col gap-2">
        <Alert tone={r.ok ? 'success' : 'error'}>
          {r.ok ? 'The platform accepted the test event.' : 'The platform did not accept the test event.'}
        </Alert>
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className="text-muted">Answer</dt>
          <dd className="break-words">{r.message}</dd>
          <dt className="text-muted">HTTP status</dt>
          <dd>{r.httpStatus ?? 'No response'}</dd>
          <dt className="text-muted">Latency</dt>
          <dd>{r.latencyMs != null ? `${r.latencyMs} ms` : '—'}</dd>
          {r.testEventCode && (
            <>
              <dt className="text-muted">Test event code</dt>
              <dd className="font-mono">{r.testEventCode}</dd>
            </>
          )}
        </dl>
      </div>
    </Card>
  )
}

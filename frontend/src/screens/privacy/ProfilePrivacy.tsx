import { useMutation, useQuery } from '@apollo/client/react'
import { useEffect, useState } from 'react'

import { Alert, Button, Card, Dialog, Field, Input, LockedState, TextLink } from '../../components/ui'
import type { PrivacyRequestFieldsFragment } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { lockedFeature } from '../../lib/features'
import { formatDateTime } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { POLL_MS, RequestResult, RequestStatus, unfinished } from './labels'
import { DeleteProfileDocument, ExportProfileDataDocument, PrivacyRequestsDocument } from './operations'

/** The word a deletion's confirmation asks to be typed. */
export const DELETE_CONFIRMATION = 'DELETE'

/** Requests the profile's section reads (the newest; its own are among them). */
const RECENT_REQUESTS = 20

/**
 * The Privacy section of a profile (admins): start a JSON export of the
 * person's data (with its progress and, when done, a download link for the
 * one who asked) or their deletion, after a typed confirmation.
 */
export function ProfilePrivacy({ profileId }: { profileId: string }) {
  const { can } = useSession()
  if (!can('ADMIN')) {
    return (
      <Card title="Privacy">
        <p className="text-sm text-muted">Only admins can export or delete a person’s data.</p>
      </Card>
    )
  }
  return <PrivacyActions profileId={profileId} />
}

function PrivacyActions({ profileId }: { profileId: string }) {
  const { data, error, startPolling, stopPolling, refetch } = useQuery(PrivacyRequestsDocument, {
    variables: { first: RECENT_REQUESTS },
  })
  const [exportData, { loading: exporting }] = useMutation(ExportProfileDataDocument)
  const [mine, setMine] = useState<string[]>([])
  const [deleting, setDeleting] = useState(false)
  const [message, setMessage] = useState<string | null>(null)
  // This person's requests: those naming the profile, and those started here (a
  // finished deletion names no profile any more).
  const requests = (data?.privacyRequests.edges ?? [])
    .map((e) => e.node)
    .filter((r) => r.profileId === profileId || mine.includes(r.id))
  const running = requests.some(unfinished)
  useEffect(() => {
    if (running) startPolling(POLL_MS)
    else stopPolling()
    return () => stopPolling()
  }, [running, startPolling, stopPolling])

  const started = (r: PrivacyRequestFieldsFragment | null | undefined) => {
    if (!r) return
    setMine((m) => [...m, r.id])
    void refetch()
  }
  const startExport = async () => {
    setMessage(null)
    try {
      const p = (await exportData({ variables: { input: { profileId } } })).data?.exportProfileData
      const first = p?.userErrors[0]
      if (first || !p?.request) {
        setMessage(first?.message ?? 'The export was not started.')
        return
      }
      started(p.request)
    } catch (err) {
      setMessage((err as Error).message)
    }
  }
  const erased = requests.find((r) => r.kind === 'DELETE' && r.status === 'DONE')
  const locked = error ? lockedFeature(error) : null
  if (locked) {
    return (
      <Card title="Privacy">
        <LockedState {...locked} />
      </Card>
    )
  }
  return (
    <Card
      title="Privacy"
      description="Data-subject requests (GDPR, CCPA). An export can be downloaded by the admin who asked for it, for 24 hours."
      actions={
        <span className="flex flex-wrap gap-2">
          <Button size="sm" onClick={() => void startExport()} loading={exporting} disabled={Boolean(erased)}>
            Export data
          </Button>
          <Button size="sm" variant="danger" onClick={() => setDeleting(true)} disabled={Boolean(erased)}>
            Delete profile…
          </Button>
        </span>
      }
    >
      {message && (
        <div className="mb-3">
          <Alert>{message}</Alert>
        </div>
      )}
      {error && <Alert>{error.message}</Alert>}
      {erased && (
        <div className="mb-3">
          <Alert tone="success">
            This person was deleted: their events, identifiers, traits and consent are gone, and their later events are
            dropped. <TextLink to="/privacy">See the privacy requests</TextLink>
          </Alert>
        </div>
      )}
      {requests.length === 0 ? (
        <p className="text-sm text-muted">No export or deletion was requested for this profile.</p>
      ) : (
        <ul aria-label="Privacy requests of this profile" className="-mx-5 divide-y divide-line text-sm">
          {requests.map((r) => (
            <li key={r.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-5 py-3">
              <span className="font-medium">{enumLabel('PrivacyRequestKind', r.kind)}</span>
              <RequestStatus request={r} />
              <span className="text-muted">
                asked by {r.requestedByMe ? 'you' : r.requestedBy} on {formatDateTime(r.createdAt)}
              </span>
              <RequestResult request={r} />
            </li>
          ))}
        </ul>
      )}
      {deleting && (
        <DeleteDialog
          profileId={profileId}
          onClose={() => setDeleting(false)}
          onStarted={(r) => {
            setDeleting(false)
            started(r)
          }}
        />
      )}
    </Card>
  )
}

/** The deletion's confirmation: the admin types DELETE before the button works. */
export function DeleteDialog({
  profileId,
  onClose,
  onStarted,
}: {
  profileId: string
  onClose: () => void
  onStarted: (r: PrivacyRequestFieldsFragment) => void
}) {
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [remove, { loading }] = useMutation(DeleteProfileDocument)
  const confirmed = typed.trim() === DELETE_CONFIRMATION
  const confirm = async () => {
    setError(null)
    try {
      const p = (await remove({ variables: { input: { profileId } } })).data?.deleteProfile
      const first = p?.userErrors[0]
      if (first || !p?.request) {
        setError(first?.message ?? 'The deletion was not started.')
        return
      }
      onStarted(p.request)
    } catch (err) {
      setError((err as Error).message)
    }
  }
  return (
    <Dialog
      open
      onClose={onClose}
      title="Delete this person’s data?"
      description="Their events, identifiers, traits, consent and merge history are erased, and exports made of them are removed. Their identifiers are kept as hashes only, so their later events are dropped. This cannot be undone."
      footer={
        <>
          <Button onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button variant="danger" onClick={() => void confirm()} loading={loading} disabled={!confirmed}>
            Delete permanently
          </Button>
        </>
      }
    >
      <Field label={`Type ${DELETE_CONFIRMATION} to confirm`} hint="In capital letters.">
        <Input value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
      </Field>
      {error && (
        <div className="mt-3">
          <Alert>{error}</Alert>
        </div>
      )}
    </Dialog>
  )
}

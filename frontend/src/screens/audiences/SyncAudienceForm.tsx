import { useMutation, useQuery } from '@apollo/client/react'
import { useState, type FormEvent } from 'react'

import { Alert, Button, Field, Loading, Select, TextLink } from '../../components/ui'
import type { AudienceFieldsFragment, Platform } from '../../gql/graphql'
import { CONNECTION_STATUSES, enumLabel } from '../../lib/enumLabels'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { AudienceAccountsDocument, AudienceSegmentsDocument, SyncAudienceDocument } from './operations'

/** The platforms with customer-list audiences (the simulator has none). */
export const AUDIENCE_PLATFORMS: Platform[] = ['META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT']

/** Segments offered at once (the API's largest page). */
export const SEGMENT_CHOICES = 100

/** Where ad platforms are connected. */
export const CONNECTIONS_PATH = '/platforms'

const FIELDS = ['segmentId', 'platform', 'accountId'] as const
type FieldName = (typeof FIELDS)[number]

export interface SyncAudienceFormProps {
  /** The segment chosen at first (the screen's filter), if any. */
  segmentId?: string | undefined
  onCancel: () => void
  /** Called with the audience the server created or found, its sync queued. */
  onSynced: (audience: AudienceFieldsFragment) => void
}

/**
 * "Sync a segment": which segment goes to which platform's ad account. The
 * accounts are those of the workspace's connections to the chosen platform;
 * without one it says to connect the platform first. The server's refusals
 * show at the fields their paths name.
 */
export function SyncAudienceForm({ segmentId: initialSegment = '', onCancel, onSynced }: SyncAudienceFormProps) {
  const segments = useQuery(AudienceSegmentsDocument, { variables: { first: SEGMENT_CHOICES } })
  const connections = useQuery(AudienceAccountsDocument)
  const [sync, { loading }] = useMutation(SyncAudienceDocument)
  const [segmentId, setSegmentId] = useState(initialSegment)
  const [platform, setPlatform] = useState<Platform>('META')
  const [accountId, setAccountId] = useState('')
  const [errors, setErrors] = useState<FormErrors<FieldName>>(noErrors)

  const platformName = enumLabel('Platform', platform)
  const accounts = (connections.data?.platformConnections ?? [])
    .filter((c) => c.platform === platform && !c.sandbox)
    .flatMap((c) => c.accounts.filter((a) => !a.sandbox).map((a) => ({ ...a, connectionStatus: c.status })))
  const segmentList = segments.data?.segments

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const missing: FormErrors<FieldName>['fields'] = {}
    if (!segmentId) missing.segmentId = 'Choose the segment to sync.'
    if (!accountId) missing.accountId = `Choose the ${platformName} ad account the audience goes to.`
    if (Object.keys(missing).length) return setErrors({ fields: missing, form: null })
    setErrors(noErrors)
    try {
      const { data } = await sync({ variables: { input: { segmentId, platform, accountId } } })
      const p = data?.syncAudience
      if (p?.audience && p.userErrors.length === 0) return onSynced(p.audience)
      setErrors(
        p?.userErrors.length ? formErrors(p.userErrors, FIELDS) : { fields: {}, form: 'The server did not answer.' },
      )
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  if (segments.loading || connections.loading) return <Loading label="Loading segments and ad accounts…" />
  const loadError = segments.error ?? connections.error
  if (loadError) return <Alert>{loadError.message}</Alert>

  return (
    <form aria-label="Sync a segment" noValidate onSubmit={(e) => void submit(e)} className="flex flex-col gap-4">
      {errors.form && <Alert>{errors.form}</Alert>}
      <Field
        label="Segment"
        error={errors.fields.segmentId}
        hint={
          segmentList?.pageInfo.hasNextPage
            ? `The first ${SEGMENT_CHOICES} of ${segmentList.totalCount} segments, newest first.`
            : undefined
        }
      >
        <Select value={segmentId} onChange={(e) => setSegmentId(e.target.value)}>
          <option value="">Choose a segment</option>
          {segmentList?.edges.map(({ node: s }) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </Select>
      </Field>
      {segmentList?.edges.length === 0 && (
        <p className="-mt-2 text-sm text-muted">
          This workspace has no segments yet. <TextLink to="/segments/new">Create a segment first</TextLink>.
        </p>
      )}
      <Field label="Platform" error={errors.fields.platform}>
        <Select
          value={platform}
          onChange={(e) => {
            setPlatform(e.target.value as Platform)
            setAccountId('')
          }}
        >
          {AUDIENCE_PLATFORMS.map((p) => (
            <option key={p} value={p}>
              {enumLabel('Platform', p)}
            </option>
          ))}
        </Select>
      </Field>
      {accounts.length === 0 ? (
        <div className="flex flex-col gap-1.5" role="group" aria-label="Ad account">
          <p className="text-sm font-medium">Ad account</p>
          <p className="text-sm text-muted">
            No {platformName} ad account is connected to this workspace.{' '}
            <TextLink to={CONNECTIONS_PATH}>Connect a {platformName} account first</TextLink>.
          </p>
          {errors.fields.accountId && <p className="text-sm text-error-ink">{errors.fields.accountId}</p>}
        </div>
      ) : (
        <Field
          label="Ad account"
          error={errors.fields.accountId}
          hint={`The ${platformName} ad accounts of this workspace's connections.`}
        >
          <Select value={accountId} onChange={(e) => setAccountId(e.target.value)}>
            <option value="">Choose an ad account</option>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.externalId})
                {a.connectionStatus !== 'OK' ? ` · ${CONNECTION_STATUSES[a.connectionStatus]}` : ''}
              </option>
            ))}
          </Select>
        </Field>
      )}
      <p className="text-sm text-muted">
        Only members who gave advertising consent and have an e-mail address or phone number are uploaded. Members who
        enter or leave the segment later are added or removed as it changes.
      </p>
      <div className="flex flex-wrap justify-end gap-2 pb-1">
        <Button onClick={onCancel}>Cancel</Button>
        <Button type="submit" variant="primary" loading={loading} disabled={accounts.length === 0}>
          Start sync
        </Button>
      </div>
    </form>
  )
}

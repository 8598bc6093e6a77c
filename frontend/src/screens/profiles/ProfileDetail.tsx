import { useQuery, useSubscription } from '@apollo/client/react'
import { useEffect, useId, useState, type ReactNode } from 'react'
import { useLocation, useNavigate, useParams } from 'react-router-dom'

import {
  Alert,
  Badge,
  Button,
  Card,
  DataTable,
  EmptyState,
  LoadMore,
  PageHeader,
  QueryState,
  Td,
  TextLink,
} from '../../components/ui'
import { useConnectionState } from '../../connection/ConnectionProvider'
import type { ProfileEventFieldsFragment, ProfileQuery } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatDateTime, formatNumber } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { jsonValueText, LIFECYCLE_TONE, prettyFields, profilePath } from './labels'
import { ProfileDocument, ProfileUpdatedDocument } from './operations'
import { SplitDialog, UnmergeDialog, type RepairDone } from './ProfileRepair'
import { ComputedTraitsCard } from '../traits/ComputedTraitsCard'
import { ProfileRfm } from '../rfm/ProfileRfm'
import { ProfileConsent } from '../privacy/ProfileConsent'
import { ProfilePrivacy } from '../privacy/ProfilePrivacy'

/** Events per page of the timeline. */
export const EVENTS_PAGE_SIZE = 20

type Profile = NonNullable<ProfileQuery['profile']>
type Identity = Profile['identities'][number]

/** Where an absorbed profile's address was replaced by its survivor's (the location's state). */
interface MergedState {
  mergedFrom?: string
}

/** `/profiles/:id`: one profile — identities, traits, counters, events, merges and refused links. */
export default function ProfileDetail() {
  const { id = '' } = useParams()
  const navigate = useNavigate()
  const location = useLocation()
  const mergedFrom = (location.state as MergedState | null)?.mergedFrom
  // Fetched on every opening (an earlier visit's copy shows meanwhile): what changes no event of
  // the profile, such as a computed trait's backfill, sends no live update.
  const { data, loading, error, refetch, fetchMore } = useQuery(ProfileDocument, {
    variables: { id, first: EVENTS_PAGE_SIZE },
    fetchPolicy: 'cache-and-network',
    nextFetchPolicy: 'cache-first',
  })
  const answered = data?.profile?.id
  // Each committed change of the profile (events, merges, repairs, churn) refetches it.
  const connection = useConnectionState()
  const { error: liveError } = useSubscription(ProfileUpdatedDocument, {
    variables: { profileId: answered ?? id },
    skip: !answered,
    onData: () => void refetch(),
  })
  const live = Boolean(answered) && connection.status === 'live' && !liveError

  // An absorbed profile's id answers its survivor: the address becomes the survivor's.
  useEffect(() => {
    if (answered && answered !== id) {
      void navigate(profilePath(answered), { replace: true, state: { mergedFrom: id } satisfies MergedState })
    }
  }, [answered, id, navigate])

  return (
    <>
      <p className="mb-2 text-sm">
        <TextLink to="/profiles">← Profiles</TextLink>
      </p>
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading profile…"
      >
        {({ profile }) =>
          profile ? (
            <ProfileView
              profile={profile}
              merged={mergedFrom !== undefined || profile.id !== id}
              live={live}
              onMoreEvents={(after) => fetchMore({ variables: { after } })}
              onChanged={() => void refetch()}
            />
          ) : (
            <>
              <PageHeader title="Profile not found" />
              <EmptyState
                title="There is no such profile"
                description="It may belong to another workspace, or the link may be mistyped."
              />
            </>
          )
        }
      </QueryState>
    </>
  )
}

function identityText(i: Identity | null | undefined): string {
  return i?.value ?? 'No identifier left'
}

function IdentityBadge({ identity }: { identity: Identity }) {
  return <Badge>{enumLabel('IdentifierType', identity.type)}</Badge>
}

function ProfileView({
  profile: p,
  merged,
  live,
  onMoreEvents,
  onChanged,
}: {
  profile: Profile
  merged: boolean
  live: boolean
  onMoreEvents: (after: string) => Promise<unknown>
  onChanged: () => void
}) {
  const title = identityText(p.canonicalIdentity)
  const { can } = useSession()
  const repair = can('ANALYST')
  const [unmerging, setUnmerging] = useState<string | null>(null)
  const [splitting, setSplitting] = useState(false)
  const [done, setDone] = useState<RepairDone | null>(null)
  const finished = (d: RepairDone) => {
    setUnmerging(null)
    setSplitting(false)
    setDone(d)
    onChanged()
  }
  return (
    <>
      <PageHeader
        title={title}
        description={
          <span className="flex flex-wrap items-center gap-2">
            {p.canonicalIdentity && <IdentityBadge identity={p.canonicalIdentity} />}
            <Badge tone={LIFECYCLE_TONE[p.lifecycleStage]}>{enumLabel('LifecycleStage', p.lifecycleStage)}</Badge>
            <span>
              First seen {formatDateTime(p.firstSeenAt)} · last seen {formatDateTime(p.lastSeenAt)}
            </span>
            <span role="status" aria-label="Live updates">
              <Badge tone={live ? 'success' : 'warning'}>{live ? 'Live' : 'Not live'}</Badge>
            </span>
          </span>
        }
      />
      <div className="flex flex-col gap-6">
        {merged && (
          <Alert tone="primary">
            This profile was merged into {title}: the address now shows the profile it is part of.
          </Alert>
        )}
        {done && (
          <Alert tone="success">
            {done.message} <TextLink to={profilePath(done.profileId)}>Open it</TextLink>
          </Alert>
        )}
        <Counters profile={p} />
        <ProfileRfm profileId={p.id} />
        <div className="grid gap-6 lg:grid-cols-2">
          <Card
            title="Identities"
            description="Strongest first."
            actions={
              repair && p.identities.length > 1 ? (
                <Button size="sm" variant="ghost" onClick={() => setSplitting(true)}>
                  Split off…
                </Button>
              ) : undefined
            }
          >
            {p.identities.length === 0 ? (
              <EmptyState title="No identifiers left" />
            ) : (
              <DataTable
                caption="Identities"
                columns={['Type', 'Value']}
                items={p.identities.map((i) => ({ ...i, id: `${i.type}:${i.value}` }))}
                row={(i) => (
                  <>
                    <Td>
                      <IdentityBadge identity={i} />
                    </Td>
                    <Td className="break-all last:text-left">{i.value}</Td>
                  </>
                )}
              />
            )}
          </Card>
          <Card title="Traits" description="From identify calls.">
            {p.traits.length === 0 ? (
              <EmptyState title="No traits yet" description="Traits arrive with identify calls." />
            ) : (
              <DataTable
                caption="Traits"
                columns={['Trait', 'Value']}
                items={p.traits.map((t) => ({ ...t, id: t.key }))}
                row={(t) => (
                  <>
                    <Td className="font-medium">{t.key}</Td>
                    <Td className="font-mono text-xs break-all last:text-left">{jsonValueText(t.value)}</Td>
                  </>
                )}
              />
            )}
          </Card>
        </div>
        <ComputedTraitsCard traits={p.computedTraits} />
        <div className="grid gap-6 lg:grid-cols-2">
          <ProfileConsent profileId={p.id} />
          <ProfilePrivacy profileId={p.id} />
        </div>
        <Events profile={p} onMore={onMoreEvents} />
        <MergeHistory profile={p} onUnmerge={repair ? setUnmerging : undefined} />
        <RefusedLinks profile={p} />
      </div>
      {unmerging && <UnmergeDialog absorbedId={unmerging} onClose={() => setUnmerging(null)} onDone={finished} />}
      {splitting && (
        <SplitDialog profileId={p.id} identities={p.identities} onClose={() => setSplitting(false)} onDone={finished} />
      )}
    </>
  )
}

function Counters({ profile: p }: { profile: Profile }) {
  const items: { label: string; value: string; note?: string }[] = [
    { label: 'Events', value: formatNumber(p.counters.eventCount) },
    { label: 'Purchases', value: formatNumber(p.counters.purchaseCount) },
    { label: 'Revenue', value: formatNumber(p.counters.revenue), note: 'As the events reported it, not converted' },
    {
      label: 'Sessions',
      value: formatNumber(p.counters.sessionCount),
      note: 'A new one after 30 minutes without events',
    },
  ]
  return (
    <Card title="Counters">
      <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
        {items.map((c) => (
          <div key={c.label}>
            <dt className="text-sm text-muted">{c.label}</dt>
            <dd className="text-lg font-semibold">{c.value}</dd>
            {c.note && <dd className="text-xs text-muted">{c.note}</dd>}
          </div>
        ))}
      </dl>
    </Card>
  )
}

function Events({ profile: p, onMore }: { profile: Profile; onMore: (after: string) => Promise<unknown> }) {
  const events = p.events.edges
  return (
    <Card title="Events" description="Newest first. Open an event to see its properties.">
      {events.length === 0 ? (
        <EmptyState title="No events" description="Its events show here as they arrive." />
      ) : (
        <>
          <ol aria-label="Events" className="-mx-5 divide-y divide-line text-sm">
            {events.map((e) => (
              <EventItem key={e.cursor} event={e.node} />
            ))}
          </ol>
          <LoadMore pageInfo={p.events.pageInfo} onLoad={onMore} />
        </>
      )}
    </Card>
  )
}

function EventItem({ event: e }: { event: ProfileEventFieldsFragment }) {
  const [open, setOpen] = useState(false)
  const panelId = useId()
  const label = e.name ?? enumLabel('EventType', e.type)
  return (
    <li className="px-5 py-3">
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <Badge tone="primary">{enumLabel('EventType', e.type)}</Badge>
        <span className="font-medium">{e.name ?? '—'}</span>
        <span className="text-muted">{formatDateTime(e.timestamp)}</span>
        <span className="text-muted">from {e.source.name}</span>
        <Button
          size="sm"
          variant="ghost"
          className="ml-auto"
          aria-expanded={open}
          aria-controls={panelId}
          aria-label={`${open ? 'Hide' : 'Show'} properties of ${label} at ${formatDateTime(e.timestamp)}`}
          onClick={() => setOpen(!open)}
        >
          {open ? 'Hide properties' : 'Properties'}
        </Button>
      </div>
      {open && (
        <div id={panelId} className="mt-2">
          {e.properties.length === 0 ? (
            <p className="text-muted">No properties.</p>
          ) : (
            <pre
              role="region"
              aria-label={`Properties of ${label}`}
              className="rounded-md border border-line bg-raised px-3 py-2 font-mono text-xs break-words whitespace-pre-wrap"
            >
              <code>{prettyFields(e.properties)}</code>
            </pre>
          )}
          <p className="mt-1 text-xs text-muted">
            Message id <code>{e.messageId}</code> · received {formatDateTime(e.receivedAt)}
          </p>
        </div>
      )}
    </li>
  )
}

function ProfileRef({ id, current }: { id: string; current: string }): ReactNode {
  if (id === current) return 'This profile'
  return (
    <TextLink to={profilePath(id)} className="font-mono text-xs break-all">
      {id}
    </TextLink>
  )
}

function MergeHistory({
  profile: p,
  onUnmerge,
}: {
  profile: Profile
  onUnmerge?: ((absorbedId: string) => void) | undefined
}) {
  // A merge into this profile that holds can be undone (the latest merge of its absorbed profile).
  const undoable = (m: Profile['mergeHistory'][number]) =>
    onUnmerge !== undefined && !m.undone && m.survivorId === p.id && m.absorbedId !== p.id
  return (
    <Card title="Merge history" description="Merges into or of this profile, newest first (the latest 100).">
      {p.mergeHistory.length === 0 ? (
        <EmptyState title="No merges" description="Profiles merge when an event links their identifiers." />
      ) : (
        <DataTable
          caption="Merge history"
          columns={
            onUnmerge
              ? ['Survivor', 'Absorbed', 'Merged', 'Undone', 'Actions']
              : ['Survivor', 'Absorbed', 'Merged', 'Undone']
          }
          items={p.mergeHistory.map((m) => ({ ...m, id: `${m.absorbedId}@${m.at}` }))}
          row={(m) => (
            <>
              <Td>
                <ProfileRef id={m.survivorId} current={p.id} />
              </Td>
              <Td>
                <ProfileRef id={m.absorbedId} current={p.id} />
              </Td>
              <Td className="whitespace-nowrap text-muted">{formatDateTime(m.at)}</Td>
              <Td className="whitespace-nowrap">
                {m.undone ? `Undone ${m.undoneAt ? formatDateTime(m.undoneAt) : ''}`.trim() : 'Holds'}
              </Td>
              {onUnmerge && (
                <Td>
                  {undoable(m) && (
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-label={`Unmerge ${m.absorbedId}`}
                      onClick={() => onUnmerge(m.absorbedId)}
                    >
                      Unmerge
                    </Button>
                  )}
                </Td>
              )}
            </>
          )}
        />
      )}
    </Card>
  )
}

function RefusedLinks({ profile: p }: { profile: Profile }) {
  return (
    <Card
      title="Refused links"
      description="Links the over-merge limits refused, latest first (the latest 100): the identifiers stayed apart."
    >
      {p.refusedLinks.length === 0 ? (
        <EmptyState title="No refused links" />
      ) : (
        <DataTable
          caption="Refused links"
          columns={['Identifier', 'Linked to', 'Reason', 'Detail', 'Last refused']}
          items={p.refusedLinks.map((r) => ({ ...r, id: `${r.identity.type}:${r.identity.value}:${r.reason}` }))}
          row={(r) => (
            <>
              <Td>
                <span className="flex flex-wrap items-center gap-2">
                  <IdentityBadge identity={r.identity} />
                  <span className="break-all">{r.identity.value}</span>
                </span>
              </Td>
              <Td>
                <span className="flex flex-wrap items-center gap-2">
                  <IdentityBadge identity={r.linkedTo} />
                  <span className="break-all">{r.linkedTo.value}</span>
                </span>
              </Td>
              <Td>{enumLabel('RefusalReason', r.reason)}</Td>
              <Td className="text-muted">{r.detail}</Td>
              <Td className="whitespace-nowrap text-muted">{formatDateTime(r.at)}</Td>
            </>
          )}
        />
      )}
    </Card>
  )
}

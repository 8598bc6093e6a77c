import { useQuery } from '@apollo/client/react'
import { useEffect } from 'react'

import { Card, DataTable, EmptyState, LoadMore, PageHeader, QueryState, Td, TextLink } from '../../components/ui'
import { enumLabel } from '../../lib/enumLabels'
import { formatDateTime, formatNumber } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { profilePath } from '../profiles/labels'
import { POLL_MS, RequestResult, RequestStatus, unfinished } from './labels'
import { PrivacyRequestsDocument, PrivacySuppressionsDocument } from './operations'

/** Requests per page. */
export const PAGE_SIZE = 20

/** `/privacy`: the workspace's data-subject requests and its suppression list (admins). */
export default function PrivacyScreen() {
  const { can } = useSession()
  return (
    <>
      <PageHeader
        title="Privacy"
        description="Exports and deletions of people’s data (GDPR, CCPA), and the identifiers of deleted people whose later events are dropped."
      />
      {can('ADMIN') ? (
        <div className="flex flex-col gap-6">
          <Suppressions />
          <Requests />
        </div>
      ) : (
        <EmptyState title="Only admins see privacy requests" description="Ask an admin of this workspace." />
      )}
    </>
  )
}

function Suppressions() {
  const { data, loading, error, refetch } = useQuery(PrivacySuppressionsDocument)
  return (
    <Card
      title="Suppression list"
      description="Identifiers of deleted people, kept as hashes only: events that carry one are dropped when they are processed."
    >
      <QueryState data={data} loading={loading} error={error} onRetry={() => void refetch()}>
        {({ privacySuppressions: s }) => (
          <dl className="grid grid-cols-2 gap-4 md:grid-cols-3">
            <div>
              <dt className="text-sm text-muted">Suppressed identifiers</dt>
              <dd className="text-lg font-semibold">{formatNumber(s.identifiers)}</dd>
            </div>
            <div>
              <dt className="text-sm text-muted">Events dropped</dt>
              <dd className="text-lg font-semibold">{formatNumber(s.droppedEvents)}</dd>
            </div>
            <div>
              <dt className="text-sm text-muted">Latest dropped</dt>
              <dd className="text-lg font-semibold">
                {s.lastDroppedAt ? formatDateTime(s.lastDroppedAt) : 'None yet'}
              </dd>
            </div>
          </dl>
        )}
      </QueryState>
    </Card>
  )
}

function Requests() {
  const { data, loading, error, refetch, fetchMore, startPolling, stopPolling } = useQuery(PrivacyRequestsDocument, {
    variables: { first: PAGE_SIZE },
  })
  const running = data?.privacyRequests.edges.some((e) => unfinished(e.node)) ?? false
  useEffect(() => {
    if (running) startPolling(POLL_MS)
    else stopPolling()
    return () => stopPolling()
  }, [running, startPolling, stopPolling])
  return (
    <Card title="Requests" description="Newest first. Start one from a profile’s page.">
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading requests…"
      >
        {({ privacyRequests }) =>
          privacyRequests.edges.length === 0 ? (
            <EmptyState
              title="No privacy requests yet"
              description={
                <>
                  Export or delete a person’s data from their page under <TextLink to="/profiles">Profiles</TextLink>.
                </>
              }
            />
          ) : (
            <>
              <DataTable
                caption="Privacy requests"
                columns={['Request', 'Status', 'Profile', 'Asked by', 'Asked', 'Result']}
                items={privacyRequests.edges.map((e) => e.node)}
                row={(r) => (
                  <>
                    <Td className="font-medium">{enumLabel('PrivacyRequestKind', r.kind)}</Td>
                    <Td>
                      <RequestStatus request={r} />
                    </Td>
                    <Td>
                      {r.profileId ? (
                        <TextLink to={profilePath(r.profileId)} className="font-mono text-xs break-all">
                          {r.profileId}
                        </TextLink>
                      ) : (
                        <span className="text-muted">{r.kind === 'DELETE' ? 'Erased' : 'Deleted since'}</span>
                      )}
                    </Td>
                    <Td>{r.requestedByMe ? 'You' : r.requestedBy}</Td>
                    <Td className="whitespace-nowrap text-muted">{formatDateTime(r.createdAt)}</Td>
                    <Td>
                      <RequestResult request={r} />
                    </Td>
                  </>
                )}
              />
              <p className="mt-3 text-sm text-muted">
                Showing {privacyRequests.edges.length} of {privacyRequests.totalCount}
              </p>
              <LoadMore pageInfo={privacyRequests.pageInfo} onLoad={(after) => fetchMore({ variables: { after } })} />
            </>
          )
        }
      </QueryState>
    </Card>
  )
}

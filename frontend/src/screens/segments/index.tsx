import { useQuery } from '@apollo/client/react'
import { useNavigate } from 'react-router-dom'

import { Badge, Button, Card, ConnectionTable, EmptyState, PageHeader, Td, TextLink } from '../../components/ui'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount, formatDateTime, formatNumber } from '../../lib/format'
import { segmentPath } from './labels'
import { SegmentsDocument } from './operations'

/** Segments per page. */
export const PAGE_SIZE = 20

/** `/segments`: the workspace's saved audiences with their sizes. */
export default function SegmentsScreen() {
  const navigate = useNavigate()
  const { data, loading, error, refetch, fetchMore } = useQuery(SegmentsDocument, { variables: { first: PAGE_SIZE } })
  return (
    <>
      <PageHeader
        title="Segments"
        description="Audiences defined by rules over profiles, traits, identifiers and events. Dynamic segments follow the events as they are processed."
        actions={
          <Button variant="primary" onClick={() => navigate('/segments/new')}>
            New segment
          </Button>
        }
      />
      <Card>
        <ConnectionTable
          connection={data?.segments}
          loading={loading}
          error={error}
          onRetry={() => void refetch()}
          loadingLabel="Loading segments…"
          caption="Segments"
          columns={['Segment', 'Kind', 'Members', 'Last full refresh']}
          empty={
            <EmptyState
              title="No segments yet"
              description="Build one from conditions on your profiles and their events: its size shows as you go."
            />
          }
          summary={(c) => <p className="mb-2 text-sm text-muted">{formatCount(c.totalCount, 'segment')}</p>}
          onLoadMore={(after) => fetchMore({ variables: { after } })}
          row={(s) => (
            <>
              <Td>
                <TextLink to={segmentPath(s.id)} className="font-medium">
                  {s.name}
                </TextLink>
              </Td>
              <Td>
                <Badge tone={s.kind === 'DYNAMIC' ? 'primary' : 'neutral'}>{enumLabel('SegmentKind', s.kind)}</Badge>
              </Td>
              <Td>{formatNumber(s.size)}</Td>
              <Td className="whitespace-nowrap text-muted">
                {s.refreshedAt ? formatDateTime(s.refreshedAt) : 'Never'}
              </Td>
            </>
          )}
        />
      </Card>
    </>
  )
}

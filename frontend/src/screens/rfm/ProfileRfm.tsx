import { useQuery } from '@apollo/client/react'

import { Card, TextLink } from '../../components/ui'
import { enumLabel } from '../../lib/enumLabels'
import { formatDateTime } from '../../lib/format'
import { ProfileRfmDocument } from './operations'

/** A profile's RFM scores and cell on its page; says so when it has none (no purchase in the lookback). */
export function ProfileRfm({ profileId }: { profileId: string }) {
  const { data, error } = useQuery(ProfileRfmDocument, { variables: { id: profileId } })
  if (error || !data?.profile) return null
  const rfm = data.profile.rfm
  return (
    <Card title="RFM" description={<TextLink to="/rfm">All cells</TextLink>}>
      {rfm ? (
        <dl className="grid grid-cols-2 gap-4 md:grid-cols-4">
          <div>
            <dt className="text-sm text-muted">Cell</dt>
            <dd className="text-lg font-semibold">{enumLabel('RfmSegment', rfm.segment)}</dd>
          </div>
          <div>
            <dt className="text-sm text-muted">Recency</dt>
            <dd className="text-lg font-semibold">{rfm.r} of 5</dd>
          </div>
          <div>
            <dt className="text-sm text-muted">Frequency</dt>
            <dd className="text-lg font-semibold">{rfm.f} of 5</dd>
          </div>
          <div>
            <dt className="text-sm text-muted">Monetary</dt>
            <dd className="text-lg font-semibold">{rfm.m} of 5</dd>
            <dd className="text-xs text-muted">Computed {formatDateTime(rfm.computedAt)}</dd>
          </div>
        </dl>
      ) : (
        <p className="text-sm text-muted">No RFM scores: no purchase in the lookback when they were last computed.</p>
      )}
    </Card>
  )
}

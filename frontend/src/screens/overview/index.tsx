import { useQuery } from '@apollo/client/react'

import { PageHeader, QueryState } from '../../components/ui'
import type { OverviewQuery } from '../../gql/graphql'
import { useViewer } from '../../session/SessionProvider'
import { OverviewDocument, TrustGateDocument } from '../../trust/operations'
import { DemoControls } from './DemoControls'
import { HealthBreakdown } from './HealthBreakdown'
import { HealthHistory } from './HealthHistory'
import { NextSteps } from './NextSteps'
import { OpenIncidents } from './OpenIncidents'
import { PlatformCards } from './PlatformCards'
import { RecentActions } from './RecentActions'
import { TrustGateCard } from './TrustGateCard'

/** A workspace that no platform has reported anything to (a simulated one gets data on its own). */
function nothingConnected(d: OverviewQuery, simulated: boolean): boolean {
  return !simulated && d.signalHealth == null && d.platformHealth.length === 0 && d.platformStatuses.length === 0
}

/**
 * `/`: signal health and what automation may do about it, live. A
 * workspace with nothing connected yet sees its next step and the trust
 * gate instead of cards that would all be empty.
 */
export default function OverviewScreen() {
  const viewer = useViewer()
  const { data, loading, error, refetch } = useQuery(OverviewDocument)
  const gate = useQuery(TrustGateDocument)
  return (
    <>
      <PageHeader
        title="Overview"
        description="Signal health, the trust gate's verdict and what automation is doing, updated live."
      />
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading signal health…"
      >
        {(d) => (
          <div className="flex flex-col gap-6">
            {nothingConnected(d, viewer.tenant.simulated) && <NextSteps />}
            <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
              <QueryState
                data={gate.data}
                loading={gate.loading}
                error={gate.error}
                onRetry={() => void gate.refetch()}
              >
                {({ trustGate }) => <TrustGateCard health={d.signalHealth ?? null} gate={trustGate} />}
              </QueryState>
              {!nothingConnected(d, viewer.tenant.simulated) && <HealthBreakdown health={d.signalHealth ?? null} />}
            </div>
            {!nothingConnected(d, viewer.tenant.simulated) && (
              <>
                <PlatformCards health={d.platformHealth} statuses={d.platformStatuses} />
                {viewer.tenant.simulated && <DemoControls />}
                <HealthHistory />
                <div className="grid gap-6 lg:grid-cols-2">
                  <OpenIncidents />
                  <RecentActions />
                </div>
              </>
            )}
          </div>
        )}
      </QueryState>
    </>
  )
}

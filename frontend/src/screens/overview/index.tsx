import { useQuery } from '@apollo/client/react'

import { PageHeader, QueryState } from '../../components/ui'
import { useViewer } from '../../session/SessionProvider'
import { OverviewDocument, TrustGateDocument } from '../../trust/operations'
import { DemoControls } from './DemoControls'
import { HealthBreakdown } from './HealthBreakdown'
import { HealthHistory } from './HealthHistory'
import { OpenIncidents } from './OpenIncidents'
import { PlatformCards } from './PlatformCards'
import { RecentActions } from './RecentActions'
import { TrustGateCard } from './TrustGateCard'

/** `/`: signal health and what automation may do about it, live. */
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
            <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
              <QueryState
                data={gate.data}
                loading={gate.loading}
                error={gate.error}
                onRetry={() => void gate.refetch()}
              >
                {({ trustGate }) => <TrustGateCard health={d.signalHealth ?? null} gate={trustGate} />}
              </QueryState>
              <HealthBreakdown health={d.signalHealth ?? null} />
            </div>
            <PlatformCards health={d.platformHealth} statuses={d.platformStatuses} />
            {viewer.tenant.simulated && <DemoControls />}
            <HealthHistory />
            <div className="grid gap-6 lg:grid-cols-2">
              <OpenIncidents />
              <RecentActions />
            </div>
          </div>
        )}
      </QueryState>
    </>
  )
}

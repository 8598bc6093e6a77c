import { useQuery, useSubscription } from '@apollo/client/react'
import { lazy, Suspense, useState } from 'react'

import { Badge, Card, EmptyState, Field, PageHeader, QueryState, Select, Table, Td, Th } from '../../components/ui'
import type { EmqScoresQuery, Platform } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatCount } from '../../lib/format'
import { EmqScoreUpdatedDocument, EmqScoresDocument } from './operations'

const EmqTrendChart = lazy(() => import('./EmqTrendChart'))

/** The platforms a conversion destination can forward to. */
export const EMQ_PLATFORMS: Platform[] = ['META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT']

/** Hours of trend shown. */
export const TREND_HOURS = 48

type Score = EmqScoresQuery['emqScores'][number]

/** A score's tone on the platforms' 0–10 scale (Meta calls 6 and up "good"). */
function tone(score: number) {
  if (score >= 6) return 'success' as const
  if (score >= 4) return 'warning' as const
  return 'error' as const
}

/** `/conversions/emq`: event match quality per platform and event, its trend and what to fix first. */
export default function EmqScreen() {
  const [platform, setPlatform] = useState<Platform>('META')
  const { data, loading, error, refetch } = useQuery(EmqScoresDocument, {
    variables: { platform, hours: TREND_HOURS },
  })
  // Forwarded batches change the scores: read them again (identical reads
  // in flight are shared, so a busy pipeline costs one read at a time).
  useSubscription(EmqScoreUpdatedDocument, { variables: { platform }, onData: () => void refetch() })

  return (
    <>
      <PageHeader
        title="Event match quality"
        description="How well each platform can match the conversions Stratum forwards to its users, on the platforms' 0–10 scale over the last 24 hours: Meta's own score where Stratum could fetch it (hourly, with the destination's token), Stratum's estimate from which customer details the events carried otherwise, and the missing details that cost the most."
      />
      <div className="mb-4 max-w-xs">
        <Field label="Platform">
          <Select value={platform} onChange={(e) => setPlatform(e.target.value as Platform)}>
            {EMQ_PLATFORMS.map((p) => (
              <option key={p} value={p}>
                {enumLabel('Platform', p)}
              </option>
            ))}
          </Select>
        </Field>
      </div>
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading EMQ…"
      >
        {(d) =>
          d.emqScores.length === 0 ? (
            <EmptyState
              title="No conversions forwarded yet"
              description={`Once a ${enumLabel('Platform', platform)} destination forwards events, their match quality appears here.`}
            />
          ) : (
            <div className="flex flex-col gap-6">
              {d.emqScores.map((s) => (
                <ScoreCard key={`${s.destinationId}/${s.eventName}`} score={s} />
              ))}
            </div>
          )
        }
      </QueryState>
    </>
  )
}

/** How far the estimate is off the platform's own scores, in words. */
function calibration(s: Score) {
  return s.calibrationError == null
    ? `Estimate ${s.estimate.toFixed(1)} · no events to compare`
    : `Estimate ${s.estimate.toFixed(1)} · off by ${s.calibrationError.toFixed(1)}`
}

function ScoreCard({ score: s }: { score: Score }) {
  const platformName = enumLabel('Platform', s.platform)
  return (
    <Card
      title={s.eventName}
      description={`${formatCount(s.events, 'event')} in the last 24 hours`}
      actions={
        <div className="flex items-center gap-2">
          <Badge tone={tone(s.score)}>
            EMQ {s.score.toFixed(1)} ({s.source === 'PLATFORM' ? `${platformName}'s score` : 'estimate'})
          </Badge>
          {s.source === 'PLATFORM' && <Badge tone="neutral">{calibration(s)}</Badge>}
        </div>
      }
    >
      {s.platformScoreError != null && (
        <p className="mb-2 text-sm text-muted">
          {platformName}&apos;s own score could not be fetched: {s.platformScoreError}
        </p>
      )}
      {s.trend.length > 1 && (
        <Suspense fallback={<div className="h-40" />}>
          <EmqTrendChart points={s.trend} />
        </Suspense>
      )}
      {s.missingParameters.length === 0 ? (
        <p className="text-sm text-muted">Every event carries every parameter this platform uses.</p>
      ) : (
        <Table caption={`What to fix for ${s.eventName}`}>
          <thead>
            <tr>
              <Th>Parameter</Th>
              <Th>Coverage</Th>
              <Th>Gain</Th>
              <Th>Advice</Th>
            </tr>
          </thead>
          <tbody>
            {s.missingParameters.map((m) => (
              <tr key={m.parameter}>
                <Td>{m.parameter.replaceAll('_', ' ')}</Td>
                <Td>{Math.round(m.coverage * 100)} %</Td>
                <Td>+{m.impact.toFixed(1)}</Td>
                <Td>{m.advice}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      )}
    </Card>
  )
}

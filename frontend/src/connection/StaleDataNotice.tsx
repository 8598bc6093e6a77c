import { Alert } from '../components/ui'
import { clockTime } from './ConnectionStatus'
import { useConnectionState } from './ConnectionProvider'

/**
 * Says that what is on screen may be out of date while the live connection
 * is down (the trust screens rely on it for changes): nothing when live or
 * still making the first connection.
 */
export function StaleDataNotice() {
  const state = useConnectionState()
  if (state.status !== 'reconnecting' && state.status !== 'offline') return null
  const since = clockTime(state.status === 'offline' ? state.since : state.lostAt)
  return (
    <div className="mb-6" data-testid="stale-data">
      <Alert tone="warning">
        Possibly out of date: the live connection to Stratum was lost at {since}. What you see may have changed since;
        it reloads when the connection returns.
      </Alert>
    </div>
  )
}

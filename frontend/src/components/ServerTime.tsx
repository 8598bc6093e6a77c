import { useSubscription } from '@apollo/client/react'

import { ServerTimeDocument } from './serverTime'
import { StatusDot } from './ui/StatusDot'

/** The server's clock, pushed over the websocket: shows whether live updates arrive. */
export function ServerTime({ intervalSeconds = 1 }: { intervalSeconds?: number }) {
  const { data, error, loading } = useSubscription(ServerTimeDocument, { variables: { intervalSeconds } })

  let body: string
  let state: 'live' | 'connecting' | 'error'
  if (error) {
    body = error.message
    state = 'error'
  } else if (loading || !data) {
    body = 'connecting…'
    state = 'connecting'
  } else {
    body = new Date(data.serverTime).toLocaleTimeString()
    state = 'live'
  }

  return (
    <div className="flex items-center gap-2 text-sm" data-state={state}>
      <StatusDot tone={state === 'live' ? 'success' : state === 'error' ? 'error' : 'warning'} />
      <span className="text-muted">{state === 'live' ? 'Live' : state === 'error' ? 'Offline' : 'Connecting'}</span>
      <time className="font-mono text-fg tabular-nums" data-testid="server-time" dateTime={data?.serverTime}>
        {body}
      </time>
    </div>
  )
}

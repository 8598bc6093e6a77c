import { useSubscription } from '@apollo/client/react'

import { SERVER_TIME } from '../operations'

/** The server's clock, pushed over the websocket: proves the live link works. */
export function ServerTime({ intervalSeconds = 1 }: { intervalSeconds?: number }) {
  const { data, error, loading } = useSubscription(SERVER_TIME, { variables: { intervalSeconds } })

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
      <span
        aria-hidden
        className={
          'inline-block h-2 w-2 rounded-full ' +
          (state === 'live' ? 'bg-emerald-500' : state === 'error' ? 'bg-red-500' : 'bg-amber-400')
        }
      />
      <span className="text-slate-500">Server time</span>
      <time className="font-mono text-slate-900" data-testid="server-time" dateTime={data?.serverTime}>
        {body}
      </time>
    </div>
  )
}

import type { ApolloClient } from '@apollo/client'
import { useApolloClient, useSubscription } from '@apollo/client/react'
import { useEffect, useMemo, useRef } from 'react'

import { useToast } from '../components/ui'
import type { IncidentSummaryFieldsFragment, SignalHealthStatus } from '../gql/graphql'
import { PLATFORMS, SEVERITIES } from './labels'
import {
  ActionStatusUpdatedDocument,
  AutopilotModeChangedDocument,
  EmqUpdatedDocument,
  IncidentClosedDocument,
  IncidentOpenedDocument,
  IncidentUpdatedDocument,
  PENDING_PAGE,
  PendingActionsDocument,
  PlatformStatusChangedDocument,
  RECENT_ACTIONS,
  RecentActionsDocument,
  SignalHealthChangedDocument,
} from './operations'

/** The history chart follows small score moves at most this often. */
const HISTORY_REFRESH_MS = 60_000

/** How long to gather events before refetching the lists they touch. */
const REFETCH_DELAY_MS = 800

/** Whether the pending or the recent list in the cache already shows the action. */
function isListed(client: ApolloClient, id: string): boolean {
  const pending = client.readQuery({ query: PendingActionsDocument, variables: { first: PENDING_PAGE } })
  const recent = client.readQuery({ query: RecentActionsDocument, variables: { first: RECENT_ACTIONS } })
  return [...(pending?.actions.edges ?? []), ...(recent?.actions.edges ?? [])].some((e) => e.node.id === id)
}

/**
 * Refetches the active queries of the given operation names once, after
 * events stop arriving for a moment: a burst of events (a degradation
 * re-gates every queued action) costs one refetch, not one per event.
 */
function useBatchedRefetch(): (names: readonly string[]) => void {
  const client = useApolloClient()
  const pending = useRef(new Set<string>())
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)
  useEffect(() => () => clearTimeout(timer.current), [])
  return useMemo(
    () => (names) => {
      names.forEach((n) => pending.current.add(n))
      clearTimeout(timer.current)
      timer.current = setTimeout(() => {
        const include = [...pending.current]
        pending.current.clear()
        void client.refetchQueries({ include }).catch(() => {
          // a failed refetch leaves the current data on screen; the next event retries
        })
      }, REFETCH_DELAY_MS)
    },
    [client],
  )
}

function incidentMessage(verb: string, i: IncidentSummaryFieldsFragment): string {
  const where = i.platform ? ` (${PLATFORMS[i.platform]})` : ''
  return `${verb} ${SEVERITIES[i.severity].label.toLowerCase()} incident${where}: ${i.title}`
}

/**
 * The trust engine's subscriptions, open while someone is signed in. Events
 * carrying an object the cache knows (an action, an incident, a score, a
 * platform status, the trust gate) update every screen through the cache;
 * lists whose membership may have changed are refetched; a new incident is
 * announced with a toast wherever the user is.
 */
export function LiveUpdates() {
  const toast = useToast()
  const refetch = useBatchedRefetch()
  const quiet = { ignoreResults: true } as const

  const overallStatus = useRef<SignalHealthStatus | null>(null)
  const historyAt = useRef(0)
  useSubscription(SignalHealthChangedDocument, {
    ...quiet,
    // Scores change in place; the gate's verdict and the overall score's
    // breakdown follow the overall score. The hourly history chart is
    // redrawn when the band changes, otherwise at most once a minute (it
    // is the dearest query of the overview).
    onData: ({ data }) => {
      const health = data.data?.signalHealthChanged
      if (!health || health.platform != null) return
      const bandChanged = overallStatus.current !== null && overallStatus.current !== health.status
      overallStatus.current = health.status
      const now = Date.now()
      const redraw = bandChanged || now - historyAt.current > HISTORY_REFRESH_MS
      if (redraw) historyAt.current = now
      refetch(redraw ? ['TrustGate', 'Overview', 'SignalHealthHistory'] : ['TrustGate', 'Overview'])
    },
  })
  useSubscription(EmqUpdatedDocument, quiet)
  useSubscription(PlatformStatusChangedDocument, quiet)
  useSubscription(AutopilotModeChangedDocument, quiet)
  useSubscription(ActionStatusUpdatedDocument, {
    ...quiet,
    // An action on screen changes in place (the cache holds it). An action
    // no list has yet (a new or re-proposed one) reloads them, and so does
    // one that was handled: it leaves the waiting list for the history.
    onData: ({ client, data }) => {
      const action = data.data?.actionStatusUpdated
      if (action && (!isListed(client, action.id) || action.phase === 'HANDLED'))
        refetch(['PendingActions', 'ActionHistory', 'RecentActions'])
    },
  })
  // One toast per incident and event: the server opens one incident per
  // root cause (its symptoms are timeline entries), and an event heard
  // twice (a resubscription, two tabs' worth of retries) is announced once.
  const announced = useRef(new Set<string>())
  const firstTime = (what: string, id: string) => {
    const k = `${what}:${id}`
    if (announced.current.has(k)) return false
    announced.current.add(k)
    return true
  }
  useSubscription(IncidentOpenedDocument, {
    ...quiet,
    onData: ({ data }) => {
      const incident = data.data?.incidentOpened
      if (!incident) return
      refetch(['Incidents'])
      if (!firstTime('opened', incident.id)) return
      const serious = incident.severity === 'HIGH' || incident.severity === 'CRITICAL'
      toast.show({ tone: serious ? 'error' : 'primary', message: incidentMessage('New', incident) })
    },
  })
  // The open incident's detail (its timeline) and the filtered lists follow.
  useSubscription(IncidentUpdatedDocument, { ...quiet, onData: () => refetch(['Incidents', 'Incident']) })
  useSubscription(IncidentClosedDocument, {
    ...quiet,
    onData: ({ data }) => {
      const incident = data.data?.incidentClosed
      if (!incident) return
      refetch(['Incidents', 'Incident'])
      if (firstTime('closed', incident.id))
        toast.show({ tone: 'success', message: incidentMessage('Resolved', incident) })
    },
  })
  return null
}

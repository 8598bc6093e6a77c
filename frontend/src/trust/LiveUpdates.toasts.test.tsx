import { ApolloClient, ApolloLink } from '@apollo/client'
import { ApolloProvider } from '@apollo/client/react'
import { act, render, screen, waitFor } from '@testing-library/react'
import { Observable, type Observer } from 'rxjs'
import { describe, expect, it } from 'vitest'

import { ToastProvider } from '../components/ui'
import { LiveUpdates } from './LiveUpdates'
import { trustCache } from './testProviders'

/** A link whose subscriptions receive what the test emits, by operation name. */
class EventLink extends ApolloLink {
  private observers = new Map<string, Observer<ApolloLink.Result>[]>()
  constructor() {
    super()
  }
  override request(op: ApolloLink.Operation): Observable<ApolloLink.Result> {
    const name = op.operationName ?? ''
    return new Observable((o) => {
      const list = this.observers.get(name) ?? []
      list.push(o)
      this.observers.set(name, list)
      return () =>
        this.observers.set(
          name,
          (this.observers.get(name) ?? []).filter((x) => x !== o),
        )
    })
  }
  subscribed(name: string): boolean {
    return (this.observers.get(name)?.length ?? 0) > 0
  }
  emit(name: string, data: Record<string, unknown>) {
    for (const o of this.observers.get(name) ?? []) o.next({ data })
  }
}

const incident = (id: string, title: string, platform: 'SIMULATOR' | 'META' = 'SIMULATOR') => ({
  __typename: 'Incident' as const,
  id,
  platform,
  title,
  severity: 'MEDIUM' as const,
  state: 'OPEN' as const,
  openedAt: '2026-12-01T10:00:00Z',
})

function setup() {
  const link = new EventLink()
  const client = new ApolloClient({ link, cache: trustCache() })
  render(
    <ApolloProvider client={client}>
      <ToastProvider>
        <LiveUpdates />
      </ToastProvider>
    </ApolloProvider>,
  )
  return link
}

describe('LiveUpdates toasts', () => {
  it('announces each incident once, however often its event arrives', async () => {
    const link = setup()
    // the subscriptions start after the first render
    await waitFor(() => expect(link.subscribed('IncidentOpened')).toBe(true))
    const emq = incident('SW5jaWRlbnQ6MQ', 'Simulator EMQ fell from 8.4 to 1.0')
    act(() => {
      link.emit('IncidentOpened', { incidentOpened: emq })
      link.emit('IncidentOpened', { incidentOpened: emq })
    })
    const message = 'New medium incident (Simulator): Simulator EMQ fell from 8.4 to 1.0'
    expect(await screen.findByText(message)).toBeInTheDocument()
    // positive control: a second incident (a second cause) is a second toast
    act(() =>
      link.emit('IncidentOpened', { incidentOpened: incident('SW5jaWRlbnQ6Mg', 'Meta reports an outage', 'META') }),
    )
    expect(await screen.findByText('New medium incident (Meta): Meta reports an outage')).toBeInTheDocument()
    expect(screen.getAllByText(message)).toHaveLength(1)
  })
})

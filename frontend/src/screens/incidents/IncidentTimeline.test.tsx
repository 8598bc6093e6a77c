import { screen, waitFor, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { ActorNamesDocument } from '../../trust/ActorName'
import { renderWithApi } from '../../trust/testProviders'
import { IncidentTimeline } from './IncidentTimeline'

const render = (ui: React.ReactElement) => renderWithApi(ui, [ada])

const ada = {
  request: { query: ActorNamesDocument, variables: { actors: ['user:7f3c'] } },
  result: {
    data: {
      actorNames: [{ __typename: 'ActorName' as const, actor: 'user:7f3c', name: 'ada@example.com', member: true }],
    },
  },
}

const events = [
  {
    __typename: 'IncidentEvent' as const,
    at: '2026-12-01T10:00:00Z',
    kind: 'OPENED',
    message: 'Simulator EMQ fell from 8.6 to 1.0',
    actor: 'system',
  },
  {
    __typename: 'IncidentEvent' as const,
    at: '2026-12-01T10:05:00Z',
    kind: 'ESCALATED',
    message: 'Score fell to 35: critical',
    actor: 'system',
  },
  {
    __typename: 'IncidentEvent' as const,
    at: '2026-12-01T10:07:00Z',
    kind: 'ACKNOWLEDGED',
    message: 'Acknowledged',
    actor: 'user:7f3c',
  },
  {
    __typename: 'IncidentEvent' as const,
    at: '2026-12-01T10:30:00Z',
    kind: 'AUTO_RESOLVED',
    message: 'Signal health recovered',
    actor: 'system',
  },
]

describe('IncidentTimeline', () => {
  it('lists the events oldest first, each with what happened, who (a person by name) and when', async () => {
    render(<IncidentTimeline events={events} />)
    const items = within(screen.getByRole('list', { name: 'Timeline' })).getAllByRole('listitem')
    expect(items).toHaveLength(4)
    expect(items[0]).toHaveTextContent('Opened by Stratum')
    expect(items[0]).toHaveTextContent('Simulator EMQ fell from 8.6 to 1.0')
    expect(items[1]).toHaveTextContent('Escalated by Stratum')
    await waitFor(() => expect(items[2]).toHaveTextContent('Acknowledged by ada@example.com'))
    expect(items[2]).not.toHaveTextContent('a member')
    expect(items[3]).toHaveTextContent('Resolved on recovery by Stratum')
  })

  it('gives each event a machine-readable time', () => {
    render(<IncidentTimeline events={events.slice(0, 1)} />)
    const time = screen.getByRole('listitem').querySelector('time')
    expect(time).toHaveAttribute('dateTime', '2026-12-01T10:00:00Z')
    expect(time?.textContent).not.toBe('')
  })

  it('reads an unknown event kind as words rather than a code', () => {
    render(<IncidentTimeline events={[{ ...events[0]!, kind: 'NOTE_ADDED', message: 'Checked the pixel' }]} />)
    expect(screen.getByRole('listitem')).toHaveTextContent('Note added by Stratum')
  })

  it('says when there is nothing to show', () => {
    render(<IncidentTimeline events={[]} />)
    expect(screen.queryByRole('list')).toBeNull()
    expect(screen.getByText('No events recorded yet.')).toBeInTheDocument()
  })
})

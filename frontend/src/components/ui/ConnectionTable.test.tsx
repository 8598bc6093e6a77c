import { act, render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'

import { PHONE_WIDTH, setViewportWidth } from '../../test/viewport'
import { Button } from './Button'
import { ConnectionTable, type ConnectionTableProps } from './ConnectionTable'
import { Td } from './Table'

interface Person {
  id: string
  email: string
}

interface People {
  totalCount: number
  edges: { node: Person }[]
  pageInfo: { hasNextPage: boolean; endCursor: string | null }
}

function people(emails: string[], next: string | null = null): People {
  return {
    totalCount: emails.length + (next ? 10 : 0),
    edges: emails.map((email, i) => ({ node: { id: `p${i}`, email } })),
    pageInfo: { hasNextPage: next !== null, endCursor: next },
  }
}

function renderTable(props: Partial<ConnectionTableProps<People>>) {
  const onRetry = vi.fn()
  const onLoadMore = vi.fn(() => Promise.resolve())
  render(
    <ConnectionTable<People>
      connection={undefined}
      loading={false}
      onRetry={onRetry}
      loadingLabel="Loading people…"
      caption="People"
      columns={['Email', 'Id']}
      onLoadMore={onLoadMore}
      row={(p) => (
        <>
          <Td>{p.email}</Td>
          <Td>{p.id}</Td>
        </>
      )}
      {...props}
    />,
  )
  return { onRetry, onLoadMore }
}

describe('ConnectionTable', () => {
  it('says what is loading until the first page arrives', () => {
    renderTable({ loading: true })
    expect(screen.getByRole('status')).toHaveTextContent('Loading people…')
    expect(screen.queryByRole('table')).toBeNull()
  })

  it('shows the error with a retry', async () => {
    const { onRetry } = renderTable({ error: { message: 'Network down' } })
    expect(screen.getByRole('alert')).toHaveTextContent('Network down')
    await userEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(onRetry).toHaveBeenCalledOnce()
    expect(screen.queryByRole('table')).toBeNull()
  })

  it('lists one row a node under the headings, named by its caption', () => {
    renderTable({ connection: people(['a@example.com', 'b@example.com']), loading: true })
    const table = screen.getByRole('table', { name: 'People' })
    const headings = within(table)
      .getAllByRole('columnheader')
      .map((h) => h.textContent)
    expect(headings).toEqual(['Email', 'Id'])
    const rows = within(table).getAllByRole('row').slice(1)
    expect(
      rows.map((r) =>
        within(r)
          .getAllByRole('cell')
          .map((c) => c.textContent),
      ),
    ).toEqual([
      ['a@example.com', 'p0'],
      ['b@example.com', 'p1'],
    ])
    expect(screen.queryByRole('status')).toBeNull()
  })

  it('adds a blank "Actions" column for row buttons when asked', () => {
    renderTable({ connection: people(['a@example.com']), actions: true })
    const headings = within(screen.getByRole('table', { name: 'People' })).getAllByRole('columnheader')
    expect(headings.map((h) => h.textContent)).toEqual(['Email', 'Id', 'Actions'])
    expect(within(headings[2]!).getByText('Actions')).toHaveClass('sr-only')
  })

  it('shows the empty state instead of a table with no rows, or the bare table without one', () => {
    renderTable({ connection: people([]), empty: <p>Nobody yet</p>, summary: () => <p>Summary</p> })
    expect(screen.getByText('Nobody yet')).toBeInTheDocument()
    expect(screen.queryByRole('table')).toBeNull()
    expect(screen.queryByText('Summary')).toBeNull()
  })

  it('shows a table with only its header row when empty and given no empty state', () => {
    renderTable({ connection: people([]) })
    expect(within(screen.getByRole('table', { name: 'People' })).getAllByRole('row')).toHaveLength(1)
  })

  it('puts the summary above the table', () => {
    renderTable({
      connection: people(['a@example.com'], 'c1'),
      summary: (c) => (
        <p>
          Showing {c.edges.length} of {c.totalCount}
        </p>
      ),
    })
    const summary = screen.getByText('Showing 1 of 11')
    expect(summary.compareDocumentPosition(screen.getByRole('table'))).toBe(Node.DOCUMENT_POSITION_FOLLOWING)
  })

  it('loads the page after the last cursor, and offers no more on the last page', async () => {
    const { onLoadMore } = renderTable({ connection: people(['a@example.com'], 'cursor-1') })
    await userEvent.click(screen.getByRole('button', { name: 'Load more' }))
    expect(onLoadMore).toHaveBeenCalledExactlyOnceWith('cursor-1')

    renderTable({ connection: people(['b@example.com']), caption: 'Last page' })
    expect(screen.getByRole('table', { name: 'Last page' })).toBeInTheDocument()
    expect(screen.getAllByRole('button', { name: 'Load more' })).toHaveLength(1)
  })
})

describe('ConnectionTable below the table breakpoint', () => {
  const withActions: Partial<ConnectionTableProps<People>> = {
    actions: true,
    row: (p) => (
      <>
        <Td className="font-medium">{p.email}</Td>
        <Td>{p.id}</Td>
        <Td>
          {p.id !== 'p1' && (
            <Button size="sm" aria-label={`Remove ${p.email}`}>
              Remove
            </Button>
          )}
        </Td>
      </>
    ),
  }

  it('shows each row as a card of lines labelled with the column headings, with its buttons', () => {
    setViewportWidth(PHONE_WIDTH)
    renderTable({ connection: people(['a@example.com', 'b@example.com']), ...withActions })
    expect(screen.queryByRole('table')).toBeNull()
    const cards = within(screen.getByRole('list', { name: 'People' })).getAllByRole('listitem')
    expect(cards).toHaveLength(2)
    const lines = (card: HTMLElement) =>
      within(card)
        .getAllByRole('term')
        .map((term) => [term.textContent, term.nextElementSibling?.textContent])
    expect(lines(cards[0]!)).toEqual([
      ['Email', 'a@example.com'],
      ['Id', 'p0'],
    ])
    expect(lines(cards[1]!)).toEqual([
      ['Email', 'b@example.com'],
      ['Id', 'p1'],
    ])
    // The value keeps the cell's classes.
    expect(within(cards[0]!).getByText('a@example.com')).toHaveClass('font-medium')
    // Each card holds its own row's buttons; a row without any shows none.
    expect(within(cards[0]!).getByRole('button', { name: 'Remove a@example.com' })).toBeInTheDocument()
    expect(within(cards[1]!).queryByRole('button')).toBeNull()
  })

  it('switches between cards and the table as the viewport crosses the breakpoint', () => {
    setViewportWidth(PHONE_WIDTH)
    renderTable({ connection: people(['a@example.com']), ...withActions })
    expect(screen.getByRole('list', { name: 'People' })).toBeInTheDocument()

    act(() => setViewportWidth(1280))
    expect(screen.queryByRole('list', { name: 'People' })).toBeNull()
    const table = screen.getByRole('table', { name: 'People' })
    expect(within(table).getByRole('button', { name: 'Remove a@example.com' })).toBeInTheDocument()

    // A tablet: beside the sidebar, the content column is narrower than a table.
    act(() => setViewportWidth(800))
    expect(screen.queryByRole('table')).toBeNull()
    expect(screen.getByRole('list', { name: 'People' })).toBeInTheDocument()
  })
})

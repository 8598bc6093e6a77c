import type { ReactNode } from 'react'

import { LoadMore, type PageCursor } from './LoadMore'
import { QueryState } from './QueryState'
import { DataTable } from './Table'

/** A page of a Relay connection, as much of it as a table reads. */
export interface TableConnection {
  edges: readonly { node: { id: string } }[]
  pageInfo: PageCursor
}

type NodeOf<C extends TableConnection> = C['edges'][number]['node']

export interface ConnectionTableProps<C extends TableConnection> {
  /** The query's connection; undefined until its first page arrives. */
  connection: C | undefined
  loading: boolean
  error?: { message: string } | undefined
  onRetry: () => void
  /** Said while the first page loads, e.g. "Loading members…". */
  loadingLabel: string
  /** The table's accessible name (a visually hidden caption). */
  caption: string
  /** The column headings, left to right. */
  columns: readonly string[]
  /** Adds a last column for the rows' buttons: "Actions" to screen readers, blank on screen. */
  actions?: boolean
  /** Shown instead of the table when the connection has no rows; without it the table shows with no rows. */
  empty?: ReactNode
  /** Shown above the table, e.g. "Showing 10 of 42". */
  summary?: (connection: C) => ReactNode
  /** Loads the page after the cursor `after`; "Load more" shows while there is a next page. */
  onLoadMore: (after: string) => Promise<unknown>
  /**
   * One row's cells: a fragment of `Td`s in the order of `columns`, then the
   * actions cell. Below TABLE_VIEWPORT each row shows as a stacked card whose
   * lines are labelled with the column headings (see DataTable).
   */
  row: (node: NodeOf<C>) => ReactNode
}

/**
 * A table of a Relay connection with the states every list shares: loading,
 * an error with a retry, an empty state, the header row and "Load more".
 * A screen gives the query's parts, the headings and how a row reads; on
 * a phone the rows become stacked cards (DataTable).
 */
export function ConnectionTable<C extends TableConnection>({
  connection,
  loading,
  error,
  onRetry,
  loadingLabel,
  caption,
  columns,
  actions = false,
  empty,
  summary,
  onLoadMore,
  row,
}: ConnectionTableProps<C>) {
  return (
    <QueryState data={connection} loading={loading} error={error} onRetry={onRetry} loadingLabel={loadingLabel}>
      {(conn) =>
        conn.edges.length === 0 && empty !== undefined ? (
          empty
        ) : (
          <>
            {summary?.(conn)}
            <DataTable
              caption={caption}
              columns={columns}
              actions={actions}
              // The edges are C's: a node here is NodeOf<C>, which TypeScript cannot see through the constraint.
              items={conn.edges.map(({ node }) => node as NodeOf<C>)}
              row={row}
            />
            <LoadMore pageInfo={conn.pageInfo} onLoad={onLoadMore} />
          </>
        )
      }
    </QueryState>
  )
}

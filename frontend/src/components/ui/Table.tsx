import {
  Children,
  createContext,
  Fragment,
  isValidElement,
  useContext,
  type ReactNode,
  type TdHTMLAttributes,
  type ThHTMLAttributes,
} from 'react'

import { cx } from './cx'
import { TABLE_VIEWPORT, useMediaQuery } from './useMediaQuery'

/**
 * A data table that scrolls sideways on narrow screens instead of overflowing
 * the page (positioned, so that visually hidden cell text stays inside too).
 * Lists of records use DataTable, which becomes stacked cards where a table
 * would not fit.
 */
export function Table({ caption, children }: { caption: string; children: ReactNode }) {
  // Focusable and named, so that a keyboard can scroll it when it is wider
  // than its place and holds nothing focusable (axe: scrollable-region-focusable).
  return (
    <div className="relative -mx-5 overflow-x-auto" tabIndex={0} role="group" aria-label={caption}>
      <table className="w-full min-w-[36rem] border-collapse text-left text-sm">
        <caption className="sr-only">{caption}</caption>
        {children}
      </table>
    </div>
  )
}

export function Th({ className, ...rest }: ThHTMLAttributes<HTMLTableCellElement>) {
  return (
    <th
      scope="col"
      {...rest}
      className={cx('border-b border-line px-5 py-2 text-xs font-medium tracking-wide text-muted uppercase', className)}
    />
  )
}

/**
 * Where a `Td` renders: in a table row (null), or in a stacked card as a
 * line labelled with its column's heading, or as the card's buttons.
 */
type CellPlace = { kind: 'field'; label: string } | { kind: 'actions' } | null

const CellPlaceContext = createContext<CellPlace>(null)
const ACTIONS: CellPlace = { kind: 'actions' }

/**
 * A cell of a row: a table cell in a table; in DataTable's stacked cards, a
 * description-list line under its column's heading (the class names apply
 * to the value), or the row's buttons (nothing when it has none).
 */
export function Td({ className, children, ...rest }: TdHTMLAttributes<HTMLTableCellElement>) {
  const place = useContext(CellPlaceContext)
  if (place === null) {
    return (
      <td {...rest} className={cx('border-b border-line px-5 py-3 align-middle last:text-right', className)}>
        {children}
      </td>
    )
  }
  if (place.kind === 'actions') {
    if (Children.toArray(children).length === 0) return null
    return <div className="mt-2 flex flex-wrap items-center justify-end gap-2">{children}</div>
  }
  return (
    <div className="grid grid-cols-[minmax(5.5rem,32%)_minmax(0,1fr)] items-baseline gap-3 py-1">
      <dt className="text-xs font-medium tracking-wide text-muted uppercase">{place.label}</dt>
      <dd className={cx('min-w-0 break-words', className)}>{children}</dd>
    </div>
  )
}

/** The header of a column of row buttons: named for screen readers, blank on screen. */
export function ThActions() {
  return (
    <Th>
      <span className="sr-only">Actions</span>
    </Th>
  )
}

export interface DataTableProps<T extends { id: string }> {
  /** The table's accessible name (a visually hidden caption; the list's label as cards). */
  caption: string
  /** The column headings, left to right; as cards, each line's label. */
  columns: readonly string[]
  /** Adds a last column for the rows' buttons: "Actions" to screen readers, blank on screen. */
  actions?: boolean
  items: readonly T[]
  /**
   * One row's cells: a fragment of `Td`s in the order of `columns`, then the
   * actions cell. Cells are matched to headings by position, so leave out
   * only trailing ones (`{canEdit && <Td>…</Td>}` as the actions cell).
   */
  row: (item: T) => ReactNode
}

/**
 * A list of records as a table where the viewport is wide enough for one
 * (TABLE_VIEWPORT), and as stacked cards below that: each record a list
 * item of label–value lines with its buttons under them, so that nothing
 * is cut off and every row's buttons are within reach on a phone.
 */
export function DataTable<T extends { id: string }>({
  caption,
  columns,
  actions = false,
  items,
  row,
}: DataTableProps<T>) {
  const wide = useMediaQuery(TABLE_VIEWPORT)
  if (!wide) return <StackedCards caption={caption} columns={columns} actions={actions} items={items} row={row} />
  return (
    <Table caption={caption}>
      <thead>
        <tr>
          {columns.map((c) => (
            <Th key={c}>{c}</Th>
          ))}
          {actions && <ThActions />}
        </tr>
      </thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.id}>{row(item)}</tr>
        ))}
      </tbody>
    </Table>
  )
}

function StackedCards<T extends { id: string }>({
  caption,
  columns,
  actions,
  items,
  row,
}: Required<DataTableProps<T>>) {
  return (
    <ul aria-label={caption} className="-mx-5 divide-y divide-line text-sm">
      {items.map((item) => {
        const cells = cellsOf(row(item))
        return (
          <li key={item.id} className="px-5 py-3 first:pt-1 last:pb-1">
            <dl>
              {columns.map((label, i) => (
                <CellPlaceContext.Provider key={label} value={{ kind: 'field', label }}>
                  {cells[i]}
                </CellPlaceContext.Provider>
              ))}
            </dl>
            {actions && <CellPlaceContext.Provider value={ACTIONS}>{cells[columns.length]}</CellPlaceContext.Provider>}
          </li>
        )
      })}
    </ul>
  )
}

/** A row's cells in order, with fragments (the usual `<>…</>` of `row`) flattened and `false`s dropped. */
function cellsOf(node: ReactNode): ReactNode[] {
  return Children.toArray(node).flatMap((child) =>
    isValidElement<{ children?: ReactNode }>(child) && child.type === Fragment
      ? cellsOf(child.props.children)
      : [child],
  )
}

import { useQuery } from '@apollo/client/react'
import { useEffect, useMemo, useState } from 'react'
import { useSearchParams } from 'react-router-dom'

import {
  Badge,
  Card,
  cx,
  DataTable,
  EmptyState,
  Field,
  Input,
  LoadMore,
  PageHeader,
  QueryState,
  Select,
  Table,
  TABLE_VIEWPORT,
  Td,
  Th,
  useMediaQuery,
} from '../../components/ui'
import type { CampaignOrderField, CampaignsQuery, CampaignStatus, OrderDirection, Platform } from '../../gql/graphql'
import { formatMoney, formatNumber, formatPercent } from '../../lib/format'
import { keysOf, PLATFORMS } from '../../trust/labels'
import { CampaignPanel } from './CampaignDetail'
import { lastDays, RANGE_PRESETS, type RangeDays } from './dates'
import { CAMPAIGN_STATES } from './labels'
import { CampaignsDocument } from './operations'

const PAGE = 25

type CampaignNode = CampaignsQuery['campaigns']['edges'][number]['node']

export interface Sort {
  field: CampaignOrderField
  direction: OrderDirection
}

/** Sortable columns: the first click sorts names A→Z and metrics largest first. */
const FIRST_DIRECTION: Partial<Record<CampaignOrderField, OrderDirection>> = {
  NAME: 'ASC',
  SPEND: 'DESC',
  ROAS: 'DESC',
  CPA: 'ASC',
}

/** The next sort after clicking field's heading: its first direction, then the other. */
export function nextSort(current: Sort | null, field: CampaignOrderField): Sort {
  if (current?.field === field) return { field, direction: current.direction === 'ASC' ? 'DESC' : 'ASC' }
  return { field, direction: FIRST_DIRECTION[field] ?? 'DESC' }
}

/** The search box's text, once the reader stopped typing for `delay` ms. */
function useDebounced(value: string, delay: number): string {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    if (delay <= 0) {
      setSettled(value)
      return
    }
    const t = setTimeout(() => setSettled(value), delay)
    return () => clearTimeout(t)
  }, [value, delay])
  return settled
}

export interface CampaignsScreenProps {
  /** Today (tests fix it). */
  today?: Date
  /** How long the search waits for typing to stop (tests use 0). */
  searchDelayMs?: number
}

/** `/campaigns`: every platform's campaigns in one table; the selected one (`?id=`) in detail. */
export default function CampaignsScreen({ today, searchDelayMs = 300 }: CampaignsScreenProps) {
  const [params, setParams] = useSearchParams()
  const [now] = useState(() => today ?? new Date())
  const [days, setDays] = useState<RangeDays>(30)
  const [platform, setPlatform] = useState<Platform | ''>('')
  const [status, setStatus] = useState<CampaignStatus | ''>('')
  const [searchText, setSearchText] = useState('')
  const [sort, setSort] = useState<Sort | null>(null)
  const search = useDebounced(searchText.trim().slice(0, 100), searchDelayMs)
  const range = useMemo(() => lastDays(now, days), [now, days])

  const variables = {
    first: PAGE,
    ...range,
    platform: platform || null,
    status: status || null,
    search: search || null,
    // Metric orderings compare the same days the columns show.
    orderBy: sort ? { field: sort.field, direction: sort.direction, ...range } : null,
  }
  const { data, loading, error, refetch, fetchMore } = useQuery(CampaignsDocument, { variables })
  const selectedId = params.get('id')

  return (
    <>
      <PageHeader
        title="Campaigns"
        description="Every connected platform's campaigns in one table: spend, ROAS, CPA, CTR and conversions over the chosen days, in each campaign's own currency."
      />
      <div className="mb-4 flex flex-wrap items-end gap-3">
        <Field label="Search by name" className="w-64">
          <Input
            type="search"
            value={searchText}
            maxLength={100}
            placeholder="Campaign name"
            onChange={(e) => setSearchText(e.target.value)}
          />
        </Field>
        <Field label="Platform" className="w-44">
          <Select value={platform} onChange={(e) => setPlatform(e.target.value as Platform | '')}>
            <option value="">All platforms</option>
            {keysOf(PLATFORMS).map((p) => (
              <option key={p} value={p}>
                {PLATFORMS[p]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Status" className="w-40">
          <Select value={status} onChange={(e) => setStatus(e.target.value as CampaignStatus | '')}>
            <option value="">All statuses</option>
            {keysOf(CAMPAIGN_STATES).map((s) => (
              <option key={s} value={s}>
                {CAMPAIGN_STATES[s].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Date range" className="w-40">
          <Select value={days} onChange={(e) => setDays(Number(e.target.value) as RangeDays)}>
            {RANGE_PRESETS.map((d) => (
              <option key={d} value={d}>
                Last {d} days
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
        loadingLabel="Loading campaigns…"
      >
        {({ campaigns }) => {
          const list = campaigns.edges.map((e) => e.node)
          if (list.length === 0) {
            return (
              <Card>
                <EmptyState
                  title="No campaigns"
                  description={
                    search || platform || status
                      ? 'None match this search and these filters.'
                      : 'Connect an ad platform (or a sandbox) and its campaigns appear here after the first sync.'
                  }
                />
              </Card>
            )
          }
          const selected = list.find((c) => c.id === selectedId)
          return (
            <div className="flex flex-col gap-6">
              <Card
                title={`${campaigns.totalCount} campaign${campaigns.totalCount === 1 ? '' : 's'}`}
                description={`${range.from} to ${range.to}`}
              >
                <CampaignTable
                  campaigns={list}
                  sort={sort}
                  onSort={(f) => setSort(nextSort(sort, f))}
                  onSortChange={setSort}
                  selectedId={selected?.id}
                  onSelect={(id) => setParams({ id })}
                />
                <SpendTotals totals={campaigns.totals} />
                <LoadMore
                  pageInfo={campaigns.pageInfo}
                  onLoad={(after) => fetchMore({ variables: { ...variables, after } })}
                />
              </Card>
              {selected && <CampaignPanel key={selected.id} id={selected.id} from={range.from} to={range.to} />}
            </div>
          )
        }}
      </QueryState>
    </>
  )
}

const SORTABLE: { field: CampaignOrderField; label: string }[] = [
  { field: 'NAME', label: 'Name' },
  { field: 'SPEND', label: 'Spend' },
  { field: 'ROAS', label: 'ROAS' },
  { field: 'CPA', label: 'CPA' },
]

function SortHeader({
  field,
  label,
  sort,
  onSort,
  className,
}: {
  field: CampaignOrderField
  label: string
  sort: Sort | null
  onSort: (f: CampaignOrderField) => void
  className?: string
}) {
  const active = sort?.field === field
  const ariaSort = active ? (sort.direction === 'ASC' ? 'ascending' : 'descending') : 'none'
  return (
    <Th aria-sort={ariaSort} className={className}>
      <button type="button" className="uppercase hover:text-fg" onClick={() => onSort(field)}>
        {label}
        <span aria-hidden className="ml-1">
          {active ? (sort.direction === 'ASC' ? '▲' : '▼') : ''}
        </span>
      </button>
    </Th>
  )
}

const COLUMNS = ['Name', 'Platform', 'Account', 'Status', 'Spend', 'ROAS', 'CPA', 'CTR', 'Conversions']

/** The phone's sort choices (no headings to click there). */
const SORT_CHOICES: { label: string; sort: Sort | null }[] = [
  { label: 'Newest first', sort: null },
  { label: 'Name, A to Z', sort: { field: 'NAME', direction: 'ASC' } },
  { label: 'Spend, largest first', sort: { field: 'SPEND', direction: 'DESC' } },
  { label: 'ROAS, highest first', sort: { field: 'ROAS', direction: 'DESC' } },
  { label: 'CPA, lowest first', sort: { field: 'CPA', direction: 'ASC' } },
]
const sortKey = (s: Sort | null) => (s ? `${s.field}:${s.direction}` : '')

interface CampaignTableProps {
  campaigns: CampaignNode[]
  sort: Sort | null
  onSort: (f: CampaignOrderField) => void
  onSortChange: (s: Sort | null) => void
  selectedId?: string
  onSelect: (id: string) => void
}

/** The table where it fits (headings sort); on a phone, stacked cards under a sort menu. */
function CampaignTable({ campaigns, sort, onSort, onSortChange, selectedId, onSelect }: CampaignTableProps) {
  const wide = useMediaQuery(TABLE_VIEWPORT)
  // A function, not a component: DataTable's stacked cards label each cell
  // of the returned fragment with its column.
  const row = (c: CampaignNode) => campaignCells(c, c.id === selectedId, onSelect)
  if (!wide) {
    return (
      <>
        <Field label="Sort by" className="mb-3 w-56">
          <Select
            value={sortKey(sort)}
            onChange={(e) => onSortChange(SORT_CHOICES.find((c) => sortKey(c.sort) === e.target.value)?.sort ?? null)}
          >
            {SORT_CHOICES.map((c) => (
              <option key={sortKey(c.sort)} value={sortKey(c.sort)}>
                {c.label}
              </option>
            ))}
          </Select>
        </Field>
        <DataTable caption="Campaigns" columns={COLUMNS} items={campaigns} row={row} />
      </>
    )
  }
  const header = (f: CampaignOrderField, className?: string) => (
    <SortHeader
      field={f}
      label={SORTABLE.find((s) => s.field === f)!.label}
      sort={sort}
      onSort={onSort}
      className={className}
    />
  )
  return (
    <Table caption="Campaigns">
      <thead>
        <tr>
          {header('NAME')}
          <Th>Platform</Th>
          <Th>Account</Th>
          <Th>Status</Th>
          {header('SPEND', 'text-right')}
          {header('ROAS', 'text-right')}
          {header('CPA', 'text-right')}
          <Th className="text-right">CTR</Th>
          <Th className="text-right">Conversions</Th>
        </tr>
      </thead>
      <tbody>
        {campaigns.map((c) => (
          <tr key={c.id} className={cx(c.id === selectedId && 'bg-primary-soft')}>
            {row(c)}
          </tr>
        ))}
      </tbody>
    </Table>
  )
}

/** A campaign's cells, in COLUMNS order; money in the campaign's currency. */
function campaignCells(c: CampaignNode, selected: boolean, onSelect: (id: string) => void) {
  const t = c.metrics.totals
  return (
    <>
      <Td>
        <button
          type="button"
          className="text-left font-medium hover:underline"
          aria-current={selected || undefined}
          onClick={() => onSelect(c.id)}
        >
          {c.name}
        </button>
        {c.simulated && (
          <span className="ml-2">
            <Badge tone="warning">Simulated</Badge>
          </span>
        )}
      </Td>
      <Td>{PLATFORMS[c.platform]}</Td>
      <Td>
        {c.account ? (
          <>
            {c.account.name}
            <span className="block text-xs text-slate-500" title="The platform reports days in this time zone">
              {c.account.timeZone}
            </span>
          </>
        ) : (
          '—'
        )}
      </Td>
      <Td>
        <Badge tone={CAMPAIGN_STATES[c.state].tone}>{CAMPAIGN_STATES[c.state].label}</Badge>
      </Td>
      <Td className="text-right tabular-nums">{formatMoney(t.spend.amount, c.currency)}</Td>
      <Td className="text-right tabular-nums">{t.roas == null ? '—' : `${formatNumber(t.roas)}×`}</Td>
      <Td className="text-right tabular-nums">{t.cpa ? formatMoney(t.cpa.amount, c.currency) : '—'}</Td>
      <Td className="text-right tabular-nums">{formatPercent(t.ctr)}</Td>
      <Td className="text-right tabular-nums">{formatNumber(t.conversions)}</Td>
    </>
  )
}

type Totals = CampaignsQuery['campaigns']['totals']

/**
 * Spend of every campaign matching the filters (all pages), as the server
 * sums it: one total per currency, never added across currencies.
 */
function SpendTotals({ totals }: { totals: Totals }) {
  if (totals.length === 0) return null
  const one = (t: Totals[number]) => formatMoney(t.totals.spend.amount, t.currency)
  return (
    <p className="mt-4 text-sm text-muted" data-testid="spend-totals">
      {totals.length === 1
        ? `Spend of all matching campaigns: ${one(totals[0]!)}`
        : `Spend of all matching campaigns, by currency (not added across currencies): ${totals
            .map((t) => `${one(t)} (${t.campaigns} campaign${t.campaigns === 1 ? '' : 's'})`)
            .join(' · ')}`}
    </p>
  )
}

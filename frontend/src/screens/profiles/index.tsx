import { useQuery } from '@apollo/client/react'
import { useState } from 'react'

import {
  Badge,
  Button,
  Card,
  ConnectionTable,
  EmptyState,
  Field,
  Input,
  PageHeader,
  Select,
  Td,
  TextLink,
} from '../../components/ui'
import type { IdentifierType, LifecycleStage, ProfileFilter } from '../../gql/graphql'
import { enumLabel, IDENTIFIER_TYPES, LIFECYCLE_STAGES } from '../../lib/enumLabels'
import { formatCount, formatDateTime, formatNumber } from '../../lib/format'
import { LIFECYCLE_TONE, profilePath } from './labels'
import { ProfilesDocument } from './operations'

/** Profiles per page. */
export const PAGE_SIZE = 20

const STAGES = Object.keys(LIFECYCLE_STAGES) as LifecycleStage[]
const IDENTIFIER_KINDS = Object.keys(IDENTIFIER_TYPES) as IdentifierType[]

/** The filter as the query sends it: only the conditions that are set. */
export function profileFilter(search: string, stage: LifecycleStage | '', kind: IdentifierType | ''): ProfileFilter {
  const filter: ProfileFilter = {}
  if (search) filter.search = search
  if (stage) filter.lifecycleStage = stage
  if (kind) filter.hasIdentifier = kind
  return filter
}

/** `/profiles`: the people the events describe, found by any identifier. */
export default function ProfilesScreen() {
  const [text, setText] = useState('')
  const [search, setSearch] = useState('')
  const [stage, setStage] = useState<LifecycleStage | ''>('')
  const [kind, setKind] = useState<IdentifierType | ''>('')
  const filter = profileFilter(search, stage, kind)
  const filtered = Object.keys(filter).length > 0
  const { data, loading, error, refetch, fetchMore } = useQuery(ProfilesDocument, {
    variables: { filter, first: PAGE_SIZE },
  })

  return (
    <>
      <PageHeader
        title="Profiles"
        description="The people (and browsers, until they are identified) your sources' events describe, most recently seen first."
      />
      <Card>
        <form
          role="search"
          aria-label="Profiles"
          className="mb-4 grid gap-4 md:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_minmax(0,1fr)_auto] md:items-start"
          onSubmit={(e) => {
            e.preventDefault()
            setSearch(text.trim())
          }}
        >
          <Field label="Identifier" hint="A user id, e-mail, phone number, device or anonymous id.">
            <Input type="search" value={text} onChange={(e) => setText(e.target.value)} />
          </Field>
          <Field label="Lifecycle stage">
            <Select value={stage} onChange={(e) => setStage(e.target.value as LifecycleStage | '')}>
              <option value="">All stages</option>
              {STAGES.map((s) => (
                <option key={s} value={s}>
                  {enumLabel('LifecycleStage', s)}
                </option>
              ))}
            </Select>
          </Field>
          <Field label="Has identifier">
            <Select value={kind} onChange={(e) => setKind(e.target.value as IdentifierType | '')}>
              <option value="">Any kind</option>
              {IDENTIFIER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {enumLabel('IdentifierType', k)}
                </option>
              ))}
            </Select>
          </Field>
          <div className="flex gap-2 md:mt-6.5">
            <Button type="submit" variant="primary">
              Search
            </Button>
          </div>
        </form>
        <ConnectionTable
          connection={data?.profiles}
          loading={loading}
          error={error}
          onRetry={() => void refetch()}
          loadingLabel="Loading profiles…"
          caption="Profiles"
          columns={['Profile', 'Lifecycle', 'Last seen', 'Events', 'Purchases']}
          empty={
            filtered ? (
              <EmptyState title="No profiles match" description="Try another identifier or clear the filters." />
            ) : (
              <EmptyState
                title="No profiles yet"
                description={
                  <>
                    To see some, <TextLink to="/sources">send events to a source</TextLink>: the people they describe
                    show here.
                  </>
                }
              />
            )
          }
          summary={(c) => (
            <p className="mb-2 text-sm text-muted">
              {c.edges.length === c.totalCount
                ? formatCount(c.totalCount, 'profile')
                : `Showing ${c.edges.length} of ${formatCount(c.totalCount, 'profile')}`}
            </p>
          )}
          onLoadMore={(after) => fetchMore({ variables: { after } })}
          row={(p) => (
            <>
              <Td>
                <div className="flex flex-wrap items-center gap-2">
                  {p.canonicalIdentity && <Badge>{enumLabel('IdentifierType', p.canonicalIdentity.type)}</Badge>}
                  <TextLink to={profilePath(p.id)} className="font-medium break-all">
                    {p.canonicalIdentity?.value ?? 'No identifier left'}
                  </TextLink>
                </div>
              </Td>
              <Td>
                <Badge tone={LIFECYCLE_TONE[p.lifecycleStage]}>{enumLabel('LifecycleStage', p.lifecycleStage)}</Badge>
              </Td>
              <Td className="whitespace-nowrap text-muted">{formatDateTime(p.lastSeenAt)}</Td>
              <Td>{formatNumber(p.counters.eventCount)}</Td>
              <Td>{formatNumber(p.counters.purchaseCount)}</Td>
            </>
          )}
        />
      </Card>
    </>
  )
}

import { Card, DataTable, EmptyState, Td, TextLink } from '../../components/ui'
import type { ProfileComputedTraitsFragment } from '../../gql/graphql'
import { formatDateTime } from '../../lib/format'

type ComputedTrait = ProfileComputedTraitsFragment['computedTraits'][number]

/** A JSON scalar as text: a string without its quotes. */
export function computedValueText(json: string): string {
  try {
    const v: unknown = JSON.parse(json)
    return typeof v === 'string' ? v : json
  } catch {
    return json
  }
}

/** A profile's computed traits with when each was computed (the profile page). */
export function ComputedTraitsCard({ traits }: { traits: readonly ComputedTrait[] }) {
  return (
    <Card title="Computed traits" description="Computed from the profile's events as they arrive.">
      {traits.length === 0 ? (
        <EmptyState
          title="No computed traits"
          description={
            <>
              None of its events matches a <TextLink to="/traits">computed trait</TextLink> yet.
            </>
          }
        />
      ) : (
        <DataTable
          caption="Computed traits"
          columns={['Trait', 'Value', 'Computed']}
          items={traits.map((t) => ({ ...t, id: t.definition.id }))}
          row={(t) => (
            <>
              <Td className="font-medium">{t.name}</Td>
              <Td className="font-mono text-xs break-all">{computedValueText(t.value)}</Td>
              <Td className="whitespace-nowrap text-muted last:text-left">{formatDateTime(t.computedAt)}</Td>
            </>
          )}
        />
      )}
    </Card>
  )
}

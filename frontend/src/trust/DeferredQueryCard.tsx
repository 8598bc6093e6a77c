import type { OperationVariables, TypedDocumentNode } from '@apollo/client'
import { skipToken, useQuery } from '@apollo/client/react'
import type { ReactNode } from 'react'

import { Card, Loading, QueryState, type CardProps } from '../components/ui'
import { useNearViewport } from './useNearViewport'

export interface DeferredQueryCardProps<TData, TVariables extends OperationVariables> extends Omit<
  CardProps,
  'children'
> {
  query: TypedDocumentNode<TData, TVariables>
  variables: TVariables
  /** Says what is loading, before the card is near the viewport and while the query runs. */
  loadingLabel: string
  children: (data: TData) => ReactNode
}

/**
 * A card below the fold whose query waits until the card comes near the
 * viewport (the API charges every query against the tenant's cost budget),
 * then shows the query's loading, error and loaded states.
 */
export function DeferredQueryCard<TData, TVariables extends OperationVariables>({
  query,
  variables,
  loadingLabel,
  children,
  ...card
}: DeferredQueryCardProps<TData, TVariables>) {
  const [ref, near] = useNearViewport<HTMLDivElement>()
  const { data, loading, error, refetch } = useQuery<TData, TVariables>(query, near ? { variables } : skipToken)
  return (
    <div ref={ref}>
      <Card {...card}>
        {!near && <Loading label={loadingLabel} />}
        <QueryState
          data={data}
          loading={loading}
          error={error}
          onRetry={() => void refetch()}
          loadingLabel={loadingLabel}
        >
          {children}
        </QueryState>
      </Card>
    </div>
  )
}

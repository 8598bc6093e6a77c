import type { ReactNode } from 'react'

import { Loading } from './Spinner'
import { lockedFeature } from '../../lib/features'
import { ErrorState, LockedState } from './States'

export interface QueryStateProps<T> {
  /** The query's data; shown as soon as there is some, even while refetching. */
  data: T | undefined
  loading: boolean
  error?: { message: string } | undefined
  onRetry?: () => void
  loadingLabel?: string
  children: (data: T) => ReactNode
}

/**
 * The loading, error and loaded states of a query, the same on every screen.
 * A field the workspace's plan does not include (FEATURE_DISABLED) shows
 * which plan unlocks it instead of an error.
 */
export function QueryState<T>({ data, loading, error, onRetry, loadingLabel, children }: QueryStateProps<T>) {
  if (data !== undefined) return <>{children(data)}</>
  const locked = error ? lockedFeature(error) : null
  if (locked) return <LockedState {...locked} />
  if (error) return <ErrorState error={error} {...(onRetry ? { onRetry } : {})} />
  if (loading) return <Loading {...(loadingLabel ? { label: loadingLabel } : {})} />
  return null
}

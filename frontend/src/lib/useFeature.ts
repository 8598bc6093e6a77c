import { useQuery } from '@apollo/client/react'

import type { FeatureSource, Plan } from '../gql/graphql'
import { FeaturesDocument } from './featureOperations'
import { planTitle } from './features'

/** Whether the workspace may use a feature now, and if not, why. */
export type FeatureGate =
  | { enabled: true }
  | {
      enabled: false
      /** Which setting switched it off. */
      source: FeatureSource
      /** The cheapest plan that has it. */
      unlockedBy: Plan
      /** What to show beside the control, in words: "Unlocks with Professional". */
      reason: string
    }

/** Why a flag that is off is off, as the dashboard says it beside the control. */
export function lockReason(source: FeatureSource, unlockedBy: string): string {
  switch (source) {
    case 'OVERRIDE':
      return 'Switched off for this workspace by Stratum'
    case 'GLOBAL':
      return 'Switched off on this server'
    default:
      return `Unlocks with ${planTitle(unlockedBy)}`
  }
}

/**
 * The workspace's flag `key` (`viewer.features`, read once and then from
 * Apollo's cache). While the flags load, or when they cannot be read, the
 * control stays usable: the server decides and a refusal shows as usual.
 */
export function useFeature(key: string): FeatureGate {
  const { data } = useQuery(FeaturesDocument, { fetchPolicy: 'cache-first' })
  const f = data?.viewer?.features.find((x) => x.key === key)
  if (!f || f.enabled) return { enabled: true }
  return { enabled: false, source: f.source, unlockedBy: f.unlockedBy, reason: lockReason(f.source, f.unlockedBy) }
}

import type { MockLink } from '@apollo/client/testing'

import { FeaturesDocument } from '../lib/featureOperations'

const FLAGS: [key: string, unlockedBy: string][] = [
  ['platform_connectors', 'STARTER'],
  ['automation_rules', 'STARTER'],
  ['autopilot', 'PROFESSIONAL'],
  ['what_if_simulator', 'PROFESSIONAL'],
  ['cdp', 'PROFESSIONAL'],
  ['capi', 'PROFESSIONAL'],
  ['audience_sync', 'PROFESSIONAL'],
  ['gdpr_compliance', 'PROFESSIONAL'],
  ['competitor_intel', 'ENTERPRISE'],
]

/**
 * viewer.features for component tests: every flag on, except those in
 * `off` (flag → the source that switched it off).
 */
export function featuresMock(off: Record<string, 'PLAN' | 'OVERRIDE' | 'GLOBAL'> = {}): MockLink.MockedResponse {
  return {
    request: { query: FeaturesDocument },
    result: {
      data: {
        viewer: {
          __typename: 'Viewer',
          features: FLAGS.map(([key, unlockedBy]) => ({
            __typename: 'Feature',
            key,
            enabled: !(key in off),
            source: off[key] ?? 'PLAN',
            unlockedBy,
          })),
        },
      },
    },
    maxUsageCount: Infinity,
  }
}

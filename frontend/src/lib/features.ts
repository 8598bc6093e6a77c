import { CombinedGraphQLErrors } from '@apollo/client'

/** A field refused because the workspace lacks a feature flag (FEATURE_DISABLED). */
export interface LockedFeature {
  /** The flag's key, e.g. `autopilot`. */
  feature: string
  /** The cheapest plan that has it, as the Plan enum names it (`PROFESSIONAL`). */
  requiredPlan: string
}

/** The FEATURE_DISABLED refusal in error, or null for any other error. */
export function lockedFeature(error: unknown): LockedFeature | null {
  if (!CombinedGraphQLErrors.is(error)) return null
  for (const e of error.errors) {
    const ext = e.extensions
    if (ext?.['code'] !== 'FEATURE_DISABLED') continue
    const feature = ext['feature']
    const requiredPlan = ext['requiredPlan']
    if (typeof feature === 'string' && typeof requiredPlan === 'string') return { feature, requiredPlan }
  }
  return null
}

/** A plan as the product names it, from the Plan enum or a lower-case name: `PROFESSIONAL`, `professional` → `Professional`. */
export function planTitle(plan: string): string {
  return plan.charAt(0).toUpperCase() + plan.slice(1).toLowerCase()
}

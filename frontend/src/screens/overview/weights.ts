// How the breakdown explains a score's weights and numbers: every derived
// number says how it is derived, with the API's own figures.
import type { SignalComponent } from '../../gql/graphql'
import { emqFromComponent, formatEmq, formatPercent, formatScore } from '../../lib/format'
import { COMPONENTS } from '../../trust/labels'

export interface WeightedComponent {
  name: SignalComponent
  score: number
  weight: number
  baseWeight: number
  known: boolean
}

/** The configured weight: the API's baseWeight (the weight itself from a server that predates it). */
function base(c: WeightedComponent): number {
  return c.baseWeight > 0 ? c.baseWeight : c.weight
}

/**
 * One line on how the effective weights come from the configured ones:
 * with first-party (CDP) data, CDP takes its weight and the others are
 * scaled to what is left; without it the others keep theirs.
 */
export function weightsExplanation(components: readonly WeightedComponent[]): string {
  const cdp = components.find((c) => c.name === 'CDP')
  const others = components.filter((c) => c.name !== 'CDP')
  if (!cdp) {
    const parts = others.map((c) => `${COMPONENTS[c.name].toLowerCase()} ${formatPercent(c.weight)}`)
    return `No first-party (CDP) data is connected, so the platform components keep their configured weights: ${parts.join(', ')}.`
  }
  const rest = 1 - base(cdp)
  const parts = others.map(
    (c) => `${COMPONENTS[c.name].toLowerCase()} ${formatPercent(base(c))} → ${formatPercent(c.weight)}`,
  )
  return (
    `First-party (CDP) data is connected: it takes its ${formatPercent(base(cdp))} and the other weights are ` +
    `scaled to the remaining ${formatPercent(rest)} in proportion (${parts.join(', ')}).`
  )
}

/** How one component's effective weight is derived, for its tooltip. */
export function weightHow(c: WeightedComponent, all: readonly WeightedComponent[]): string {
  const cdp = all.find((x) => x.name === 'CDP')
  if (c.name === 'CDP' || !cdp) return `Weight ${formatPercent(c.weight)}: its configured weight.`
  return `Weight ${formatPercent(c.weight)}: configured ${formatPercent(base(c))} × ${formatPercent(1 - base(cdp))} left after first-party (CDP) data's ${formatPercent(base(cdp))}.`
}

/** A component's value in its own unit: EMQ on its 0–10 scale, the others as a score of 100. */
export function componentValue(c: WeightedComponent): string {
  if (!c.known) return 'no data yet'
  return c.name === 'EMQ' ? `EMQ ${formatEmq(emqFromComponent(c.score))}` : `${formatScore(c.score)} / 100`
}

/** How a component's value is derived, for its tooltip. */
export function componentHow(c: WeightedComponent): string {
  if (!c.known) return 'No data yet: the component counts with its default until data arrives.'
  if (c.name === 'EMQ')
    return `Average event match quality of the platforms (0–10); the score counts it ×10, so it adds ${formatScore(c.score)} of 100 here.`
  return `${COMPONENTS[c.name]}: ${formatScore(c.score)} of 100.`
}

/** How an issue's points are derived, for its tooltip. */
export const IMPACT_HOW =
  "Points this costs the overall score: the component's weight × how far its score is below 100 (averaged across platforms)."

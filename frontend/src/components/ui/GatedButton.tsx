import { useId } from 'react'

import { useFeature } from '../../lib/useFeature'
import { Button, type ButtonProps } from './Button'
import { TextLink } from './TextLink'

/** Where the plans and the workspace's billing are. */
export const BILLING_PATH = '/settings/billing'

/**
 * A button of a feature-gated mutation: while the workspace lacks flag
 * `feature` it is disabled and says why beside it — which plan unlocks it
 * (with a link to the billing tab), or that Stratum or the server switched
 * it off — instead of failing when pressed.
 */
export function GatedButton({ feature, disabled, ...rest }: ButtonProps & { feature: string }) {
  const gate = useFeature(feature)
  const noteId = useId()
  if (gate.enabled) return <Button {...rest} disabled={disabled} />
  return (
    <span className="inline-flex flex-wrap items-center gap-2">
      <Button {...rest} disabled aria-describedby={noteId} />
      <span id={noteId} className="text-sm text-muted">
        <span aria-hidden>🔒 </span>
        {gate.reason}
        {gate.source === 'PLAN' && (
          <>
            {' '}
            · <TextLink to={BILLING_PATH}>See plans</TextLink>
          </>
        )}
      </span>
    </span>
  )
}

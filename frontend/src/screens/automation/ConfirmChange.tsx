import type { ReactNode } from 'react'

import { Button, Dialog } from '../../components/ui'

export interface ConfirmChangeProps {
  /** The change to confirm; null keeps the dialog closed. */
  change: { title: string; description: ReactNode; confirmLabel: string; danger?: boolean } | null
  onConfirm: () => void
  onCancel: () => void
  loading: boolean
}

/**
 * Asks before a change to the trust gate's settings takes effect (they
 * re-gate every queued action). Cancel is focused first.
 */
export function ConfirmChange({ change, onConfirm, onCancel, loading }: ConfirmChangeProps) {
  return (
    <Dialog
      open={change !== null}
      onClose={onCancel}
      title={change?.title ?? ''}
      description={change?.description}
      footer={
        <>
          <Button onClick={onCancel} data-autofocus>
            Cancel
          </Button>
          <Button variant={change?.danger ? 'danger' : 'primary'} onClick={onConfirm} loading={loading}>
            {change?.confirmLabel}
          </Button>
        </>
      }
    />
  )
}

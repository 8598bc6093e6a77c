import type { ReactNode } from 'react'

import { Button } from './Button'
import { SecretBox } from './CopyButton'
import { Dialog } from './Dialog'
import { Alert } from './States'

/**
 * The one showing of a secret Stratum keeps only a hash of (an API key, a
 * webhook's signing secret): a warning, the value with a copy button, and
 * optional guidance below it. Closing it is final.
 */
export function SecretOnceDialog({
  title,
  label,
  value,
  warning,
  onClose,
  children,
}: {
  title: string
  label: string
  value: string
  warning: string
  onClose: () => void
  children?: ReactNode
}) {
  return (
    <Dialog
      key="secret"
      open
      onClose={onClose}
      title={title}
      footer={
        <Button variant="primary" onClick={onClose}>
          Done
        </Button>
      }
    >
      <div className="flex flex-col gap-4">
        <Alert tone="warning">{warning}</Alert>
        <SecretBox label={label} value={value} />
        {children}
      </div>
    </Dialog>
  )
}

import { Alert, Button, CopyButton } from '../../components/ui'

/** backupCodes as a .txt file's text. */
export function backupCodesText(codes: readonly string[], account: string): string {
  return [`Stratum backup codes for ${account}`, 'Each code works once.', '', ...codes, ''].join('\n')
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }))
  const a = Object.assign(document.createElement('a'), { href: url, download: name })
  a.click()
  URL.revokeObjectURL(url)
}

/**
 * The one showing of new backup codes: copy or download them, then confirm
 * they are stored (the codes are dropped from memory on `onDone`).
 */
export function BackupCodes({
  codes,
  account,
  onDone,
}: {
  codes: readonly string[]
  account: string
  onDone: () => void
}) {
  const text = backupCodesText(codes, account)
  return (
    <div className="flex flex-col gap-4">
      <Alert tone="warning">
        Store these backup codes somewhere safe now: this is the only time they are shown. Each code signs you in once
        if you lose your authenticator.
      </Alert>
      <ol aria-label="Backup codes" className="grid grid-cols-2 gap-2 font-mono text-sm sm:grid-cols-5">
        {codes.map((c) => (
          <li key={c} className="rounded-md border border-line bg-raised px-2 py-1.5 text-center">
            {c}
          </li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={codes.join('\n')} label="Copy codes" />
        <Button size="sm" onClick={() => download('stratum-backup-codes.txt', text)}>
          Download .txt
        </Button>
        <Button size="sm" variant="primary" onClick={onDone}>
          I have stored them
        </Button>
      </div>
    </div>
  )
}

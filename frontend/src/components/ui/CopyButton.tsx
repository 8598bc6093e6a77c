import { useEffect, useState } from 'react'

import { Button } from './Button'

/** Copies `text` to the clipboard and says so for two seconds. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  useEffect(() => {
    if (state === 'idle') return
    const t = setTimeout(() => setState('idle'), 2000)
    return () => clearTimeout(t)
  }, [state])

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text)
      setState('copied')
    } catch {
      setState('failed')
    }
  }
  return (
    <Button size="sm" onClick={copy} aria-live="polite">
      {state === 'copied' ? '✓ Copied' : state === 'failed' ? 'Copy failed: select the text' : label}
    </Button>
  )
}

/**
 * A value shown once (API key secret, invite link, backup codes): monospace,
 * selectable, with a copy button.
 */
export function SecretBox({ label, value }: { label: string; value: string }) {
  return (
    <div className="flex flex-col gap-2">
      <p className="text-sm font-medium">{label}</p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          aria-label={label}
          className="min-w-0 flex-1 rounded-md border border-line bg-raised px-3 py-2 font-mono text-sm break-all select-all"
        >
          {value}
        </code>
        <CopyButton text={value} />
      </div>
    </div>
  )
}

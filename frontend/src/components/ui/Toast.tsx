import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react'

import { cx } from './cx'
import { softTone } from './tone'

export type ToastTone = 'success' | 'error' | 'primary'

export interface ToastInput {
  tone?: ToastTone
  message: string
}

interface ToastItem extends Required<ToastInput> {
  id: number
}

export interface ToastApi {
  /** Shows a short message for a few seconds (errors stay until dismissed). */
  show: (toast: ToastInput) => void
}

const ToastContext = createContext<ToastApi | null>(null)
const icons: Record<ToastTone, string> = { success: '✓', error: '⚠', primary: 'ℹ' }

/** How long a success or info toast stays, in milliseconds. */
export const TOAST_MS = 5000

/**
 * Holds the toasts of the app and announces them politely (errors
 * assertively) to screen readers.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<ToastItem[]>([])
  const next = useRef(1)

  const dismiss = useCallback((id: number) => setItems((all) => all.filter((t) => t.id !== id)), [])
  const show = useCallback(
    ({ tone = 'success', message }: ToastInput) => {
      const id = next.current++
      setItems((all) => [...all, { id, tone, message }])
      if (tone !== 'error') setTimeout(() => dismiss(id), TOAST_MS)
    },
    [dismiss],
  )
  const api = useMemo(() => ({ show }), [show])

  return (
    <ToastContext.Provider value={api}>
      {children}
      <div className="pointer-events-none fixed inset-x-0 bottom-0 z-[60] flex flex-col items-center gap-2 p-4 sm:items-end">
        <div role="status" aria-live="polite" className="contents">
          {items
            .filter((t) => t.tone !== 'error')
            .map((t) => (
              <ToastView key={t.id} item={t} onDismiss={dismiss} />
            ))}
        </div>
        <div role="alert" aria-live="assertive" className="contents">
          {items
            .filter((t) => t.tone === 'error')
            .map((t) => (
              <ToastView key={t.id} item={t} onDismiss={dismiss} />
            ))}
        </div>
      </div>
    </ToastContext.Provider>
  )
}

function ToastView({ item, onDismiss }: { item: ToastItem; onDismiss: (id: number) => void }) {
  return (
    <div
      className={cx(
        'pointer-events-auto flex w-full max-w-sm items-start gap-3 rounded-lg border border-line px-4 py-3 text-sm shadow-lg',
        softTone[item.tone],
      )}
    >
      <span aria-hidden>{icons[item.tone]}</span>
      <p className="flex-1">{item.message}</p>
      <button
        type="button"
        aria-label="Dismiss notification"
        onClick={() => onDismiss(item.id)}
        className="opacity-70 hover:opacity-100"
      >
        <span aria-hidden>✕</span>
      </button>
    </div>
  )
}

/** The app's toasts; needs a ToastProvider above. */
export function useToast(): ToastApi {
  const api = useContext(ToastContext)
  if (!api) throw new Error('useToast needs a <ToastProvider> above it')
  return api
}

import { useState } from 'react'

import { applyTheme, storedTheme, type ThemeChoice } from '../../theme'

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'light', light: 'dark', dark: 'system' }
const ICON: Record<ThemeChoice, string> = { system: '◐', light: '☀', dark: '☾' }

/** Cycles the theme: system → light → dark. */
export function ThemeToggle() {
  const [choice, setChoice] = useState(storedTheme)
  const next = NEXT[choice]
  return (
    <button
      type="button"
      className="inline-flex size-9 items-center justify-center rounded-md text-lg hover:bg-raised"
      aria-label={`Theme: ${choice}. Switch to ${next}`}
      title={`Theme: ${choice}`}
      onClick={() => {
        applyTheme(next)
        setChoice(next)
      }}
    >
      <span aria-hidden>{ICON[choice]}</span>
    </button>
  )
}

// Light / dark theme. "system" follows the OS (CSS light-dark() does that by
// itself); "light" and "dark" pin it through <html data-theme>.

export type ThemeChoice = 'system' | 'light' | 'dark'

const STORAGE_KEY = 'stratum.theme'

export function storedTheme(): ThemeChoice {
  try {
    const v = localStorage.getItem(STORAGE_KEY)
    return v === 'light' || v === 'dark' ? v : 'system'
  } catch {
    return 'system' // storage disabled
  }
}

/** Applies the choice to the document and remembers it. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement = document.documentElement): void {
  if (choice === 'system') root.removeAttribute('data-theme')
  else root.setAttribute('data-theme', choice)
  try {
    if (choice === 'system') localStorage.removeItem(STORAGE_KEY)
    else localStorage.setItem(STORAGE_KEY, choice)
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

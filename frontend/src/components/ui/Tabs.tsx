import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react'

import { cx } from './cx'

export interface Tab<K extends string> {
  id: K
  label: string
  panel: ReactNode
}

export interface TabsProps<K extends string> {
  /** The tab list's accessible name, e.g. "Automation sections". */
  label: string
  tabs: readonly Tab<K>[]
  /** The open tab; the screen owns it (e.g. in the URL, so links and reloads keep it). */
  selected: K
  onSelect: (id: K) => void
}

/**
 * Tabs as the WAI-ARIA pattern has them: a tablist whose tabs move with
 * the arrow keys, Home and End (one tab stop, the open tab; selection
 * follows focus), each controlling its tabpanel. A panel mounts when its
 * tab first opens and then stays mounted, hidden while another is open, so
 * a half-filled form survives a look at another tab.
 */
export function Tabs<K extends string>({ label, tabs, selected, onSelect }: TabsProps<K>) {
  const base = useId()
  const buttons = useRef(new Map<K, HTMLButtonElement>())
  const [opened, setOpened] = useState<ReadonlySet<K>>(() => new Set([selected]))
  if (!opened.has(selected)) setOpened(new Set([...opened, selected]))
  const tabId = (id: K) => `${base}tab-${id}`
  const panelId = (id: K) => `${base}panel-${id}`

  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const last = tabs.length - 1
    const next =
      e.key === 'ArrowRight'
        ? index === last
          ? 0
          : index + 1
        : e.key === 'ArrowLeft'
          ? index === 0
            ? last
            : index - 1
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? last
              : null
    if (next === null) return
    e.preventDefault()
    const id = tabs[next]!.id
    onSelect(id)
    buttons.current.get(id)?.focus()
  }

  return (
    <>
      <div role="tablist" aria-label={label} className="mb-6 flex gap-1 overflow-x-auto border-b border-line">
        {tabs.map((tab, i) => {
          const active = tab.id === selected
          return (
            <button
              key={tab.id}
              ref={(el) => {
                if (el) buttons.current.set(tab.id, el)
                else buttons.current.delete(tab.id)
              }}
              type="button"
              role="tab"
              id={tabId(tab.id)}
              aria-selected={active}
              // A panel exists once opened (an id that names nothing is an ARIA error).
              aria-controls={opened.has(tab.id) ? panelId(tab.id) : undefined}
              tabIndex={active ? 0 : -1}
              onClick={() => onSelect(tab.id)}
              onKeyDown={(e) => onKeyDown(e, i)}
              className={cx(
                '-mb-px shrink-0 border-b-2 px-2.5 py-2 text-sm font-medium whitespace-nowrap sm:px-3',
                active ? 'border-primary-600 text-primary-ink' : 'border-transparent text-muted hover:text-fg',
              )}
            >
              {tab.label}
            </button>
          )
        })}
      </div>
      {tabs
        .filter((tab) => opened.has(tab.id))
        .map((tab) => (
          <div
            key={tab.id}
            role="tabpanel"
            id={panelId(tab.id)}
            aria-labelledby={tabId(tab.id)}
            tabIndex={0}
            hidden={tab.id !== selected}
          >
            {tab.panel}
          </div>
        ))}
    </>
  )
}

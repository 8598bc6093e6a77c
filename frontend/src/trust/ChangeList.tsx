import { settingChanges, type Settings } from '../lib/format'

/** The campaign settings an action changes (or would change), before → after; amounts in the campaign's currency. */
export function ChangeList({
  before,
  after,
  currency,
}: {
  before: Settings | null | undefined
  after: Settings | null | undefined
  currency?: string | null | undefined
}) {
  const changes = settingChanges(before, after, currency)
  if (changes.length === 0) return null
  return (
    <dl className="flex flex-wrap gap-x-6 gap-y-1 text-sm">
      {changes.map((c) => (
        <div key={c.label} className="flex gap-2">
          <dt className="text-muted">{c.label}</dt>
          <dd>
            {c.before} <span aria-hidden>→</span>
            <span className="sr-only">changes to</span> <strong>{c.after}</strong>
          </dd>
        </div>
      ))}
    </dl>
  )
}

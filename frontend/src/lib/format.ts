const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' })

/** "1 Dec 2026, 10:15" in the reader's locale and time zone. */
export function formatDateTime(iso: string): string {
  return dateTime.format(new Date(iso))
}

/** "1 Dec 2026" in the reader's locale. */
export function formatDate(iso: string): string {
  return date.format(new Date(iso))
}

/** Role names as people read them: OWNER → Owner. */
export function titleCase(s: string): string {
  return s.charAt(0) + s.slice(1).toLowerCase()
}

import { useCallback, useEffect, useState } from 'react'

/** A message the server's development mail sink kept (GET /dev/mail/messages). */
export interface SinkMessage {
  seq: number
  from: string
  to: string[]
  subject: string
  text: string
  date: string
}

export interface DevMailSink {
  /** False until the sink answered, and on servers without one (production, or with SMTP configured). */
  available: boolean
  name: string
  messages: SinkMessage[]
  reload: () => Promise<void>
}

/**
 * Reads the development mail sink. Servers without one answer the path with
 * the dashboard's HTML (or an error), which reads as "no sink".
 */
export function useDevMailSink(): DevMailSink {
  const [state, setState] = useState<Omit<DevMailSink, 'reload'>>({ available: false, name: '', messages: [] })
  const reload = useCallback(async () => {
    try {
      const res = await fetch('/dev/mail/messages', { headers: { Accept: 'application/json' } })
      const type = res.headers.get('Content-Type') ?? ''
      if (!res.ok || !type.startsWith('application/json')) return setState({ available: false, name: '', messages: [] })
      const body = (await res.json()) as { name: string; messages: SinkMessage[] }
      setState({ available: true, name: body.name, messages: body.messages })
    } catch {
      setState({ available: false, name: '', messages: [] })
    }
  }, [])
  useEffect(() => {
    void reload()
  }, [reload])
  return { ...state, reload }
}

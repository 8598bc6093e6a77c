import { Button, Card, EmptyState, PageHeader } from '../../components/ui'
import { formatDateTime } from '../../lib/format'
import { useDevMailSink } from './devMail'

/**
 * `/dev/mail`: the development mail sink — e-mail this server would have
 * sent, kept in memory because no SMTP server is configured. Development and
 * test servers only.
 */
export default function DevMailScreen() {
  const sink = useDevMailSink()
  if (!sink.available) {
    return (
      <EmptyState
        title="No development mail sink"
        description="This server sends e-mail through its SMTP server (or has no e-mail): there is no sink to show."
      />
    )
  }
  return (
    <>
      <PageHeader
        title={sink.name}
        description="E-mail this development server would have sent. Nothing here left the server; the newest 100 messages are kept until it restarts."
      />
      <Card title="Messages" actions={<Button onClick={() => void sink.reload()}>Refresh</Button>}>
        {sink.messages.length === 0 ? (
          <EmptyState title="No messages yet" description="Send a test to an e-mail notification channel." />
        ) : (
          <ol className="flex flex-col gap-4">
            {sink.messages.map((m) => (
              <li key={m.seq} className="rounded-md border border-line p-4">
                <article aria-label={m.subject}>
                  <h3 className="font-medium break-words">{m.subject}</h3>
                  <p className="text-sm text-muted break-all">
                    To {m.to.join(', ')} · from {m.from} · {formatDateTime(m.date)}
                  </p>
                  <pre className="mt-3 text-sm break-words whitespace-pre-wrap">{m.text}</pre>
                </article>
              </li>
            ))}
          </ol>
        )}
      </Card>
    </>
  )
}

import { useMutation, useQuery } from '@apollo/client/react'
import { useEffect, useState } from 'react'

import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  CheckboxGroup,
  ConfirmDialog,
  ConnectionTable,
  Dialog,
  EmptyState,
  Field,
  Input,
  SecretOnceDialog,
  Select,
  Td,
  TextLink,
  type Tone,
} from '../../components/ui'
import type {
  IncidentSeverity,
  NotificationChannelFieldsFragment,
  NotificationChannelKind,
  NotificationDeliveryStatus,
  NotificationEvent,
  NotificationSubscriptionsInput,
} from '../../gql/graphql'
import { formatDateTime } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { keysOf, SEVERITIES } from '../../trust/labels'
import { useDevMailSink } from './devMail'
import {
  CreateNotificationChannelDocument,
  DeleteNotificationChannelDocument,
  NotificationChannelsDocument,
  NotificationDeliveriesDocument,
  TestNotificationChannelDocument,
  UpdateNotificationChannelDocument,
} from './notificationOperations'
import { PAGE_SIZE } from './paging'

type Channel = NotificationChannelFieldsFragment

export const KINDS: Record<NotificationChannelKind, { label: string; target: string; hint: string }> = {
  EMAIL: { label: 'E-mail', target: 'E-mail address', hint: 'One address, e.g. oncall@example.com.' },
  SLACK: {
    label: 'Slack',
    target: 'Incoming-webhook URL',
    hint: 'From Slack’s “Incoming Webhooks” app: https://hooks.slack.com/services/…',
  },
  WEBHOOK: {
    label: 'Webhook',
    target: 'URL',
    hint: 'An https address. Each request is signed; you get the signing secret once, after creating the channel.',
  },
}

export const EVENTS: Record<NotificationEvent, string> = {
  INCIDENT_OPENED: 'Incident opened',
  INCIDENT_CLOSED: 'Incident resolved',
  ACTION_AWAITING_APPROVAL: 'Waiting for approval',
  AUTOPILOT_MODE_CHANGED: 'Autopilot mode',
  DAILY_DIGEST: 'Daily digest',
  TEST: 'Test',
}

export const STATUSES: Record<NotificationDeliveryStatus, { label: string; tone: Tone }> = {
  PENDING: { label: 'Pending', tone: 'warning' },
  SENT: { label: 'Sent', tone: 'success' },
  FAILED: { label: 'Failed', tone: 'error' },
}

/** What a channel hears, in words. */
export function hears(s: Channel['subscriptions']): string {
  const parts: string[] = []
  const incidents = [s.incidentsOpened && 'opened', s.incidentsClosed && 'resolved'].filter(Boolean)
  if (incidents.length) {
    parts.push(`Incidents ${incidents.join(' and ')} (${SEVERITIES[s.minIncidentSeverity].label} or worse)`)
  }
  if (s.actionsAwaitingApproval) parts.push('approvals')
  if (s.autopilotModeChanges) parts.push('autopilot mode')
  if (s.dailyDigest) parts.push('daily digest')
  if (!parts.length) return 'Nothing (tests only)'
  const text = parts.join(', ')
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Settings → Notifications: channels (add, send a test, turn off, delete) and the delivery log. */
export function NotificationsSettings() {
  const { data, loading, error, refetch, fetchMore } = useQuery(NotificationChannelsDocument, {
    variables: { first: PAGE_SIZE },
  })
  const log = useQuery(NotificationDeliveriesDocument, { variables: { first: PAGE_SIZE } })
  const [creating, setCreating] = useState(false)
  const [deleting, setDeleting] = useState<Channel | null>(null)
  const [test] = useMutation(TestNotificationChannelDocument)
  const [update] = useMutation(UpdateNotificationChannelDocument)
  const [remove, removing] = useMutation(DeleteNotificationChannelDocument)
  const act = useToastedAction()
  const sink = useDevMailSink()

  // Follow the log while something is on its way (a query costs rate-limit points: every 5 s).
  const pending = log.data?.notificationDeliveries.edges.some((e) => e.node.status === 'PENDING') ?? false
  const { startPolling, stopPolling } = log
  useEffect(() => {
    if (pending) startPolling(5000)
    else stopPolling()
    return () => stopPolling()
  }, [pending, startPolling, stopPolling])

  const sendTest = async (c: Channel) => {
    const ok = await act(
      async () => (await test({ variables: { input: { id: c.id } } })).data?.testNotificationChannel.userErrors ?? [],
      `Test queued for “${c.name}”: the delivery log shows how it went`,
    )
    if (ok) void log.refetch()
  }
  const toggle = (c: Channel) =>
    act(
      async () =>
        (await update({ variables: { input: { id: c.id, enabled: !c.enabled } } })).data?.updateNotificationChannel
          .userErrors ?? [],
      c.enabled ? `“${c.name}” turned off` : `“${c.name}” turned on`,
    )
  const onDelete = async (c: Channel) => {
    const ok = await act(
      async () =>
        (await remove({ variables: { input: { id: c.id } } })).data?.deleteNotificationChannel.userErrors ?? [],
      `“${c.name}” deleted`,
    )
    setDeleting(null)
    if (ok) {
      void refetch()
      void log.refetch()
    }
  }

  return (
    <div className="flex flex-col gap-6">
      <Card
        title="Notification channels"
        description="Where Stratum tells your team about incidents, actions waiting for approval, autopilot changes and the daily digest. Every message links to the screen it is about."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            Add channel
          </Button>
        }
      >
        {sink.available && (
          <p className="mb-4 text-sm text-muted">
            This server has no SMTP server: e-mail goes to the <TextLink to="/dev/mail">development mail sink</TextLink>{' '}
            instead of being sent.
          </p>
        )}
        <ConnectionTable
          connection={data?.notificationChannels}
          loading={loading}
          error={error}
          onRetry={() => void refetch()}
          loadingLabel="Loading channels…"
          caption="Notification channels"
          columns={['Name', 'Kind', 'Sends to', 'Hears', 'Status']}
          actions
          empty={
            <EmptyState
              title="No channels yet"
              description="Add an e-mail address, a Slack channel or a webhook to hear about problems without watching the dashboard."
            />
          }
          onLoadMore={(after) => fetchMore({ variables: { after } })}
          row={(c) => (
            <>
              <Td className="font-medium">{c.name}</Td>
              <Td>{KINDS[c.kind].label}</Td>
              <Td className="max-w-xs font-mono text-xs break-all">{c.target}</Td>
              <Td className="text-muted">{hears(c.subscriptions)}</Td>
              <Td>
                <Badge tone={c.enabled ? 'success' : 'neutral'}>{c.enabled ? 'On' : 'Off'}</Badge>
              </Td>
              <Td>
                <div className="flex flex-wrap justify-end gap-1">
                  <Button size="sm" onClick={() => void sendTest(c)} aria-label={`Send a test to ${c.name}`}>
                    Send test
                  </Button>
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => void toggle(c)}
                    aria-label={`${c.enabled ? 'Turn off' : 'Turn on'} ${c.name}`}
                  >
                    {c.enabled ? 'Turn off' : 'Turn on'}
                  </Button>
                  <Button size="sm" variant="ghost" onClick={() => setDeleting(c)} aria-label={`Delete ${c.name}`}>
                    Delete
                  </Button>
                </div>
              </Td>
            </>
          )}
        />
      </Card>
      <Card
        title="Delivery log"
        description="Every notification sent, newest first. Failed attempts are retried with backoff for about 80 minutes."
        actions={<Button onClick={() => void log.refetch()}>Refresh</Button>}
      >
        <ConnectionTable
          connection={log.data?.notificationDeliveries}
          loading={log.loading}
          error={log.error}
          onRetry={() => void log.refetch()}
          loadingLabel="Loading the delivery log…"
          caption="Delivery log"
          columns={['When', 'Channel', 'About', 'Status', 'Attempts', 'Result']}
          empty={<EmptyState title="Nothing sent yet" description="Send a test to a channel to see it here." />}
          onLoadMore={(after) => log.fetchMore({ variables: { after } })}
          row={(d) => (
            <>
              <Td className="whitespace-nowrap text-muted">{formatDateTime(d.createdAt)}</Td>
              <Td>{d.channel.name}</Td>
              <Td>
                <span className="font-medium">{EVENTS[d.event]}</span>
                <span className="block text-xs text-muted">{d.title}</span>
              </Td>
              <Td>
                <Badge tone={STATUSES[d.status].tone}>{STATUSES[d.status].label}</Badge>
              </Td>
              <Td>{d.attempts}</Td>
              <Td className="text-xs text-muted">
                {d.status === 'SENT'
                  ? `Accepted${d.responseCode ? ` (HTTP ${d.responseCode})` : ''}${d.sentAt ? ` at ${formatDateTime(d.sentAt)}` : ''}`
                  : (d.lastError ?? 'Waiting for the first attempt')}
              </Td>
            </>
          )}
        />
      </Card>
      {creating && <CreateChannelDialog onClose={() => setCreating(false)} onCreated={() => void refetch()} />}
      <ConfirmDialog
        open={deleting !== null}
        title="Delete this channel?"
        description={`“${deleting?.name ?? ''}” stops receiving notifications and its delivery log is deleted.`}
        confirmLabel="Delete channel"
        loading={removing.loading}
        onCancel={() => setDeleting(null)}
        onConfirm={() => deleting && void onDelete(deleting)}
      />
    </div>
  )
}

const FIELDS = ['kind', 'name', 'target', 'minIncidentSeverity'] as const

const DEFAULT_SUBSCRIPTIONS: NotificationSubscriptionsInput = {
  incidentsOpened: true,
  incidentsClosed: true,
  minIncidentSeverity: 'HIGH',
  actionsAwaitingApproval: true,
  autopilotModeChanges: true,
  dailyDigest: false,
}

const TOGGLES: { key: Exclude<keyof NotificationSubscriptionsInput, 'minIncidentSeverity'>; label: string }[] = [
  { key: 'incidentsOpened', label: 'Incidents opened' },
  { key: 'incidentsClosed', label: 'Incidents resolved' },
  { key: 'actionsAwaitingApproval', label: 'Actions waiting for approval' },
  { key: 'autopilotModeChanges', label: 'Autopilot mode changes' },
  { key: 'dailyDigest', label: 'Daily digest (the previous UTC day, each morning)' },
]

/** The form, then — for a webhook — the one showing of its signing secret. */
export function CreateChannelDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [kind, setKind] = useState<NotificationChannelKind>('EMAIL')
  const [name, setName] = useState('')
  const [target, setTarget] = useState('')
  const [subs, setSubs] = useState(DEFAULT_SUBSCRIPTIONS)
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [secret, setSecret] = useState<string | null>(null)
  const [create, { loading }] = useMutation(CreateNotificationChannelDocument)

  const submit = async () => {
    const local: FormErrors<(typeof FIELDS)[number]>['fields'] = {}
    if (!name.trim()) local.name = 'Give the channel a name'
    if (!target.trim()) local.target = `Enter the ${KINDS[kind].target.toLowerCase()}`
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    try {
      const { data } = await create({
        variables: { input: { kind, name: name.trim(), target: target.trim(), subscriptions: subs } },
      })
      const payload = data!.createNotificationChannel
      if (!payload.channel) return setErrors(formErrors(payload.userErrors, FIELDS))
      onCreated()
      if (payload.signingSecret) setSecret(payload.signingSecret)
      else onClose()
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  if (secret) {
    return (
      <SecretOnceDialog
        title="Webhook channel created"
        label="Signing secret"
        value={secret}
        warning="Copy the signing secret now: this is the only time it is shown."
        onClose={onClose}
      >
        <p className="text-sm text-muted">
          Each request carries <code>Stratum-Signature: t=…,v1=…</code>. Compute HMAC-SHA256 with this secret over the
          timestamp, a dot and the raw body; accept the request only if it equals v1 and the timestamp is within 5
          minutes of your clock.
        </p>
      </SecretOnceDialog>
    )
  }
  const severity = (
    <Field label="Incidents from severity" error={errors.fields.minIncidentSeverity}>
      <Select
        value={subs.minIncidentSeverity}
        onChange={(e) => setSubs({ ...subs, minIncidentSeverity: e.target.value as IncidentSeverity })}
      >
        {keysOf(SEVERITIES).map((s) => (
          <option key={s} value={s}>
            {SEVERITIES[s].label} or worse
          </option>
        ))}
      </Select>
    </Field>
  )
  return (
    <Dialog
      open
      onClose={onClose}
      title="Add notification channel"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" loading={loading} onClick={() => void submit()}>
            Add channel
          </Button>
        </>
      }
    >
      <form
        aria-label="Add notification channel"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex flex-col gap-4"
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Kind" error={errors.fields.kind}>
          <Select value={kind} onChange={(e) => setKind(e.target.value as NotificationChannelKind)}>
            {keysOf(KINDS).map((k) => (
              <option key={k} value={k}>
                {KINDS[k].label}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Name" error={errors.fields.name} hint="E.g. “On-call” or “#ads-alerts”.">
          <Input value={name} onChange={(e) => setName(e.target.value)} maxLength={100} data-autofocus />
        </Field>
        <Field label={KINDS[kind].target} error={errors.fields.target} hint={KINDS[kind].hint}>
          <Input
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            type={kind === 'EMAIL' ? 'email' : 'url'}
            maxLength={2048}
          />
        </Field>
        <CheckboxGroup legend="Send">
          {TOGGLES.map(({ key, label }) => (
            <Checkbox
              key={key}
              label={label}
              checked={subs[key]}
              onChange={(e) => setSubs({ ...subs, [key]: e.target.checked })}
            />
          ))}
        </CheckboxGroup>
        {severity}
      </form>
    </Dialog>
  )
}

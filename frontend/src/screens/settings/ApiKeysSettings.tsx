import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

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
} from '../../components/ui'
import type { ApiKeyFieldsFragment, ApiKeyScope } from '../../gql/graphql'
import { formatDate, formatDateTime, titleCase } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { ApiKeysDocument, CreateApiKeyDocument, RevokeApiKeyDocument } from './operations'
import { PAGE_SIZE } from './paging'

type ApiKey = ApiKeyFieldsFragment

const SCOPES: { scope: ApiKeyScope; help: string }[] = [
  { scope: 'READ', help: 'queries' },
  { scope: 'WRITE', help: 'mutations' },
  { scope: 'INGEST', help: 'event ingestion' },
  { scope: 'ADMIN', help: 'audit log, keys' },
]

/** Lifetimes offered at creation, in days (null: never expires). */
const EXPIRY_DAYS = [
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
  { label: '1 year', days: 365 },
  { label: 'Never', days: null },
] as const

/** When a key created now with `days` of life expires, as RFC 3339 (null: never). */
export function expiryFrom(days: number | null, now = new Date()): string | null {
  return days === null ? null : new Date(now.getTime() + days * 86_400_000).toISOString()
}

function keyStatus(key: ApiKey, now = Date.now()): { label: string; tone: 'success' | 'neutral' | 'warning' } {
  if (key.revokedAt) return { label: 'Revoked', tone: 'neutral' }
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return { label: 'Expired', tone: 'warning' }
  return { label: 'Active', tone: 'success' }
}

/** Partner API keys: create (secret shown once), list, revoke. */
export function ApiKeysSettings() {
  const { data, loading, error, refetch, fetchMore } = useQuery(ApiKeysDocument, { variables: { first: PAGE_SIZE } })
  const [creating, setCreating] = useState(false)
  const [revokingKey, setRevokingKey] = useState<ApiKey | null>(null)
  const [revoke, revoking] = useMutation(RevokeApiKeyDocument)
  const act = useToastedAction()

  const onRevoke = async (key: ApiKey) => {
    await act(
      async () => (await revoke({ variables: { input: { id: key.id } } })).data?.revokeApiKey.userErrors ?? [],
      `API key “${key.name}” revoked`,
    )
    setRevokingKey(null)
  }

  const createButton = (
    <Button variant="primary" onClick={() => setCreating(true)}>
      Create API key
    </Button>
  )
  return (
    <Card
      title="API keys"
      description="Keys let partner systems call the API as this tenant. Send one as Authorization: Bearer <key>."
      actions={createButton}
    >
      <ConnectionTable
        connection={data?.apiKeys}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading API keys…"
        caption="API keys"
        columns={['Name', 'Key', 'Scopes', 'Last used', 'Expires', 'Status']}
        actions
        empty={<EmptyState title="No API keys yet" description="Create one for each system that calls Stratum." />}
        onLoadMore={(after) => fetchMore({ variables: { after } })}
        row={(key) => {
          const status = keyStatus(key)
          return (
            <>
              <Td className="font-medium">{key.name}</Td>
              <Td className="font-mono text-xs">stratum_{key.prefix}_…</Td>
              <Td>
                <div className="flex flex-wrap gap-1">
                  {key.scopes.map((s) => (
                    <Badge key={s}>{titleCase(s)}</Badge>
                  ))}
                </div>
              </Td>
              <Td className="text-muted">{key.lastUsedAt ? formatDateTime(key.lastUsedAt) : 'Never'}</Td>
              <Td className="text-muted">{key.expiresAt ? formatDate(key.expiresAt) : 'Never'}</Td>
              <Td>
                <Badge tone={status.tone}>{status.label}</Badge>
              </Td>
              <Td>
                {!key.revokedAt && (
                  <Button
                    size="sm"
                    variant="ghost"
                    onClick={() => setRevokingKey(key)}
                    aria-label={`Revoke API key ${key.name}`}
                  >
                    Revoke
                  </Button>
                )}
              </Td>
            </>
          )
        }}
      />
      {creating && <CreateApiKeyDialog onClose={() => setCreating(false)} onCreated={() => void refetch()} />}
      <ConfirmDialog
        open={revokingKey !== null}
        title="Revoke this API key?"
        description={`Systems using “${revokingKey?.name ?? ''}” are refused at once, on every server. This cannot be undone.`}
        confirmLabel="Revoke key"
        loading={revoking.loading}
        onCancel={() => setRevokingKey(null)}
        onConfirm={() => revokingKey && void onRevoke(revokingKey)}
      />
    </Card>
  )
}

const FIELDS = ['name', 'scopes', 'expiresAt'] as const

/** The creation form, then the one showing of the new key's secret. */
export function CreateApiKeyDialog({ onClose, onCreated }: { onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['READ'])
  const [expiry, setExpiry] = useState(0)
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [secret, setSecret] = useState<string | null>(null)
  const [create, { loading }] = useMutation(CreateApiKeyDocument)

  const toggle = (scope: ApiKeyScope, on: boolean) =>
    setScopes((s) => (on ? [...s, scope] : s.filter((x) => x !== scope)))

  const submit = async () => {
    const local: FormErrors<(typeof FIELDS)[number]>['fields'] = {}
    if (!name.trim()) local.name = 'Give the key a name'
    if (scopes.length === 0) local.scopes = 'Choose at least one scope'
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    try {
      const expiresAt = expiryFrom(EXPIRY_DAYS[expiry]!.days)
      const { data } = await create({ variables: { input: { name: name.trim(), scopes, expiresAt } } })
      const payload = data!.createApiKey
      if (!payload.secret) return setErrors(formErrors(payload.userErrors, FIELDS))
      setSecret(payload.secret)
      onCreated()
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  if (secret) {
    return (
      <SecretOnceDialog
        title="API key created"
        label="API key"
        value={secret}
        warning="Copy the key now: this is the only time it is shown. Stratum keeps only a hash of it."
        onClose={onClose}
      />
    )
  }
  return (
    <Dialog
      open
      onClose={onClose}
      title="Create API key"
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" loading={loading} onClick={() => void submit()}>
            Create key
          </Button>
        </>
      }
    >
      <form
        aria-label="Create API key"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex flex-col gap-4"
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Name" error={errors.fields.name} hint="E.g. the system that will use it.">
          <Input value={name} onChange={(e) => setName(e.target.value)} data-autofocus />
        </Field>
        <CheckboxGroup legend="Scopes" error={errors.fields.scopes}>
          {SCOPES.map(({ scope, help }) => (
            <Checkbox
              key={scope}
              label={
                <>
                  {titleCase(scope)} <span className="text-muted">({help})</span>
                </>
              }
              checked={scopes.includes(scope)}
              onChange={(e) => toggle(scope, e.target.checked)}
            />
          ))}
        </CheckboxGroup>
        <Field label="Expires after" error={errors.fields.expiresAt}>
          <Select value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
            {EXPIRY_DAYS.map((o, i) => (
              <option key={o.label} value={i}>
                {o.label}
              </option>
            ))}
          </Select>
        </Field>
      </form>
    </Dialog>
  )
}

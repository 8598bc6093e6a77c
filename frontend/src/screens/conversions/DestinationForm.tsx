import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Button, Checkbox, Field, Input, Select } from '../../components/ui'
import type { ConversionDestinationFieldsFragment } from '../../gql/graphql'
import { formErrors, noErrors, type FormErrors, type UserErrorLike } from '../../lib/userErrors'
import { PLATFORMS } from '../../trust/labels'
import { CreateConversionDestinationDocument, UpdateConversionDestinationDocument } from './operations'

/** The platforms a destination can forward to (the Platform enum without SIMULATOR). */
export const DESTINATION_PLATFORMS = ['META', 'GOOGLE', 'TIKTOK', 'SNAPCHAT'] as const
export type DestinationPlatform = (typeof DESTINATION_PLATFORMS)[number]

/** One credential field of a platform's form. */
export interface CredentialField {
  /** The key in the credentials object (and the last element of an error's path). */
  key: string
  label: string
  hint: string
  /** Tokens: a password input, never shown back. */
  secret?: boolean
  /** Needed when creating (Google's token fields are one-of, said in the hint). */
  required?: boolean
}

/** Each platform's credential fields, as the server validates them (createConversionDestination). */
export const CREDENTIAL_FIELDS: Record<DestinationPlatform, CredentialField[]> = {
  META: [
    { key: 'pixelId', label: 'Pixel (dataset) ID', hint: 'Digits, from Meta Events Manager.', required: true },
    {
      key: 'accessToken',
      label: 'Access token',
      hint: 'A Conversions API token generated in Events Manager.',
      secret: true,
      required: true,
    },
  ],
  GOOGLE: [
    { key: 'customerId', label: 'Customer ID', hint: '10 digits; 123-456-7890 is accepted.', required: true },
    {
      key: 'conversionActionId',
      label: 'Conversion action ID',
      hint: 'Digits: the conversion action events are uploaded to.',
      required: true,
    },
    {
      key: 'developerToken',
      label: 'Developer token',
      hint: 'Your Google Ads API developer token.',
      secret: true,
      required: true,
    },
    {
      key: 'loginCustomerId',
      label: 'Manager account ID (optional)',
      hint: 'The manager (MCC) account, when access goes through one.',
    },
    {
      key: 'refreshToken',
      label: 'Refresh token',
      hint: 'Give exactly one of refresh token, access token or platform connection ID.',
      secret: true,
    },
    { key: 'accessToken', label: 'Access token', hint: 'Instead of a refresh token.', secret: true },
    {
      key: 'connectionId',
      label: 'Platform connection ID',
      hint: 'Instead of a token: reuse one of this workspace’s Google connections (Platforms screen).',
    },
  ],
  TIKTOK: [
    { key: 'pixelCode', label: 'Pixel code', hint: 'Letters and digits, from TikTok Events Manager.', required: true },
    { key: 'accessToken', label: 'Access token', hint: 'An Events API access token.', secret: true, required: true },
  ],
  SNAPCHAT: [
    { key: 'pixelId', label: 'Pixel ID', hint: 'A UUID, from Snapchat Ads Manager.', required: true },
    {
      key: 'accessToken',
      label: 'Access token',
      hint: 'A Conversions API token generated in Ads Manager.',
      secret: true,
      required: true,
    },
  ],
}

const OTHER_FIELDS = ['platform', 'name', 'baseUrl', 'testEventCode'] as const

/** Every field name an error path can end with. */
export const FORM_FIELDS: readonly string[] = [
  ...OTHER_FIELDS,
  ...new Set(Object.values(CREDENTIAL_FIELDS).flatMap((fs) => fs.map((f) => f.key))),
]

type Destination = ConversionDestinationFieldsFragment

/** One row of the mappings editor (empty paths: the standard event's defaults). */
export interface MappingRow {
  source: string
  target: string
  value: string
  currency: string
  contentIds: string
  orderId: string
}

const MAPPING_COLUMNS: { key: keyof MappingRow; label: string; placeholder: string }[] = [
  { key: 'source', label: 'CDP event', placeholder: 'Order Completed' },
  { key: 'target', label: 'Platform event', placeholder: 'Purchase' },
  { key: 'value', label: 'Value path', placeholder: 'properties.revenue' },
  { key: 'currency', label: 'Currency path', placeholder: 'properties.currency' },
  { key: 'contentIds', label: 'Content IDs path', placeholder: 'properties.products.product_id' },
  { key: 'orderId', label: 'Order ID path', placeholder: 'properties.order_id' },
]

const emptyRow: MappingRow = { source: '', target: '', value: '', currency: '', contentIds: '', orderId: '' }

function rowsOf(d?: Destination): MappingRow[] {
  return (d?.eventMappings ?? []).map((m) => ({
    source: m.source,
    target: m.target,
    value: m.value ?? '',
    currency: m.currency ?? '',
    contentIds: m.contentIds ?? '',
    orderId: m.orderId ?? '',
  }))
}

/**
 * Splits off the errors about event mappings (["input", "eventMappings", "2", "target"]):
 * keyed "2.target" (or "2" / "" when the path stops earlier); the rest stays for formErrors.
 */
export function mappingErrors<E extends { field?: readonly string[] | null; message: string }>(
  errors: readonly E[],
): { mappings: Record<string, string>; rest: E[] } {
  const mappings: Record<string, string> = {}
  const rest: E[] = []
  for (const e of errors) {
    const f = e.field ?? []
    if (f[0] === 'input' && f[1] === 'eventMappings') mappings[f.slice(2).join('.')] = e.message
    else rest.push(e)
  }
  return { mappings, rest }
}

export interface DestinationFormProps {
  /** The destination to edit; a new one when absent. */
  destination?: Destination
  onSaved: (d: Destination) => void
  onCancel: () => void
}

/**
 * Creates or edits a conversion destination: the platform's credential
 * fields (tokens in password inputs), name, test event code, base URL and
 * flags. The server's userErrors show at the field their path names
 * (["input", "credentials", "pixelId"] → the pixel ID field). Editing, an
 * empty credential field keeps the stored value (values are never shown).
 */
export function DestinationForm({ destination, onSaved, onCancel }: DestinationFormProps) {
  const editing = destination !== undefined
  const [platform, setPlatform] = useState<DestinationPlatform>(
    (destination?.platform as DestinationPlatform | undefined) ?? 'META',
  )
  const [name, setName] = useState(destination?.name ?? '')
  const [creds, setCreds] = useState<Record<string, string>>({})
  // Editing: optional stored fields to remove (sent as the empty string).
  const [removed, setRemoved] = useState<Record<string, boolean>>({})
  const [testEventCode, setTestEventCode] = useState(destination?.testEventCode ?? '')
  const [baseUrl, setBaseUrl] = useState(destination?.baseUrl ?? '')
  const [limitedDataUse, setLimitedDataUse] = useState(destination?.limitedDataUse ?? false)
  const [legitimateInterest, setLegitimateInterest] = useState(destination?.legitimateInterest ?? false)
  const [mappings, setMappings] = useState<MappingRow[]>(() => rowsOf(destination))
  const [errors, setErrors] = useState<FormErrors<string>>(noErrors)
  const [mapErrors, setMapErrors] = useState<Record<string, string>>({})
  const [create, { loading: creating }] = useMutation(CreateConversionDestinationDocument)
  const [update, { loading: updating }] = useMutation(UpdateConversionDestinationDocument)
  const fields = CREDENTIAL_FIELDS[platform]
  const formId = editing ? `destination-${destination.id}` : 'new-destination'

  const submit = async () => {
    const local: Record<string, string> = {}
    if (!name.trim()) local.name = 'Give the destination a name'
    if (!editing) {
      for (const f of fields) if (f.required && !creds[f.key]?.trim()) local[f.key] = `${f.label} is needed`
    }
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    setErrors(noErrors)
    setMapErrors({})
    const eventMappings = mappings.map((m) => ({
      source: m.source.trim(),
      target: m.target.trim(),
      value: m.value.trim() || null,
      currency: m.currency.trim() || null,
      contentIds: m.contentIds.trim() || null,
      orderId: m.orderId.trim() || null,
    }))
    const refused = (ue: readonly UserErrorLike[]) => {
      const { mappings: byRow, rest } = mappingErrors(ue)
      setMapErrors(byRow)
      setErrors(formErrors(rest, FORM_FIELDS))
    }
    // Only this platform's fields, and only those filled in.
    const credentials: Record<string, string> = {}
    for (const f of fields) {
      if (creds[f.key]?.trim()) credentials[f.key] = creds[f.key]!.trim()
      else if (editing && removed[f.key]) credentials[f.key] = ''
    }
    try {
      if (editing) {
        const p = (
          await update({
            variables: {
              input: {
                id: destination.id,
                name: name.trim(),
                credentials: Object.keys(credentials).length ? credentials : null,
                testEventCode: testEventCode.trim(),
                baseUrl: baseUrl.trim(),
                limitedDataUse,
                legitimateInterest,
                eventMappings,
              },
            },
          })
        ).data?.updateConversionDestination
        if (!p?.destination || p.userErrors.length) return refused(p?.userErrors ?? [])
        onSaved(p.destination)
      } else {
        const p = (
          await create({
            variables: {
              input: {
                platform,
                name: name.trim(),
                credentials,
                testEventCode: testEventCode.trim() || null,
                baseUrl: baseUrl.trim() || null,
                limitedDataUse,
                legitimateInterest,
                eventMappings,
              },
            },
          })
        ).data?.createConversionDestination
        if (!p?.destination || p.userErrors.length) return refused(p?.userErrors ?? [])
        onSaved(p.destination)
      }
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  const set = (key: string, value: string) => setCreds((c) => ({ ...c, [key]: value }))
  return (
    <form
      id={formId}
      aria-label={editing ? `Edit ${destination.name}` : 'New conversion destination'}
      noValidate
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault()
        void submit()
      }}
    >
      {errors.form && <Alert>{errors.form}</Alert>}
      <div className="grid gap-4 md:grid-cols-2">
        <Field label="Platform" error={errors.fields.platform}>
          <Select
            value={platform}
            disabled={editing}
            onChange={(e) => {
              setPlatform(e.target.value as DestinationPlatform)
              setCreds({})
              setErrors(noErrors)
            }}
          >
            {DESTINATION_PLATFORMS.map((p) => (
              <option key={p} value={p}>
                {PLATFORMS[p]}
              </option>
            ))}
          </Select>
        </Field>
        <Field label="Name" error={errors.fields.name} hint="E.g. the pixel or conversion action (1–100 characters).">
          <Input value={name} onChange={(e) => setName(e.target.value)} data-autofocus />
        </Field>
      </div>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-sm font-medium">{PLATFORMS[platform]} credentials</legend>
        {editing && (
          <p className="text-sm text-muted">
            Set now: {destination.credentialKeys.join(', ') || 'none'}. Values are never shown; leave a field empty to
            keep it. To switch Google from a refresh token to an access token, fill in one and remove the other.
          </p>
        )}
        <div className="grid gap-4 md:grid-cols-2">
          {fields.map((f) => (
            <Field key={`${platform}-${f.key}`} label={f.label} error={errors.fields[f.key]} hint={f.hint}>
              <Input
                type={f.secret ? 'password' : 'text'}
                autoComplete={f.secret ? 'new-password' : 'off'}
                value={creds[f.key] ?? ''}
                placeholder={editing && destination.credentialKeys.includes(f.key) ? '•••••• (set)' : undefined}
                onChange={(e) => set(f.key, e.target.value)}
              />
              {editing && !f.required && destination.credentialKeys.includes(f.key) && (
                <Checkbox
                  label={`Remove the stored ${f.label.replace(' (optional)', '').toLowerCase()}`}
                  checked={removed[f.key] ?? false}
                  onChange={(e) => setRemoved((r) => ({ ...r, [f.key]: e.target.checked }))}
                />
              )}
            </Field>
          ))}
        </div>
      </fieldset>
      <div className="grid gap-4 md:grid-cols-2">
        <Field
          label="Test event code (optional)"
          error={errors.fields.testEventCode}
          hint="While set, every event is sent as a test (Meta’s and TikTok’s test events tools show them)."
        >
          <Input value={testEventCode} onChange={(e) => setTestEventCode(e.target.value)} />
        </Field>
        <Field
          label="API base URL (optional)"
          error={errors.fields.baseUrl}
          hint="Empty: the platform’s own API. https only (http to a local test server in development)."
        >
          <Input value={baseUrl} onChange={(e) => setBaseUrl(e.target.value)} />
        </Field>
      </div>
      <fieldset className="flex flex-col gap-3">
        <legend className="mb-2 text-sm font-medium">Event mappings</legend>
        <p className="text-sm text-muted">
          Your own mappings from a CDP event to the platform’s event, applied before the platform’s defaults for
          standard events (e.g. Order Completed → Purchase). Empty paths take the standard event’s defaults.
        </p>
        {mapErrors[''] && <Alert>{mapErrors['']}</Alert>}
        {mappings.map((m, i) => (
          <div
            key={i}
            role="group"
            aria-label={`Mapping ${i + 1}`}
            className="flex flex-col gap-2 rounded-md border border-line p-3"
          >
            {mapErrors[String(i)] && <Alert>{mapErrors[String(i)]}</Alert>}
            <div className="grid gap-3 md:grid-cols-3">
              {MAPPING_COLUMNS.map((c) => (
                <Field key={c.key} label={c.label} error={mapErrors[`${i}.${c.key}`]}>
                  <Input
                    value={m[c.key]}
                    placeholder={c.placeholder}
                    onChange={(e) =>
                      setMappings((ms) => ms.map((x, j) => (j === i ? { ...x, [c.key]: e.target.value } : x)))
                    }
                  />
                </Field>
              ))}
            </div>
            <div>
              <Button size="sm" variant="ghost" onClick={() => setMappings((ms) => ms.filter((_, j) => j !== i))}>
                Remove mapping {i + 1}
              </Button>
            </div>
          </div>
        ))}
        <div>
          <Button size="sm" onClick={() => setMappings((ms) => [...ms, { ...emptyRow }])}>
            Add mapping
          </Button>
        </div>
      </fieldset>
      <div className="flex flex-col gap-2">
        {platform === 'META' && (
          <Checkbox
            label="Limited Data Use (Meta’s data processing option for US state privacy laws)"
            checked={limitedDataUse}
            onChange={(e) => setLimitedDataUse(e.target.checked)}
          />
        )}
        <Checkbox
          label="Forward people without an ads consent decision, on the ground of legitimate interest (recorded with your name)"
          checked={legitimateInterest}
          onChange={(e) => setLegitimateInterest(e.target.checked)}
        />
      </div>
      <div className="flex flex-wrap justify-end gap-2">
        <Button onClick={onCancel}>Cancel</Button>
        <Button variant="primary" type="submit" loading={creating || updating}>
          {editing ? 'Save changes' : 'Create destination'}
        </Button>
      </div>
    </form>
  )
}

import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Button, Checkbox, Field, Input, Select } from '../../components/ui'
import type { ConversionDestinationFieldsFragment } from '../../gql/graphql'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
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
  const [errors, setErrors] = useState<FormErrors<string>>(noErrors)
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
              },
            },
          })
        ).data?.updateConversionDestination
        if (!p?.destination || p.userErrors.length) return setErrors(formErrors(p?.userErrors ?? [], FORM_FIELDS))
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
              },
            },
          })
        ).data?.createConversionDestination
        if (!p?.destination || p.userErrors.length) return setErrors(formErrors(p?.userErrors ?? [], FORM_FIELDS))
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

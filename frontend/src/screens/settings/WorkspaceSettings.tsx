import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Button, Card, Checkbox, Field, Input, useToast } from '../../components/ui'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { useViewer } from '../../session/SessionProvider'
import { UpdateTenantSettingsDocument } from './operations'

const FIELDS = ['name', 'requireMfa'] as const

/** The tenant's name and whether every member must use MFA (owners only). */
export function WorkspaceSettings() {
  const { tenant } = useViewer()
  const toast = useToast()
  const [name, setName] = useState(tenant.name)
  const [requireMfa, setRequireMfa] = useState(tenant.requireMfa)
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [update, { loading }] = useMutation(UpdateTenantSettingsDocument)

  const submit = async () => {
    if (!name.trim()) return setErrors({ fields: { name: 'Enter a name' }, form: null })
    try {
      const { data } = await update({ variables: { input: { name: name.trim(), requireMfa } } })
      const payload = data!.updateTenantSettings
      setErrors(formErrors(payload.userErrors, FIELDS))
      if (payload.tenant) toast.show({ message: 'Workspace settings saved' })
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  return (
    <Card title="Workspace" description="Settings that apply to everyone in this tenant.">
      <form
        aria-label="Workspace settings"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex max-w-lg flex-col gap-4"
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Name" error={errors.fields.name}>
          <Input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <div className="flex flex-col gap-1">
          <Checkbox
            label="Require two-factor authentication"
            checked={requireMfa}
            onChange={(e) => setRequireMfa(e.target.checked)}
          />
          <p className="text-xs text-muted">
            Members without it can do nothing but set it up. {errors.fields.requireMfa}
          </p>
        </div>
        <div>
          <Button type="submit" variant="primary" loading={loading}>
            Save
          </Button>
        </div>
      </form>
    </Card>
  )
}

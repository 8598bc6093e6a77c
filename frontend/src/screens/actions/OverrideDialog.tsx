import { useApolloClient, useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Button, Dialog, Field, Input, useToast } from '../../components/ui'
import type { ActionFieldsFragment } from '../../gql/graphql'
import { formErrors } from '../../lib/userErrors'
import { ApplyActionDocument } from '../../trust/operations'
import { writeActionIfNewer } from '../../trust/writeIfNewer'

/**
 * The admin's manual override: applies an action whatever the gate says.
 * The reason is required and audited.
 */
export function OverrideDialog({
  action,
  title,
  onClose,
}: {
  action: ActionFieldsFragment
  title: string
  onClose: () => void
}) {
  const toast = useToast()
  const [reason, setReason] = useState('')
  const [fieldError, setFieldError] = useState<string | undefined>(undefined)
  const [formError, setFormError] = useState<string | null>(null)
  const client = useApolloClient()
  const [apply, { loading }] = useMutation(ApplyActionDocument, { fetchPolicy: 'no-cache' })

  const submit = async () => {
    const text = reason.trim()
    if (text.length < 3 || text.length > 500) return setFieldError('Give a reason of 3–500 characters')
    setFieldError(undefined)
    try {
      const payload = (await apply({ variables: { input: { id: action.id, reason: text } } })).data?.applyAction
      if (payload && payload.userErrors.length > 0) {
        const errors = formErrors(payload.userErrors, ['reason'] as const)
        setFieldError(errors.fields.reason)
        return setFormError(errors.form)
      }
      if (payload?.action) writeActionIfNewer(client, payload.action)
      toast.show({ message: `Applied by override: ${title}` })
      onClose()
    } catch (e) {
      setFormError((e as Error).message)
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title="Override the trust gate?"
      description={`“${title}” runs now, whatever the gate decided (${action.decision.toLowerCase()}). The reason is kept in the audit log.`}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" onClick={() => void submit()} loading={loading}>
            Apply now
          </Button>
        </>
      }
    >
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
      >
        <Field
          label="Reason for the override"
          error={fieldError}
          hint="3–500 characters, e.g. “Launch approved by marketing lead”."
        >
          <Input value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} required />
        </Field>
        {formError && <Alert>{formError}</Alert>}
      </form>
    </Dialog>
  )
}

import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Button, Field, Input, TextLink } from '../../components/ui'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { RequestPasswordResetDocument } from '../../session/operations'
import { AuthLayout, FormStack } from './AuthLayout'

const FIELDS = ['email'] as const

/** How long a reset link works (the server's auth.ResetTokenTTL). */
export const RESET_LINK_MINUTES = 30

/**
 * Asks for a password-reset link. The answer is the same whether or not
 * the address has an account: the screen never says which.
 */
export default function ForgotPasswordScreen() {
  const [email, setEmail] = useState('')
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [sentTo, setSentTo] = useState<string | null>(null)
  const [request, { loading }] = useMutation(RequestPasswordResetDocument)

  const submit = async () => {
    const address = email.trim()
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
      return setErrors({ fields: { email: 'Enter a valid email address' }, form: null })
    }
    try {
      const { data } = await request({ variables: { input: { email: address } } })
      const payload = data?.requestPasswordReset
      if (!payload) return
      setErrors(formErrors(payload.userErrors, FIELDS))
      if (payload.success) setSentTo(address)
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  return (
    <AuthLayout
      title="Reset your password"
      subtitle={
        sentTo ? undefined : 'Enter your account’s email address and we will send you a link to choose a new password.'
      }
      footer={
        <>
          Remembered it? <TextLink to="/login">Sign in</TextLink>
        </>
      }
    >
      {sentTo ? (
        <Alert tone="success">
          If an account uses {sentTo}, a link to reset its password is on its way there. It works once, for{' '}
          {RESET_LINK_MINUTES} minutes.
        </Alert>
      ) : (
        <FormStack onSubmit={submit} label="Reset your password">
          {errors.form && <Alert>{errors.form}</Alert>}
          <Field label="Email" error={errors.fields.email}>
            <Input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Button type="submit" variant="primary" loading={loading}>
            Send reset link
          </Button>
        </FormStack>
      )}
    </AuthLayout>
  )
}

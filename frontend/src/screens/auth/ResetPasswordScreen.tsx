import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { useLocation, useNavigate } from 'react-router-dom'

import { Alert, Button, Field, Input, TextLink } from '../../components/ui'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { ResetPasswordDocument } from '../../session/operations'
import { useSession } from '../../session/SessionProvider'
import { AuthLayout, FormStack } from './AuthLayout'
import { linkToken } from './linkToken'
import type { LoginState } from './LoginScreen'
import { MIN_PASSWORD_LENGTH, PASSWORD_HINT } from './passwordRule'

const FIELDS = ['newPassword', 'token'] as const

/** What the log-in screen says after a reset. */
export const PASSWORD_CHANGED = 'Your password was changed and every session signed out. Sign in with the new password.'

/**
 * Chooses a new password with the token of a reset link. On success every
 * session of the account has ended (this browser's too, if it had one):
 * the log-in screen says so.
 */
export default function ResetPasswordScreen() {
  const token = linkToken(useLocation())
  const navigate = useNavigate()
  const { viewer, signOut } = useSession()
  const [password, setPassword] = useState('')
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [reset, { loading }] = useMutation(ResetPasswordDocument)

  if (!token) {
    return (
      <AuthLayout title="Reset link incomplete" footer={<TextLink to="/forgot-password">Ask for a new link</TextLink>}>
        <Alert>This link has no reset token. Ask for a new one.</Alert>
      </AuthLayout>
    )
  }

  const submit = async () => {
    if ([...password].length < MIN_PASSWORD_LENGTH) {
      return setErrors({ fields: { newPassword: `Use at least ${MIN_PASSWORD_LENGTH} characters` }, form: null })
    }
    try {
      const { data } = await reset({ variables: { input: { token, newPassword: password } } })
      const payload = data?.resetPassword
      if (!payload) return
      setErrors(formErrors(payload.userErrors, FIELDS))
      if (!payload.success) return
      if (viewer) await signOut()
      navigate('/login', { replace: true, state: { message: PASSWORD_CHANGED } satisfies LoginState })
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  const linkProblem = errors.fields.token
  return (
    <AuthLayout
      title="Choose a new password"
      subtitle="Every session of your account ends when you save it."
      footer={<TextLink to="/login">Back to sign in</TextLink>}
    >
      <FormStack onSubmit={submit} label="Choose a new password">
        {errors.form && <Alert>{errors.form}</Alert>}
        {linkProblem && (
          <Alert>
            {linkProblem} <TextLink to="/forgot-password">Ask for a new link</TextLink>
          </Alert>
        )}
        <Field label="New password" error={errors.fields.newPassword} hint={PASSWORD_HINT}>
          <Input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Button type="submit" variant="primary" loading={loading}>
          Save new password
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { Link, useLocation, useNavigate } from 'react-router-dom'

import type { FromState } from '../../App'
import { Alert, Button, Field, Input } from '../../components/ui'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { LogInDocument } from '../../session/operations'
import { useSession } from '../../session/SessionProvider'
import { AuthLayout, FormStack } from './AuthLayout'
import type { MfaChallengeState } from './MfaChallengeScreen'

const FIELDS = ['email', 'password'] as const

/** Email and password; hands over to the MFA challenge when the account has MFA. */
export default function LoginScreen() {
  const { notice, establish } = useSession()
  const navigate = useNavigate()
  const from = (useLocation().state as FromState | null)?.from
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [logIn, { loading }] = useMutation(LogInDocument)

  const submit = async () => {
    const missing = {
      ...(email ? {} : { email: 'Enter your email' }),
      ...(password ? {} : { password: 'Enter your password' }),
    }
    if (Object.keys(missing).length) return setErrors({ fields: missing, form: null })
    try {
      const { data } = await logIn({ variables: { input: { email: email.trim(), password } } })
      const payload = data!.logIn
      if (payload.mfaRequired && payload.challengeToken) {
        const state: MfaChallengeState = { challengeToken: payload.challengeToken, email, ...(from ? { from } : {}) }
        return navigate('/mfa', { state })
      }
      if (payload.viewer) return await establish()
      setErrors(formErrors(payload.userErrors, FIELDS))
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back to Stratum."
      footer={
        <>
          New to Stratum?{' '}
          <Link to="/signup" className="font-medium text-primary-ink underline">
            Create an account
          </Link>
        </>
      }
    >
      <FormStack onSubmit={submit} label="Sign in">
        {notice && <Alert tone="warning">{notice}</Alert>}
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Email" error={errors.fields.email}>
          <Input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
        </Field>
        <Field label="Password" error={errors.fields.password}>
          <Input
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <Button type="submit" variant="primary" loading={loading}>
          Sign in
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

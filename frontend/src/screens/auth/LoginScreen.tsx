import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { useLocation, useNavigate } from 'react-router-dom'

import type { FromState } from '../../App'
import { Alert, Button, Field, Input, TextLink } from '../../components/ui'
import { LogInDocument } from '../../session/operations'
import { useSession } from '../../session/SessionProvider'
import { AuthLayout, FormStack } from './AuthLayout'
import { useAuthForm } from './useAuthForm'
import type { MfaChallengeState } from './MfaChallengeScreen'

const FIELDS = ['email', 'password'] as const

/** What may lead to log-in: where the visitor was going, and what to tell them (e.g. that their password was changed). */
export interface LoginState extends FromState {
  message?: string
}

/** Email and password; hands over to the MFA challenge when the account has MFA. */
export default function LoginScreen() {
  const { notice } = useSession()
  const navigate = useNavigate()
  const state = useLocation().state as LoginState | null
  const from = state?.from
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const { errors, invalid, submit: send } = useAuthForm(FIELDS)
  const [logIn, { loading }] = useMutation(LogInDocument)

  const submit = async () => {
    const missing = {
      ...(email ? {} : { email: 'Enter your email' }),
      ...(password ? {} : { password: 'Enter your password' }),
    }
    if (Object.keys(missing).length) return invalid(missing)
    const payload = await send(
      async () => (await logIn({ variables: { input: { email: email.trim(), password } } })).data?.logIn,
    )
    if (payload?.mfaRequired && payload.challengeToken) {
      const state: MfaChallengeState = { challengeToken: payload.challengeToken, email, ...(from ? { from } : {}) }
      navigate('/mfa', { state })
    }
  }

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back to Stratum."
      footer={
        <>
          New to Stratum? <TextLink to="/signup">Create an account</TextLink>
        </>
      }
    >
      <FormStack onSubmit={submit} label="Sign in">
        {state?.message && <Alert tone="success">{state.message}</Alert>}
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
        <p className="-mt-2 text-sm">
          <TextLink to="/forgot-password">Forgot password?</TextLink>
        </p>
        <Button type="submit" variant="primary" loading={loading}>
          Sign in
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

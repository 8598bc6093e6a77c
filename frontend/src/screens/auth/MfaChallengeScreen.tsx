import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { Navigate, useLocation } from 'react-router-dom'

import { Alert, Button, Field, Input, TextLink } from '../../components/ui'
import { VerifyMfaDocument } from '../../session/operations'
import { AuthLayout, FormStack } from './AuthLayout'
import { useAuthForm } from './useAuthForm'

/** What the log-in screen hands over (kept in history state, never in the URL). */
export interface MfaChallengeState {
  challengeToken: string
  email: string
  from?: string
}

const FIELDS = ['code'] as const

/** The second step of log-in: a TOTP code or a backup code. */
export default function MfaChallengeScreen() {
  const state = useLocation().state as MfaChallengeState | null
  const [useBackup, setUseBackup] = useState(false)
  const [code, setCode] = useState('')
  const { errors, invalid, reset, submit: send } = useAuthForm(FIELDS)
  const [verify, { loading }] = useMutation(VerifyMfaDocument)

  if (!state?.challengeToken) return <Navigate to="/login" replace />

  const submit = async () => {
    const value = code.replace(/\s+/g, '')
    if (!value) return invalid({ code: 'Enter the code' })
    const input = { challengeToken: state.challengeToken, code: value }
    await send(async () => (await verify({ variables: { input } })).data?.verifyMfa)
  }

  return (
    <AuthLayout
      title="Two-factor authentication"
      subtitle={<>Signing in as {state.email}.</>}
      footer={<TextLink to="/login">Start over</TextLink>}
    >
      <FormStack onSubmit={submit} label="Two-factor authentication">
        {errors.form && <Alert>{errors.form}</Alert>}
        {useBackup ? (
          <Field label="Backup code" error={errors.fields.code} hint="Each backup code works once.">
            <Input autoComplete="one-time-code" autoFocus value={code} onChange={(e) => setCode(e.target.value)} />
          </Field>
        ) : (
          <Field
            label="Authentication code"
            error={errors.fields.code}
            hint="The 6-digit code from your authenticator app."
          >
            <Input
              inputMode="numeric"
              autoComplete="one-time-code"
              maxLength={6}
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </Field>
        )}
        <Button type="submit" variant="primary" loading={loading}>
          Verify
        </Button>
        <Button
          variant="ghost"
          onClick={() => {
            setUseBackup((b) => !b)
            setCode('')
            reset()
          }}
        >
          {useBackup ? 'Use your authenticator app' : 'Use a backup code instead'}
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

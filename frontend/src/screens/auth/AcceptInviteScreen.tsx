import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { useLocation, useNavigate } from 'react-router-dom'

import { Alert, Button, Field, Input, TextLink } from '../../components/ui'
import { AcceptInviteDocument } from '../../session/operations'
import { useSession } from '../../session/SessionProvider'
import { AuthLayout, FormStack } from './AuthLayout'
import { PASSWORD_RULE } from './passwordRule'
import { useAuthForm } from './useAuthForm'

/** The invite link's path; the token rides in the fragment, which never reaches a server log. */
const INVITE_PATH = '/invite'

/** The link to send an invitee. */
export function inviteLink(token: string, origin = window.location.origin): string {
  return `${origin}${INVITE_PATH}#token=${encodeURIComponent(token)}`
}

const FIELDS = ['password', 'token'] as const

/**
 * Joins a tenant with an invitation. Signed in (as the invited email) it
 * only confirms; signed out it asks for the account's password, or a new
 * one when the email has no account yet.
 */
export default function AcceptInviteScreen() {
  const token = new URLSearchParams(useLocation().hash.slice(1)).get('token') ?? ''
  const { viewer } = useSession()
  const navigate = useNavigate()
  const [password, setPassword] = useState('')
  const { errors, invalid, submit: send } = useAuthForm(FIELDS)
  const [accept, { loading }] = useMutation(AcceptInviteDocument)

  if (!token) {
    return (
      <AuthLayout title="Invitation link incomplete" footer={<TextLink to="/">Go to Stratum</TextLink>}>
        <Alert>This link has no invitation token. Ask for a new invitation.</Alert>
      </AuthLayout>
    )
  }

  const submit = async () => {
    if (!viewer && !password) return invalid({ password: 'Enter a password' })
    const input = { token, ...(viewer ? {} : { password }) }
    const payload = await send(async () => (await accept({ variables: { input } })).data?.acceptInvite)
    if (payload?.viewer) navigate('/', { replace: true })
  }

  return (
    <AuthLayout
      title="Join a Stratum workspace"
      subtitle={
        viewer ? (
          <>You are signed in as {viewer.user?.email}.</>
        ) : (
          'Sign in with the invited email’s password, or choose one for a new account.'
        )
      }
    >
      <FormStack onSubmit={submit} label="Accept invitation">
        {(errors.form || errors.fields.token) && <Alert>{errors.form ?? errors.fields.token}</Alert>}
        {!viewer && (
          <Field label="Password" error={errors.fields.password} hint={`For a new account: ${PASSWORD_RULE}.`}>
            <Input
              type="password"
              autoComplete="current-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
        )}
        <Button type="submit" variant="primary" loading={loading}>
          Accept invitation
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

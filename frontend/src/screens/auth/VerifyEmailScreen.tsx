import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { useLocation } from 'react-router-dom'

import { Alert, Button, TextLink } from '../../components/ui'
import { VerifyEmailDocument } from '../../session/operations'
import { useSession } from '../../session/SessionProvider'
import { AuthLayout, FormStack } from './AuthLayout'
import { linkToken } from './linkToken'

/**
 * Confirms an e-mail address with the token of a verification link. It
 * asks for a click rather than confirming on load, so a link that a mail
 * scanner opens is not spent. Works signed in or out.
 */
export default function VerifyEmailScreen() {
  const token = linkToken(useLocation())
  const { viewer, reloadViewer } = useSession()
  const [outcome, setOutcome] = useState<{ ok: boolean; message: string } | null>(null)
  const [verify, { loading }] = useMutation(VerifyEmailDocument)
  const next = viewer ? <TextLink to="/">Go to the overview</TextLink> : <TextLink to="/login">Sign in</TextLink>

  if (!token) {
    return (
      <AuthLayout title="Verification link incomplete" footer={next}>
        <Alert>This link has no verification token. Sign in to have a new one sent.</Alert>
      </AuthLayout>
    )
  }

  const submit = async () => {
    try {
      const { data } = await verify({ variables: { input: { token } } })
      const payload = data?.verifyEmail
      if (!payload) return
      if (payload.success) {
        setOutcome({ ok: true, message: 'Your email address is verified. Thank you.' })
        if (viewer) await reloadViewer()
      } else {
        setOutcome({ ok: false, message: payload.userErrors.map((e) => e.message).join(' ') })
      }
    } catch (e) {
      setOutcome({ ok: false, message: (e as Error).message })
    }
  }

  return (
    <AuthLayout title="Confirm your email address" footer={next}>
      {outcome?.ok ? (
        <Alert tone="success">{outcome.message}</Alert>
      ) : (
        <FormStack onSubmit={submit} label="Confirm your email address">
          {outcome && <Alert>{outcome.message}</Alert>}
          <Button type="submit" variant="primary" loading={loading}>
            Confirm my email address
          </Button>
        </FormStack>
      )}
    </AuthLayout>
  )
}

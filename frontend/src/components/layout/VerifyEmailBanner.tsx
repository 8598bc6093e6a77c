import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { ResendVerificationEmailDocument } from '../../session/operations'
import { Alert, Button } from '../ui'

/**
 * Asks a user whose address is not verified yet to follow the link that
 * was mailed to it, and sends another on request. Nothing is refused to
 * them meanwhile: the banner is the whole of the check.
 */
export function VerifyEmailBanner({ email }: { email: string }) {
  const [resend, { loading }] = useMutation(ResendVerificationEmailDocument)
  const [result, setResult] = useState<{ ok: boolean; message: string } | null>(null)

  const onResend = async () => {
    try {
      const { data } = await resend()
      const payload = data?.resendVerificationEmail
      if (!payload) return
      setResult(
        payload.success
          ? { ok: true, message: `A new link is on its way to ${email}.` }
          : { ok: false, message: payload.userErrors.map((e) => e.message).join(' ') },
      )
    } catch (e) {
      setResult({ ok: false, message: (e as Error).message })
    }
  }

  return (
    <section aria-label="Verify your email address" className="mb-6">
      <Alert tone={result && !result.ok ? 'error' : 'primary'}>
        <p>
          Verify your email address: open the link we sent to <span className="break-all">{email}</span>.
        </p>
        {result && <p className="mt-1">{result.message}</p>}
        {!result?.ok && (
          <Button size="sm" variant="secondary" className="mt-2" loading={loading} onClick={() => void onResend()}>
            Send the link again
          </Button>
        )}
      </Alert>
    </section>
  )
}

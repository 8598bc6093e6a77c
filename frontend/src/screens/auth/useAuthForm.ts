import { useState } from 'react'

import type { AuthResultFragment } from '../../gql/graphql'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { useSession } from '../../session/SessionProvider'

export interface AuthForm<F extends string> {
  errors: FormErrors<F>
  /** Shows messages found before sending (missing or malformed values). */
  invalid: (fields: FormErrors<F>['fields']) => void
  /**
   * Sends a session-issuing mutation: adopts the session it issues, or puts
   * its userErrors (or the failure) on the form. Resolves the payload, for
   * callers that read more of it (logIn's MFA challenge).
   */
  submit: (send: () => Promise<AuthResultFragment | undefined>) => Promise<AuthResultFragment | null>
  reset: () => void
}

/** The error handling every signed-out form shares; `fields` are the inputs it shows. */
export function useAuthForm<F extends string>(fields: readonly F[]): AuthForm<F> {
  const { establish } = useSession()
  const [errors, setErrors] = useState<FormErrors<F>>(noErrors)
  return {
    errors,
    invalid: (invalidFields) => setErrors({ fields: invalidFields, form: null }),
    reset: () => setErrors(noErrors),
    submit: async (send) => {
      try {
        const payload = await send()
        if (!payload) return null
        setErrors(formErrors(payload.userErrors, fields))
        if (payload.viewer) await establish()
        return payload
      } catch (err) {
        setErrors({ fields: {}, form: (err as Error).message })
        return null
      }
    },
  }
}

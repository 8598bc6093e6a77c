import { useMutation } from '@apollo/client/react'
import { useState } from 'react'
import { Link } from 'react-router-dom'

import { Alert, Button, Field, Input } from '../../components/ui'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { SignUpDocument } from '../../session/operations'
import { useSession } from '../../session/SessionProvider'
import { AuthLayout, FormStack } from './AuthLayout'

const FIELDS = ['email', 'password', 'tenantName'] as const
type FieldName = (typeof FIELDS)[number]

/** The checks the server makes too, so people hear about them before sending. */
function validate(v: Record<FieldName, string>): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {}
  if (!v.tenantName.trim()) errors.tenantName = 'Enter your organisation’s name'
  if (!/^[^@\s]+@[^@\s]+$/.test(v.email.trim())) errors.email = 'Enter a valid email address'
  if (v.password.length < 10) errors.password = 'Use at least 10 characters'
  return errors
}

/** Creates a tenant and its owner, and signs them in. */
export default function SignupScreen() {
  const { establish } = useSession()
  const [values, setValues] = useState<Record<FieldName, string>>({ email: '', password: '', tenantName: '' })
  const [errors, setErrors] = useState<FormErrors<FieldName>>(noErrors)
  const [signUp, { loading }] = useMutation(SignUpDocument)
  const set = (name: FieldName) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [name]: e.target.value }))

  const submit = async () => {
    const local = validate(values)
    if (Object.keys(local).length) return setErrors({ fields: local, form: null })
    try {
      const { data } = await signUp({
        variables: {
          input: { email: values.email.trim(), password: values.password, tenantName: values.tenantName.trim() },
        },
      })
      const payload = data!.signUp
      if (payload.viewer) return await establish()
      setErrors(formErrors(payload.userErrors, FIELDS))
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Start a Stratum workspace for your organisation."
      footer={
        <>
          Already have an account?{' '}
          <Link to="/login" className="font-medium text-primary-ink underline">
            Sign in
          </Link>
        </>
      }
    >
      <FormStack onSubmit={submit} label="Create your account">
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label="Organisation name" error={errors.fields.tenantName}>
          <Input autoComplete="organization" value={values.tenantName} onChange={set('tenantName')} />
        </Field>
        <Field label="Work email" error={errors.fields.email}>
          <Input type="email" autoComplete="email" value={values.email} onChange={set('email')} />
        </Field>
        <Field label="Password" error={errors.fields.password} hint="At least 10 characters, not a common password.">
          <Input type="password" autoComplete="new-password" value={values.password} onChange={set('password')} />
        </Field>
        <Button type="submit" variant="primary" loading={loading}>
          Create account
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

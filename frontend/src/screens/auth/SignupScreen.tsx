import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Button, Field, Input, TextLink } from '../../components/ui'
import { SignUpDocument } from '../../session/operations'
import { AuthLayout, FormStack } from './AuthLayout'
import { PASSWORD_HINT, passwordProblem } from './passwordRule'
import { useAuthForm } from './useAuthForm'

const FIELDS = ['email', 'password', 'tenantName'] as const
type FieldName = (typeof FIELDS)[number]

/** The checks the server makes too, so people hear about them before sending. */
function validate(v: Record<FieldName, string>): Partial<Record<FieldName, string>> {
  const errors: Partial<Record<FieldName, string>> = {}
  if (!v.tenantName.trim()) errors.tenantName = 'Enter your organisation’s name'
  if (!/^[^@\s]+@[^@\s]+$/.test(v.email.trim())) errors.email = 'Enter a valid email address'
  const password = passwordProblem(v.password, v.email)
  if (password) errors.password = password
  return errors
}

/** Creates a tenant and its owner, and signs them in. */
export default function SignupScreen() {
  const [values, setValues] = useState<Record<FieldName, string>>({ email: '', password: '', tenantName: '' })
  const { errors, invalid, submit: send } = useAuthForm(FIELDS)
  const [signUp, { loading }] = useMutation(SignUpDocument)
  const set = (name: FieldName) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [name]: e.target.value }))

  const submit = async () => {
    const local = validate(values)
    if (Object.keys(local).length) return invalid(local)
    const input = { email: values.email.trim(), password: values.password, tenantName: values.tenantName.trim() }
    await send(async () => (await signUp({ variables: { input } })).data?.signUp)
  }

  return (
    <AuthLayout
      title="Create your account"
      subtitle="Start a Stratum workspace for your organisation."
      footer={
        <>
          Already have an account? <TextLink to="/login">Sign in</TextLink>
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
        <Field label="Password" error={errors.fields.password} hint={PASSWORD_HINT}>
          <Input type="password" autoComplete="new-password" value={values.password} onChange={set('password')} />
        </Field>
        <Button type="submit" variant="primary" loading={loading}>
          Create account
        </Button>
      </FormStack>
    </AuthLayout>
  )
}

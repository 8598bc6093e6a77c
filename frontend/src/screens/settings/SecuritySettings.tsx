import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Badge, Button, Card, Dialog, Field, Input, SecretBox, useToast } from '../../components/ui'
import type { EnrollMfaMutation } from '../../gql/graphql'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { useSession, useViewer } from '../../session/SessionProvider'
import { BackupCodes } from './BackupCodes'
import { ConfirmMfaDocument, DisableMfaDocument, EnrollMfaDocument, RegenerateBackupCodesDocument } from './operations'

type Enrollment = EnrollMfaMutation['enrollMfa']

const SIGN_IN_WITH_MFA = 'Two-factor authentication is on. Sign in again to continue.'

/** Two-factor authentication: enrol, regenerate backup codes, turn off. */
export function SecuritySettings() {
  const viewer = useViewer()
  const enabled = viewer.user?.mfaEnabled ?? false
  const { signOut } = useSession()
  const [codes, setCodes] = useState<readonly string[] | null>(null)
  const account = viewer.user?.email ?? ''
  // A session that had to enrol has not passed MFA itself: once the codes
  // are stored, it signs in again, this time with the second factor.
  const stored = () => {
    if (viewer.mfaEnrollmentRequired) void signOut(SIGN_IN_WITH_MFA)
    else setCodes(null)
  }

  return (
    <Card
      title="Two-factor authentication"
      description="A code from an authenticator app on every sign-in."
      actions={
        enabled ? (
          <Badge tone="success" icon="✓">
            On
          </Badge>
        ) : (
          <Badge tone="warning" icon="!">
            Off
          </Badge>
        )
      }
    >
      {codes ? (
        <BackupCodes codes={codes} account={account} onDone={stored} />
      ) : enabled ? (
        <ManageMfa onCodes={setCodes} />
      ) : (
        <EnrollMfa onCodes={setCodes} />
      )}
    </Card>
  )
}

function EnrollMfa({ onCodes }: { onCodes: (codes: readonly string[]) => void }) {
  const { reloadViewer } = useSession()
  const [enrollment, setEnrollment] = useState<Enrollment | null>(null)
  const [code, setCode] = useState('')
  const [errors, setErrors] = useState<FormErrors<'code'>>(noErrors)
  const [enroll, enrolling] = useMutation(EnrollMfaDocument)
  const [confirm, confirming] = useMutation(ConfirmMfaDocument)

  const start = async () => {
    try {
      const { data } = await enroll()
      const payload = data!.enrollMfa
      if (payload.secret) setEnrollment(payload)
      else setErrors(formErrors(payload.userErrors, ['code']))
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }
  const finish = async () => {
    if (!/^\d{6}$/.test(code.trim())) return setErrors({ fields: { code: 'Enter the 6-digit code' }, form: null })
    try {
      const { data } = await confirm({ variables: { input: { code: code.trim() } } })
      const payload = data!.confirmMfa
      if (!payload.backupCodes) return setErrors(formErrors(payload.userErrors, ['code']))
      onCodes(payload.backupCodes)
      await reloadViewer()
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  if (!enrollment) {
    return (
      <div className="flex flex-col items-start gap-3">
        {errors.form && <Alert>{errors.form}</Alert>}
        <p className="text-sm text-muted">
          Protect your account with an authenticator app such as 1Password, Google Authenticator or Authy.
        </p>
        <Button variant="primary" onClick={start} loading={enrolling.loading}>
          Set up two-factor authentication
        </Button>
      </div>
    )
  }
  return (
    <form
      className="flex flex-col gap-5"
      aria-label="Confirm two-factor authentication"
      noValidate
      onSubmit={(e) => {
        e.preventDefault()
        void finish()
      }}
    >
      {errors.form && <Alert>{errors.form}</Alert>}
      <ol className="flex list-decimal flex-col gap-4 pl-5 text-sm">
        <li>
          Scan this QR code with your authenticator app.
          {enrollment.qrCodePng && (
            <img
              src={`data:image/png;base64,${enrollment.qrCodePng}`}
              alt="QR code to add Stratum to your authenticator app"
              width={180}
              height={180}
              className="mt-3 rounded-md border border-line bg-white p-2"
            />
          )}
        </li>
        <li>
          Or type this secret into it:
          <div className="mt-2">
            <SecretBox label="TOTP secret" value={enrollment.secret!} />
          </div>
        </li>
        <li>
          Enter the code the app shows.
          <div className="mt-2 max-w-xs">
            <Field label="Authentication code" error={errors.fields.code}>
              <Input
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={6}
                value={code}
                onChange={(e) => setCode(e.target.value)}
              />
            </Field>
          </div>
        </li>
      </ol>
      <div>
        <Button type="submit" variant="primary" loading={confirming.loading}>
          Turn on two-factor authentication
        </Button>
      </div>
    </form>
  )
}

type CodeAction = 'disable' | 'regenerate'

function ManageMfa({ onCodes }: { onCodes: (codes: readonly string[]) => void }) {
  const [action, setAction] = useState<CodeAction | null>(null)
  return (
    <div className="flex flex-col items-start gap-3">
      <p className="text-sm text-muted">Signing in asks for a code from your authenticator app or a backup code.</p>
      <div className="flex flex-wrap gap-2">
        <Button onClick={() => setAction('regenerate')}>New backup codes</Button>
        <Button variant="danger" onClick={() => setAction('disable')}>
          Turn off
        </Button>
      </div>
      {action && <CodeDialog action={action} onClose={() => setAction(null)} onCodes={onCodes} />}
    </div>
  )
}

/** Asks for a current code before a sensitive MFA change. */
function CodeDialog({
  action,
  onClose,
  onCodes,
}: {
  action: CodeAction
  onClose: () => void
  onCodes: (codes: readonly string[]) => void
}) {
  const { reloadViewer } = useSession()
  const toast = useToast()
  const [code, setCode] = useState('')
  const [errors, setErrors] = useState<FormErrors<'code'>>(noErrors)
  const [disable, disabling] = useMutation(DisableMfaDocument)
  const [regenerate, regenerating] = useMutation(RegenerateBackupCodesDocument)
  const turningOff = action === 'disable'

  const submit = async () => {
    const input = { code: code.replace(/\s+/g, '') }
    if (!input.code) return setErrors({ fields: { code: 'Enter a code' }, form: null })
    try {
      if (turningOff) {
        const { data } = await disable({ variables: { input } })
        if (!data!.disableMfa.user) return setErrors(formErrors(data!.disableMfa.userErrors, ['code']))
        toast.show({ message: 'Two-factor authentication is off' })
        onClose()
        await reloadViewer()
      } else {
        const { data } = await regenerate({ variables: { input } })
        const codes = data!.regenerateBackupCodes.backupCodes
        if (!codes) return setErrors(formErrors(data!.regenerateBackupCodes.userErrors, ['code']))
        onClose()
        onCodes(codes)
      }
    } catch (err) {
      setErrors({ fields: {}, form: (err as Error).message })
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title={turningOff ? 'Turn off two-factor authentication?' : 'Replace your backup codes?'}
      description={
        turningOff
          ? 'Your account will be protected by your password alone.'
          : 'Your current backup codes stop working.'
      }
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            variant={turningOff ? 'danger' : 'primary'}
            loading={disabling.loading || regenerating.loading}
            onClick={submit}
          >
            {turningOff ? 'Turn off' : 'Create new codes'}
          </Button>
        </>
      }
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex flex-col gap-3"
      >
        {errors.form && <Alert>{errors.form}</Alert>}
        <Field label={turningOff ? 'Authentication or backup code' : 'Authentication code'} error={errors.fields.code}>
          <Input autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} data-autofocus />
        </Field>
      </form>
    </Dialog>
  )
}

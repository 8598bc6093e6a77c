import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import {
  Alert,
  Badge,
  Button,
  Card,
  ConfirmDialog,
  ConnectionTable,
  EmptyState,
  Field,
  Input,
  SecretBox,
  Select,
  Td,
  type Tone,
} from '../../components/ui'
import type { InviteFieldsFragment, Role } from '../../gql/graphql'
import { formatDate, titleCase } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { formErrors, noErrors, type FormErrors } from '../../lib/userErrors'
import { grantableRoles } from '../../session/roles'
import { useViewer } from '../../session/SessionProvider'
import { inviteLink } from '../auth/AcceptInviteScreen'
import { InviteMemberDocument, InvitesDocument, RevokeInviteDocument, UsageDocument } from './operations'
import { PAGE_SIZE } from './paging'
import { SeatUsage } from './SeatUsage'

type Invite = InviteFieldsFragment
type InviteStatus = 'Pending' | 'Accepted' | 'Revoked' | 'Expired'

/** Where an invitation stands at `now`: accepted and revoked win over expired. */
export function inviteStatus(invite: Invite, now = Date.now()): InviteStatus {
  if (invite.acceptedAt) return 'Accepted'
  if (invite.revokedAt) return 'Revoked'
  if (Date.parse(invite.expiresAt) <= now) return 'Expired'
  return 'Pending'
}

const statusTone: Record<InviteStatus, Tone> = {
  Pending: 'warning',
  Accepted: 'success',
  Revoked: 'neutral',
  Expired: 'neutral',
}

/** Invite people by email; the invitation link is shown once. */
export function InvitationsSettings() {
  const { data, loading, error, refetch, fetchMore } = useQuery(InvitesDocument, { variables: { first: PAGE_SIZE } })
  const [revoke, revoking] = useMutation(RevokeInviteDocument, { refetchQueries: [UsageDocument] })
  const [revokingInvite, setRevokingInvite] = useState<Invite | null>(null)
  const act = useToastedAction()

  const onRevoke = async (invite: Invite) => {
    await act(
      async () => (await revoke({ variables: { input: { id: invite.id } } })).data?.revokeInvite.userErrors ?? [],
      `Invitation to ${invite.email} revoked`,
    )
    setRevokingInvite(null)
  }

  return (
    <div className="flex flex-col gap-6">
      <InviteForm onInvited={() => void refetch()} />
      <Card title="Invitations" description="Invitations expire after a while; revoke one to withdraw it sooner.">
        <ConnectionTable
          connection={data?.invites}
          loading={loading}
          error={error}
          onRetry={() => void refetch()}
          loadingLabel="Loading invitations…"
          caption="Invitations"
          columns={['Email', 'Role', 'Status', 'Expires']}
          actions
          empty={<EmptyState title="No invitations yet" description="Invite a colleague with the form above." />}
          onLoadMore={(after) => fetchMore({ variables: { after } })}
          row={(inv) => {
            const status = inviteStatus(inv)
            return (
              <>
                <Td className="font-medium">{inv.email}</Td>
                <Td>{titleCase(inv.role)}</Td>
                <Td>
                  <Badge tone={statusTone[status]}>{status}</Badge>
                </Td>
                <Td className="text-muted">{formatDate(inv.expiresAt)}</Td>
                <Td>
                  {status === 'Pending' && (
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => setRevokingInvite(inv)}
                      aria-label={`Revoke invitation to ${inv.email}`}
                    >
                      Revoke
                    </Button>
                  )}
                </Td>
              </>
            )
          }}
        />
      </Card>
      <ConfirmDialog
        open={revokingInvite !== null}
        title="Revoke this invitation?"
        description={`The link sent to ${revokingInvite?.email ?? ''} stops working.`}
        confirmLabel="Revoke invitation"
        loading={revoking.loading}
        onCancel={() => setRevokingInvite(null)}
        onConfirm={() => revokingInvite && void onRevoke(revokingInvite)}
      />
    </div>
  )
}

const FIELDS = ['email', 'role'] as const

function InviteForm({ onInvited }: { onInvited: () => void }) {
  const viewer = useViewer()
  const roles = grantableRoles(viewer.role)
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<Role>('ANALYST')
  const [errors, setErrors] = useState<FormErrors<(typeof FIELDS)[number]>>(noErrors)
  const [sent, setSent] = useState<{ email: string; link: string; mailed: boolean } | null>(null)
  const [invite, { loading }] = useMutation(InviteMemberDocument, { refetchQueries: [UsageDocument] })

  const submit = async () => {
    if (!/^[^@\s]+@[^@\s]+$/.test(email.trim()))
      return setErrors({ fields: { email: 'Enter a valid email address' }, form: null })
    try {
      const { data } = await invite({ variables: { input: { email: email.trim(), role } } })
      const payload = data!.inviteMember
      if (!payload.inviteToken) return setErrors(formErrors(payload.userErrors, FIELDS))
      setSent({ email: email.trim(), link: inviteLink(payload.inviteToken), mailed: payload.emailQueued })
      setEmail('')
      setErrors(noErrors)
      onInvited()
    } catch (e) {
      setErrors({ fields: {}, form: (e as Error).message })
    }
  }

  return (
    <Card title="Invite a member" description="They join with the role you choose when they open the link.">
      <form
        aria-label="Invite a member"
        noValidate
        onSubmit={(e) => {
          e.preventDefault()
          void submit()
        }}
        className="flex flex-col gap-4"
      >
        <SeatUsage />
        {errors.form && <Alert>{errors.form}</Alert>}
        <div className="grid gap-4 sm:grid-cols-[1fr_12rem_auto] sm:items-start">
          <Field label="Email" error={errors.fields.email}>
            <Input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
          </Field>
          <Field label="Role" error={errors.fields.role}>
            <Select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {titleCase(r)}
                </option>
              ))}
            </Select>
          </Field>
          <Button type="submit" variant="primary" loading={loading} className="sm:mt-6.5">
            Send invitation
          </Button>
        </div>
      </form>
      {sent && (
        <div className="mt-5 flex flex-col gap-3 border-t border-line pt-5">
          <Alert tone="success">
            {sent.mailed
              ? `Invitation created: an email with this link is on its way to ${sent.email}. You can also send it yourself; it is shown only now.`
              : `Invitation created for ${sent.email}. This server sends no email: send them this link yourself. It is shown only now.`}
          </Alert>
          <SecretBox label="Invitation link" value={sent.link} />
          <div>
            <Button size="sm" variant="ghost" onClick={() => setSent(null)}>
              Done
            </Button>
          </div>
        </div>
      )}
    </Card>
  )
}

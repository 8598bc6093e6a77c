import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import { Badge, Button, Card, CompactSelect, ConfirmDialog, ConnectionTable, Td } from '../../components/ui'
import type { MembersQuery, Role } from '../../gql/graphql'
import { formatDate, titleCase } from '../../lib/format'
import { useToastedAction } from '../../lib/useToastedAction'
import { grantableRoles } from '../../session/roles'
import { useSession, useViewer } from '../../session/SessionProvider'
import { ChangeMemberRoleDocument, MembersDocument, RemoveMemberDocument } from './operations'
import { PAGE_SIZE } from './paging'

type Member = MembersQuery['members']['edges'][number]['node']

/** The tenant's members; admins change roles and remove members. */
export function MembersSettings() {
  const viewer = useViewer()
  const { can } = useSession()
  const act = useToastedAction()
  const { data, loading, error, refetch, fetchMore } = useQuery(MembersDocument, { variables: { first: PAGE_SIZE } })
  const [changeRole] = useMutation(ChangeMemberRoleDocument)
  const [remove, removing] = useMutation(RemoveMemberDocument)
  const [removingMember, setRemovingMember] = useState<Member | null>(null)
  const manage = can('ADMIN')
  const roles = grantableRoles(viewer.role)

  const onRole = (member: Member, role: Role) =>
    act(
      async () =>
        (await changeRole({ variables: { input: { memberId: member.id, role } } })).data?.changeMemberRole.userErrors ??
        [],
      `${member.user.email} is now ${titleCase(role)}`,
    )
  const onRemove = async (member: Member) => {
    const removed = await act(
      async () => (await remove({ variables: { input: { memberId: member.id } } })).data?.removeMember.userErrors ?? [],
      `${member.user.email} was removed`,
    )
    setRemovingMember(null)
    if (removed) await refetch()
  }

  const conn = data?.members
  return (
    <Card
      title="Members"
      description={
        conn
          ? `${conn.totalCount} ${conn.totalCount === 1 ? 'person has' : 'people have'} access to ${viewer.tenant.name}.`
          : undefined
      }
    >
      <ConnectionTable
        connection={conn}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading members…"
        caption="Members"
        columns={['Email', 'Role', 'Two-factor', 'Joined']}
        actions={manage}
        onLoadMore={(after) => fetchMore({ variables: { after } })}
        row={(m) => {
          const self = m.user.id === viewer.user?.id
          const editable = manage && !self && (m.role !== 'OWNER' || viewer.role === 'OWNER')
          return (
            <>
              <Td className="font-medium">
                {m.user.email} {self && <Badge>You</Badge>}
              </Td>
              <Td>
                {editable ? (
                  <CompactSelect
                    aria-label={`Role of ${m.user.email}`}
                    value={m.role}
                    onChange={(e) => void onRole(m, e.target.value as Role)}
                  >
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {titleCase(r)}
                      </option>
                    ))}
                  </CompactSelect>
                ) : (
                  <Badge tone={m.role === 'OWNER' ? 'primary' : 'neutral'}>{titleCase(m.role)}</Badge>
                )}
              </Td>
              <Td>
                {m.user.mfaEnabled ? (
                  <Badge tone="success" icon="✓">
                    On
                  </Badge>
                ) : (
                  <Badge tone="warning" icon="!">
                    Off
                  </Badge>
                )}
              </Td>
              <Td className="text-muted">{formatDate(m.joinedAt)}</Td>
              {manage && (
                <Td>
                  {editable && (
                    <Button
                      size="sm"
                      variant="ghost"
                      onClick={() => setRemovingMember(m)}
                      aria-label={`Remove ${m.user.email}`}
                    >
                      Remove
                    </Button>
                  )}
                </Td>
              )}
            </>
          )
        }}
      />
      <ConfirmDialog
        open={removingMember !== null}
        title="Remove this member?"
        description={`${removingMember?.user.email ?? ''} loses access to ${viewer.tenant.name} at once and is signed out of it.`}
        confirmLabel="Remove member"
        loading={removing.loading}
        onCancel={() => setRemovingMember(null)}
        onConfirm={() => removingMember && void onRemove(removingMember)}
      />
    </Card>
  )
}

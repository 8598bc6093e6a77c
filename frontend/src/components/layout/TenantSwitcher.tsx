import { useMutation } from '@apollo/client/react'

import { titleCase } from '../../lib/format'
import { SwitchTenantDocument } from '../../session/operations'
import { useSession, useViewer } from '../../session/SessionProvider'
import { CompactSelect, useToast } from '../ui'

/** The current tenant; a picker when the user belongs to several. */
export function TenantSwitcher() {
  const viewer = useViewer()
  const { establish } = useSession()
  const toast = useToast()
  const [switchTenant, { loading }] = useMutation(SwitchTenantDocument)

  if (viewer.memberships.length < 2) {
    return <span className="truncate text-sm font-semibold">{viewer.tenant.name}</span>
  }

  const onChange = async (tenantId: string) => {
    try {
      const { data } = await switchTenant({ variables: { input: { tenantId } } })
      const payload = data?.switchTenant
      if (payload?.viewer) {
        await establish()
        toast.show({ message: `Switched to ${payload.viewer.tenant.name}` })
      } else {
        toast.show({ tone: 'error', message: payload?.userErrors[0]?.message ?? 'Could not switch tenant' })
      }
    } catch (err) {
      toast.show({ tone: 'error', message: (err as Error).message })
    }
  }

  return (
    <CompactSelect
      aria-label="Tenant"
      value={viewer.tenant.id}
      disabled={loading}
      onChange={(e) => void onChange(e.target.value)}
      className="h-9 max-w-[12rem] font-semibold sm:max-w-xs"
    >
      {viewer.memberships.map((m) => (
        <option key={m.tenant.id} value={m.tenant.id}>
          {m.tenant.name} · {titleCase(m.role)}
        </option>
      ))}
    </CompactSelect>
  )
}

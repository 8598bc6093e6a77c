import { useQuery } from '@apollo/client/react'

import { Alert } from '../../components/ui'
import type { UsageQuery } from '../../gql/graphql'
import { UsageDocument } from './operations'

/** A plan's name as the product shows it ("starter" → "Starter"). */
const planTitle = (p: string) => p.charAt(0).toUpperCase() + p.slice(1).toLowerCase()

type UsageLimit = NonNullable<UsageQuery['viewer']>['tenant']['usage'][number]

/**
 * What the members limit says about inviting: how many seats are taken
 * (pending invitations hold one each), and from 80 % which plan raises it.
 */
export function seatMessage(u: Pick<UsageLimit, 'used' | 'max' | 'warning' | 'plan' | 'raisedBy'>): string {
  const plan = planTitle(u.plan)
  const base = `${u.used} of ${u.max} member seats taken on the ${plan} plan (pending invitations hold a seat each).`
  if (!u.warning) return base
  const full = u.used >= u.max ? ' New invitations are refused until a seat is free.' : ''
  const raise = u.raisedBy ? ` ${planTitle(u.raisedBy)} raises the limit.` : ''
  return base + full + raise
}

/** The members limit beside the invitation form; nothing while it loads or fails. */
export function SeatUsage() {
  const { data } = useQuery(UsageDocument, { fetchPolicy: 'cache-and-network' })
  const seats = data?.viewer?.tenant.usage.find((u) => u.limit === 'members')
  if (!seats) return null
  if (seats.warning) return <Alert tone="warning">{seatMessage(seats)}</Alert>
  return <p className="text-sm text-muted">{seatMessage(seats)}</p>
}

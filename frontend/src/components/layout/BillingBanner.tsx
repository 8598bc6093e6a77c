import { useApolloClient, useSubscription } from '@apollo/client/react'
import { useEffect, useState } from 'react'

import type { BillingBannerQuery, BillingStateFieldsFragment } from '../../gql/graphql'
import { FeaturesDocument } from '../../lib/featureOperations'
import { PLANS } from '../../lib/enumLabels'
import { formatDate } from '../../lib/format'
import {
  BillingBannerDocument,
  BillingChangedDocument,
  BillingDocument,
} from '../../screens/settings/billingOperations'
import { useViewer } from '../../session/SessionProvider'
import { Alert, BILLING_PATH, Button, TextLink } from '../ui'

const DAY = 24 * 60 * 60 * 1000

/** A trial's countdown banner shows in its last this many days. */
export const TRIAL_WARNING_DAYS = 3

/** Which banner the billing state calls for, if any. */
export type BillingNotice =
  | { kind: 'trial-ending'; plan: string; days: number; endsAt: string }
  | { kind: 'trial-ended'; plan: string; endedAt: string | null }
  | { kind: 'past-due'; graceEndsAt: string }
  | { kind: 'grace-ended'; plan: string; endedAt: string | null }

/**
 * The banner for a billing state at `now`: a trial's last days (whole days
 * left, rounded up), a trial that ended without a subscription, a failed
 * payment within its grace period, and one past it. Nothing otherwise.
 */
export function billingNotice(b: BillingStateFieldsFragment, now: Date): BillingNotice | null {
  const plan = PLANS[b.plan]
  if (b.status === 'TRIALING' && b.trialEndsAt) {
    const left = new Date(b.trialEndsAt).getTime() - now.getTime()
    if (left > 0) {
      const days = Math.ceil(left / DAY)
      return days <= TRIAL_WARNING_DAYS ? { kind: 'trial-ending', plan, days, endsAt: b.trialEndsAt } : null
    }
    return b.effectivePlan !== b.plan ? { kind: 'trial-ended', plan, endedAt: b.trialEndsAt } : null
  }
  if (b.status === 'PAST_DUE') {
    if (b.graceEndsAt && new Date(b.graceEndsAt).getTime() > now.getTime())
      return { kind: 'past-due', graceEndsAt: b.graceEndsAt }
    if (b.effectivePlan !== b.plan) return { kind: 'grace-ended', plan, endedAt: b.graceEndsAt }
  }
  return null
}

const dismissKey = (tenant: string, n: BillingNotice) => `stratum.billingBanner.${tenant}.${n.kind}`

function dismissed(key: string): boolean {
  try {
    return window.sessionStorage.getItem(key) === '1'
  } catch {
    return false
  }
}

/**
 * The billing banner of the app layout (billingNotice), dismissible for the
 * browser session. Listens to `billingChanged` and refreshes the billing
 * state and the feature flags the gated buttons read.
 */
export function BillingBanner({ now }: { now?: Date }) {
  const client = useApolloClient()
  const tenantId = useViewer().tenant.id
  // A one-off read, not a watched query: the cache reset at log-out or a
  // tenant switch neither refetches it nor fails on it (an unmounting
  // layout would abort that refetch and with it the reset).
  const [data, setData] = useState<BillingBannerQuery | null>(null)
  const [reads, setReads] = useState(0)
  useEffect(() => {
    let live = true
    client
      .query({ query: BillingBannerDocument, fetchPolicy: 'network-only' })
      .then((r) => {
        if (live && r.data) setData(r.data)
      })
      .catch(() => {
        // no banner when the state cannot be read; the billing tab says why
      })
    return () => {
      live = false
    }
  }, [client, tenantId, reads])
  useSubscription(BillingChangedDocument, {
    onData: () => {
      setReads((n) => n + 1)
      void client.refetchQueries({ include: [FeaturesDocument, BillingDocument] }).catch(() => {})
    },
  })
  const [, rerender] = useState(0)
  const tenant = data?.viewer?.tenant
  const billing = tenant?.billing
  if (!tenant || !billing) return null
  const notice = billingNotice(billing, now ?? new Date())
  // Where billing is disabled nothing can be bought: the link says Billing, not Upgrade.
  const action = billing.stripeEnabled ? 'Upgrade' : 'Billing'

  if (!notice) return null
  const key = dismissKey(tenant.id, notice)
  if (dismissed(key)) return null
  const dismiss = () => {
    try {
      window.sessionStorage.setItem(key, '1')
    } catch {
      // no storage: the banner goes until the next render
    }
    rerender((n) => n + 1)
  }

  return (
    <section aria-label="Billing" className="mb-6">
      <Alert tone={notice.kind === 'trial-ending' ? 'primary' : 'warning'}>
        <div className="flex flex-wrap items-start justify-between gap-2">
          <p>
            <NoticeText notice={notice} action={action} />
          </p>
          <Button size="sm" variant="ghost" onClick={dismiss}>
            Dismiss
          </Button>
        </div>
      </Alert>
    </section>
  )
}

function NoticeText({ notice, action }: { notice: BillingNotice; action: string }) {
  switch (notice.kind) {
    case 'trial-ending':
      return (
        <>
          {notice.plan} trial ends in {notice.days} {notice.days === 1 ? 'day' : 'days'} ({formatDate(notice.endsAt)}
          ): its features turn off afterwards unless the workspace subscribes; your data is kept.{' '}
          <TextLink to={BILLING_PATH}>{action}</TextLink>
        </>
      )
    case 'trial-ended':
      return (
        <>
          The {notice.plan} trial ended{notice.endedAt ? ` on ${formatDate(notice.endedAt)}` : ''}: this workspace is on
          Starter's features and limits now, and your data is kept. <TextLink to={BILLING_PATH}>{action}</TextLink>
        </>
      )
    case 'past-due':
      return (
        <>
          Payment failed — paid features stay on until {formatDate(notice.graceEndsAt)}. The owner can update the
          payment method under <TextLink to={BILLING_PATH}>Billing</TextLink>.
        </>
      )
    case 'grace-ended':
      return (
        <>
          Payment failed and the grace period ended{notice.endedAt ? ` on ${formatDate(notice.endedAt)}` : ''}:{' '}
          {notice.plan}'s paid features are off and Starter's limits apply. Your data is kept.{' '}
          <TextLink to={BILLING_PATH}>Billing</TextLink>
        </>
      )
  }
}

import { CombinedGraphQLErrors } from '@apollo/client'
import { useMutation, useQuery, useSubscription } from '@apollo/client/react'
import { useState } from 'react'
import { useSearchParams } from 'react-router-dom'

import {
  Alert,
  Badge,
  Button,
  Card,
  QueryState,
  Table,
  TABLE_VIEWPORT,
  Td,
  Th,
  useMediaQuery,
} from '../../components/ui'
import type { BillingQuery, BillingStateFieldsFragment, Plan } from '../../gql/graphql'
import { BILLING_STATUSES, FEATURE_SOURCES, PLANS } from '../../lib/enumLabels'
import { planTitle } from '../../lib/features'
import { formatDate, formatNumber, titleCase } from '../../lib/format'
import { formErrors, type UserErrorLike } from '../../lib/userErrors'
import { useSession } from '../../session/SessionProvider'
import {
  BillingChangedDocument,
  BillingDocument,
  CreateBillingPortalSessionDocument,
  CreateCheckoutSessionDocument,
} from './billingOperations'

type Data = NonNullable<BillingQuery['viewer']>
type Catalogue = BillingQuery['billingCatalogue']
type Usage = Data['tenant']['usage'][number]

const PLAN_ORDER: readonly Plan[] = ['STARTER', 'PROFESSIONAL', 'ENTERPRISE']

/** The catalogue's flags by name; a flag added later reads as its key in words. */
const FEATURE_NAMES: Record<string, string> = {
  platform_connectors: 'Platform connectors',
  automation_rules: 'Automation rules',
  autopilot: 'Autopilot',
  what_if_simulator: 'What-if simulator (dry runs)',
  cdp: 'Customer data platform (CDP)',
  capi: 'Conversions API (CAPI)',
  audience_sync: 'Audience sync',
  gdpr_compliance: 'GDPR compliance',
  competitor_intel: 'Competitor intelligence',
}

/** A flag's name as the product says it. */
export function featureName(key: string): string {
  return FEATURE_NAMES[key] ?? planTitle(key.replaceAll('_', ' '))
}
const rank = (p: Plan) => PLAN_ORDER.indexOf(p)

/** Where Stripe sends the owner back to: this tab, on this server's origin. */
export function billingReturnUrl(done = false): string {
  return `${window.location.origin}/settings/billing${done ? '?checkout=done' : ''}`
}

/**
 * Whether the workspace pays through a Stripe subscription (a renewal date
 * while not canceled). Such a workspace changes plan in Stripe's billing
 * portal: a second checkout would start a second subscription (ADR 0014).
 */
export function hasSubscription(b: BillingStateFieldsFragment): boolean {
  return b.currentPeriodEnd != null && b.status !== 'CANCELED'
}

/**
 * The plans an owner can buy through checkout: dearer than the current
 * one, or the current one itself while it is not paid for (a trial, a
 * canceled or lapsed subscription). None while a subscription runs.
 */
export function checkoutOffers(b: BillingStateFieldsFragment): Plan[] {
  if (hasSubscription(b)) return []
  return PLAN_ORDER.filter((p) => rank(p) > rank(b.plan) || (p === b.plan && b.status !== 'ACTIVE'))
}

/** Why the subscribed plan's features do not apply now (effectivePlan differs from plan), in words. */
export function lapseReason(b: BillingStateFieldsFragment): string | null {
  if (b.plan === b.effectivePlan) return null
  const plan = PLANS[b.plan]
  const fallback = `${PLANS[b.effectivePlan]}'s features and limits apply; your data is kept.`
  switch (b.status) {
    case 'TRIALING':
      return `The ${plan} trial ended${b.trialEndsAt ? ` on ${formatDate(b.trialEndsAt)}` : ''}. ${fallback}`
    case 'PAST_DUE':
      return `A payment failed and the grace period ended${b.graceEndsAt ? ` on ${formatDate(b.graceEndsAt)}` : ''}. ${fallback}`
    case 'CANCELED':
      return `The ${plan} subscription ended. ${fallback}`
    default:
      return fallback
  }
}

/** A mutation's failure as one message: its userErrors, or the operation's error (billing disabled, no role). */
function failure(errors: readonly UserErrorLike[] | undefined, thrown: unknown): string | null {
  if (errors && errors.length > 0) return formErrors(errors, []).form
  if (thrown == null) return null
  if (CombinedGraphQLErrors.is(thrown)) return thrown.errors.map((e) => e.message).join(' ')
  return (thrown as Error).message
}

/**
 * Settings → Billing: the workspace's plan and billing state, its use of
 * each limit (with the 80 % warning), the plans compared, and — for the
 * owner, when Stripe is configured — checkout and Stripe's billing portal.
 * Updates live on `billingChanged`.
 */
export function BillingSettings() {
  const { data, loading, error, refetch } = useQuery(BillingDocument, { fetchPolicy: 'cache-and-network' })
  useSubscription(BillingChangedDocument, { onData: () => void refetch() })
  return (
    <QueryState
      data={data}
      loading={loading}
      error={error}
      onRetry={() => void refetch()}
      loadingLabel="Loading billing…"
    >
      {({ viewer, billingCatalogue }) =>
        viewer?.tenant.billing ? (
          <BillingView viewer={viewer} billing={viewer.tenant.billing} catalogue={billingCatalogue} />
        ) : (
          <Alert>This workspace's billing state could not be read.</Alert>
        )
      }
    </QueryState>
  )
}

function BillingView({
  viewer,
  billing,
  catalogue,
}: {
  viewer: Data
  billing: BillingStateFieldsFragment
  catalogue: Catalogue
}) {
  const [params] = useSearchParams()
  return (
    <div className="flex flex-col gap-6">
      {!catalogue.stripeEnabled && <BillingDisabled />}
      {params.get('checkout') === 'done' && catalogue.stripeEnabled && (
        <Alert tone="success">
          Checkout finished. Stripe tells Stratum about the payment separately; the plan below changes as soon as it
          arrives (this page updates by itself).
        </Alert>
      )}
      <PlanCard billing={billing} catalogue={catalogue} />
      <UsageCard usage={viewer.tenant.usage} />
      <PlansCompared catalogue={catalogue} effective={billing.effectivePlan} features={viewer.features} />
    </div>
  )
}

/** Billing disabled: what it means, truthfully, and how an operator turns it on. */
export function BillingDisabled() {
  return (
    <section aria-label="Billing disabled">
      <Alert tone="primary">
        <p className="font-medium">Billing is disabled on this server.</p>
        <p className="mt-1">
          Stripe is not configured (<code>STRIPE_API_KEY</code> is unset), so nothing is sold or charged here: there is
          no checkout and no billing portal, and plans are set by a Stratum operator. The demo workspace runs on
          Enterprise so every feature can be tried.
        </p>
        <p className="mt-1">
          To sell plans, whoever runs this server sets <code>STRIPE_API_KEY</code>, <code>STRIPE_WEBHOOK_SECRET</code>{' '}
          and a price per plan (<code>STRIPE_PRICE_PROFESSIONAL</code>, <code>STRIPE_PRICE_ENTERPRISE</code>), as the
          README's Billing section describes.
        </p>
      </Alert>
    </section>
  )
}

function PlanCard({ billing, catalogue }: { billing: BillingStateFieldsFragment; catalogue: Catalogue }) {
  const { can, viewer } = useSession()
  const owner = can('OWNER')
  const [checkout, checkingOut] = useMutation(CreateCheckoutSessionDocument)
  const [portal, openingPortal] = useMutation(CreateBillingPortalSessionDocument)
  const [message, setMessage] = useState<string | null>(null)
  const [pending, setPending] = useState<Plan | null>(null)

  const upgrade = async (plan: Plan) => {
    setMessage(null)
    setPending(plan)
    try {
      const { data } = await checkout({
        variables: { input: { plan, successUrl: billingReturnUrl(true), cancelUrl: billingReturnUrl() } },
      })
      const p = data?.createCheckoutSession
      if (p?.url) window.location.assign(p.url)
      else setMessage(failure(p?.userErrors, null) ?? 'Stripe returned no checkout page.')
    } catch (err) {
      setMessage(failure(undefined, err))
    } finally {
      setPending(null)
    }
  }
  const manage = async () => {
    setMessage(null)
    try {
      const { data } = await portal({ variables: { input: { returnUrl: billingReturnUrl() } } })
      const p = data?.createBillingPortalSession
      if (p?.url) window.location.assign(p.url)
      else setMessage(failure(p?.userErrors, null) ?? 'Stripe returned no billing portal page.')
    } catch (err) {
      setMessage(failure(undefined, err))
    }
  }

  const lapsed = lapseReason(billing)
  const offers = checkoutOffers(billing)
  const sellable = new Map(catalogue.plans.map((p) => [p.plan, p.checkoutAvailable]))
  // Why the buttons cannot be used, said once under them.
  const blocked = !owner
    ? `Only the workspace's owner can change the plan or open the billing portal; your role is ${titleCase(viewer?.role ?? 'VIEWER')}.`
    : !catalogue.stripeEnabled
      ? 'Checkout and the billing portal are off because billing is disabled on this server.'
      : null

  return (
    <Card
      title="Plan"
      actions={
        <Badge tone={billing.status === 'PAST_DUE' ? 'warning' : billing.status === 'CANCELED' ? 'neutral' : 'success'}>
          {BILLING_STATUSES[billing.status]}
        </Badge>
      }
    >
      <p className="text-lg font-semibold">{PLANS[billing.effectivePlan]}</p>
      {lapsed && (
        <div className="mt-2">
          <Alert tone="warning">
            Subscribed plan: {PLANS[billing.plan]}. {lapsed}
          </Alert>
        </div>
      )}
      <dl className="mt-4 grid gap-x-6 gap-y-2 text-sm sm:grid-cols-[max-content_1fr]">
        <dt className="text-muted">Status</dt>
        <dd>{BILLING_STATUSES[billing.status]}</dd>
        {billing.trialEndsAt && billing.status === 'TRIALING' && (
          <>
            <dt className="text-muted">Trial ends</dt>
            <dd>{formatDate(billing.trialEndsAt)}</dd>
          </>
        )}
        {billing.currentPeriodEnd && billing.status !== 'CANCELED' && (
          <>
            <dt className="text-muted">{billing.cancelAtPeriodEnd ? 'Ends on' : 'Renews on'}</dt>
            <dd>
              {formatDate(billing.currentPeriodEnd)}
              {billing.cancelAtPeriodEnd && ' (canceled: the subscription does not renew)'}
            </dd>
          </>
        )}
        {billing.graceEndsAt && billing.status === 'PAST_DUE' && (
          <>
            <dt className="text-muted">Grace period ends</dt>
            <dd>
              {formatDate(billing.graceEndsAt)} — paid features stay on until then; afterwards Starter's apply and your
              data is kept
            </dd>
          </>
        )}
      </dl>

      <div className="mt-4 flex flex-wrap gap-2">
        {offers.map((p) => (
          <Button
            key={p}
            variant="primary"
            disabled={blocked !== null || !sellable.get(p)}
            loading={checkingOut.loading && pending === p}
            onClick={() => void upgrade(p)}
          >
            {p === billing.plan ? `Subscribe to ${PLANS[p]}` : `Upgrade to ${PLANS[p]}`}
          </Button>
        ))}
        <Button disabled={blocked !== null} loading={openingPortal.loading} onClick={() => void manage()}>
          Manage billing
        </Button>
      </div>
      {blocked && <p className="mt-2 text-sm text-muted">{blocked}</p>}
      {!blocked && offers.some((p) => !sellable.get(p)) && (
        <p className="mt-2 text-sm text-muted">
          {offers
            .filter((p) => !sellable.get(p))
            .map((p) => PLANS[p])
            .join(' and ')}{' '}
          {offers.filter((p) => !sellable.get(p)).length === 1 ? 'is' : 'are'} not sold through Stripe on this server
          (no price configured).
        </p>
      )}
      {hasSubscription(billing) && (
        <p className="mt-2 text-sm text-muted">
          To change plan, cancel or update the payment method, use Manage billing (Stripe's billing portal).
        </p>
      )}
      {message && (
        <div className="mt-3">
          <Alert>{message}</Alert>
        </div>
      )}
    </Card>
  )
}

/** "1,234 of 5,000 events" with the share used, for a usage bar. */
export function usageText(u: Pick<Usage, 'used' | 'max' | 'unit'>): string {
  return `${formatNumber(u.used)} of ${formatNumber(u.max)} ${u.unit}`
}

function UsageCard({ usage }: { usage: Data['tenant']['usage'] }) {
  return (
    <Card
      title="Usage"
      description="Each limit of the current plan and how much of it is in use; from 80 % you are warned."
    >
      <ul aria-label="Usage" className="flex flex-col gap-4">
        {usage.map((u) => {
          const share = u.max > 0 ? Math.min(1, u.used / u.max) : 1
          return (
            <li key={u.limit} aria-label={u.description}>
              <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                <span className="font-medium">{u.description}</span>
                <span className="text-muted">
                  {usageText(u)}
                  {u.periodStart && ` since ${formatDate(u.periodStart)}`}
                </span>
              </div>
              <div
                role="progressbar"
                aria-label={`${u.description} used`}
                aria-valuemin={0}
                aria-valuemax={u.max}
                aria-valuenow={u.used}
                aria-valuetext={usageText(u)}
                className="mt-1 h-2 overflow-hidden rounded-full bg-raised"
              >
                <div
                  className={u.warning ? 'h-full bg-warning-500' : 'h-full bg-primary-600'}
                  style={{ width: `${Math.round(share * 100)}%` }}
                />
              </div>
              {u.warning && (
                <p className="mt-1 text-sm text-warning-ink">
                  <span aria-hidden>! </span>
                  {u.used >= u.max ? 'Limit reached' : '80 % or more used'}
                  {u.raisedBy ? ` — ${planTitle(u.raisedBy)} raises this limit.` : '.'}
                </p>
              )}
            </li>
          )
        })}
      </ul>
    </Card>
  )
}

function PlansCompared({
  catalogue,
  effective,
  features,
}: {
  catalogue: Catalogue
  effective: Plan
  features: Data['features']
}) {
  const mine = new Map(features.map((f) => [f.key, f]))
  const wide = useMediaQuery(TABLE_VIEWPORT)
  if (!wide) return <PlansComparedList catalogue={catalogue} effective={effective} mine={mine} />
  const head = (p: Plan) => (
    <Th key={p} className="text-center">
      {PLANS[p]}
      {p === effective && <span className="block normal-case">(this workspace)</span>}
    </Th>
  )
  return (
    <Card
      title="Plans compared"
      description="What each plan includes (✓) and its limits; a dearer plan has every feature of the cheaper ones."
    >
      <Table caption="Features by plan">
        <thead>
          <tr>
            <Th>Feature</Th>
            {catalogue.plans.map((p) => head(p.plan))}
            <Th>Here</Th>
          </tr>
        </thead>
        <tbody>
          {catalogue.features.map((f) => {
            const here = mine.get(f.key)
            return (
              <tr key={f.key}>
                <Td>
                  <span className="font-medium">{featureName(f.key)}</span>
                  <span className="block text-xs text-muted">{f.description}</span>
                </Td>
                {catalogue.plans.map((p) => (
                  <Td key={p.plan} className="text-center">
                    {rank(p.plan) >= rank(f.unlockedBy) ? (
                      <span>
                        <span aria-hidden>✓</span>
                        <span className="sr-only">Included</span>
                      </span>
                    ) : (
                      <span>
                        <span aria-hidden>—</span>
                        <span className="sr-only">Not included</span>
                      </span>
                    )}
                  </Td>
                ))}
                <Td>
                  {here ? (
                    <span className="text-sm">
                      {here.enabled ? 'On' : 'Off'}
                      {here.source !== 'PLAN' && (
                        <span className="block text-xs text-muted">{FEATURE_SOURCES[here.source]}</span>
                      )}
                    </span>
                  ) : (
                    '—'
                  )}
                </Td>
              </tr>
            )
          })}
        </tbody>
      </Table>
      <div className="mt-6">
        <Table caption="Limits by plan">
          <thead>
            <tr>
              <Th>Limit</Th>
              {catalogue.plans.map((p) => head(p.plan))}
            </tr>
          </thead>
          <tbody>
            {catalogue.limits.map((l) => (
              <tr key={l.limit}>
                <Td>
                  <span className="font-medium">{l.description}</span>
                  <span className="block text-xs text-muted">{l.unit}</span>
                </Td>
                {l.values.map((v) => (
                  <Td key={v.plan} className="text-center">
                    {formatNumber(v.max)}
                  </Td>
                ))}
              </tr>
            ))}
          </tbody>
        </Table>
      </div>
    </Card>
  )
}

/** The plans compared where a table would not fit (phones): a list per feature and per limit. */
function PlansComparedList({
  catalogue,
  effective,
  mine,
}: {
  catalogue: Catalogue
  effective: Plan
  mine: Map<string, Data['features'][number]>
}) {
  const plans = catalogue.plans.map((p) => p.plan)
  return (
    <Card
      title="Plans compared"
      description={`What each plan includes and its limits; this workspace is on ${PLANS[effective]}.`}
    >
      <h3 className="text-sm font-semibold">Features</h3>
      <ul aria-label="Features by plan" className="mt-2 flex flex-col gap-3 text-sm">
        {catalogue.features.map((f) => {
          const here = mine.get(f.key)
          return (
            <li key={f.key} className="rounded-md border border-line p-3">
              <p className="font-medium">{featureName(f.key)}</p>
              <p className="text-xs text-muted">{f.description}</p>
              <p className="mt-1">
                In{' '}
                {plans
                  .filter((p) => rank(p) >= rank(f.unlockedBy))
                  .map((p) => PLANS[p])
                  .join(', ')}
                {here && ` · here: ${here.enabled ? 'on' : 'off'}`}
                {here && here.source !== 'PLAN' && ` (${FEATURE_SOURCES[here.source]})`}
              </p>
            </li>
          )
        })}
      </ul>
      <h3 className="mt-6 text-sm font-semibold">Limits</h3>
      <ul aria-label="Limits by plan" className="mt-2 flex flex-col gap-3 text-sm">
        {catalogue.limits.map((l) => (
          <li key={l.limit} className="rounded-md border border-line p-3">
            <p className="font-medium">{l.description}</p>
            <p className="mt-1">
              {l.values.map((v) => `${PLANS[v.plan]} ${formatNumber(v.max)}`).join(' · ')} {l.unit}
            </p>
          </li>
        ))}
      </ul>
    </Card>
  )
}

import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Badge, Button, Card, DataTable, EmptyState, QueryState, Td } from '../../components/ui'
import type { ConsentPurpose, ConsentState, ProfileConsentsQuery } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import { formatDateTime } from '../../lib/format'
import { useSession } from '../../session/SessionProvider'
import { ProfileConsentsDocument, SetConsentDocument } from './operations'

type Consent = NonNullable<ProfileConsentsQuery['profileConsents']>[number]

/** The tone of a consent state's badge. */
export const CONSENT_TONE: Record<ConsentState, 'success' | 'warning' | 'neutral'> = {
  GRANTED: 'success',
  DENIED: 'warning',
  UNKNOWN: 'neutral',
}

/**
 * The Consent section of a profile: per purpose, granted, denied or not
 * recorded, where the decision came from and when; analysts can change it
 * (recorded as the operator's decision, audited).
 */
export function ProfileConsent({ profileId }: { profileId: string }) {
  const { data, loading, error, refetch } = useQuery(ProfileConsentsDocument, { variables: { profileId } })
  const { can } = useSession()
  const [setConsent, { loading: saving }] = useMutation(SetConsentDocument)
  const [message, setMessage] = useState<{ tone: 'success' | 'error'; text: string } | null>(null)

  const change = async (purpose: ConsentPurpose, granted: boolean) => {
    setMessage(null)
    try {
      const p = (await setConsent({ variables: { input: { profileId, purpose, granted } } })).data?.setConsent
      const first = p?.userErrors[0]
      if (!p || first) {
        setMessage({ tone: 'error', text: first?.message ?? 'The consent was not changed.' })
        return
      }
      setMessage({
        tone: 'success',
        text: `${enumLabel('ConsentPurpose', purpose)}: consent ${granted ? 'granted' : 'denied'} (recorded as your decision).`,
      })
      await refetch()
    } catch (err) {
      setMessage({ tone: 'error', text: (err as Error).message })
    }
  }

  return (
    <Card
      title="Consent"
      description="Per purpose, from the events’ consent preferences or set here. Advertising without a recorded decision counts as denied."
    >
      <QueryState
        data={data}
        loading={loading}
        error={error}
        onRetry={() => void refetch()}
        loadingLabel="Loading consent…"
      >
        {({ profileConsents }) =>
          !profileConsents ? (
            <EmptyState title="No consent for a profile that does not exist" />
          ) : (
            <>
              {message && (
                <div className="mb-3">
                  <Alert tone={message.tone}>{message.text}</Alert>
                </div>
              )}
              <DataTable
                caption="Consent"
                columns={['Purpose', 'Consent', 'Source', 'Decided']}
                actions={can('ANALYST')}
                items={profileConsents.map((c) => ({ ...c, id: c.purpose }))}
                row={(c: Consent) => (
                  <>
                    <Td className="font-medium">{enumLabel('ConsentPurpose', c.purpose)}</Td>
                    <Td>
                      <Badge tone={CONSENT_TONE[c.state]}>{enumLabel('ConsentState', c.state)}</Badge>
                    </Td>
                    <Td className="text-muted">{c.source ? enumLabel('ConsentSource', c.source) : '—'}</Td>
                    <Td className="whitespace-nowrap text-muted">{c.decidedAt ? formatDateTime(c.decidedAt) : '—'}</Td>
                    {can('ANALYST') && (
                      <Td>
                        <span className="flex gap-2">
                          {c.state !== 'GRANTED' && (
                            <Button
                              size="sm"
                              variant="ghost"
                              disabled={saving}
                              aria-label={`Grant ${enumLabel('ConsentPurpose', c.purpose)}`}
                              onClick={() => void change(c.purpose, true)}
                            >
                              Grant
                            </Button>
                          )}
                          {c.state !== 'DENIED' && (
                            <Button
                              size="sm"
                              variant="ghost"
                              disabled={saving}
                              aria-label={`Deny ${enumLabel('ConsentPurpose', c.purpose)}`}
                              onClick={() => void change(c.purpose, false)}
                            >
                              Deny
                            </Button>
                          )}
                        </span>
                      </Td>
                    )}
                  </>
                )}
              />
            </>
          )
        }
      </QueryState>
    </Card>
  )
}

import { useMutation, useQuery } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Badge, Button, Card, Field, Select, useToast } from '../../components/ui'
import type { DegradationSeverity, SignalComponent } from '../../gql/graphql'
import { useSession } from '../../session/SessionProvider'
import { COMPONENTS, DEGRADATION_SEVERITIES, keysOf } from '../../trust/labels'
import {
  SimulateDegradationDocument,
  SimulatedDegradationsDocument,
  SimulateRecoveryDocument,
} from '../../trust/operations'

/**
 * Simulator controls of a demo tenant: degrade a signal component of the
 * simulated platform, or recover it, and watch the gate react (the score is
 * recomputed a moment later and arrives through the live updates).
 */
export function DemoControls() {
  const { can } = useSession()
  const toast = useToast()
  const { data } = useQuery(SimulatedDegradationsDocument)
  const [component, setComponent] = useState<SignalComponent>('EMQ')
  const [severity, setSeverity] = useState<DegradationSeverity>('CRITICAL')
  const [error, setError] = useState<string | null>(null)
  const update = { refetchQueries: [SimulatedDegradationsDocument] }
  const [degrade, degrading] = useMutation(SimulateDegradationDocument, update)
  const [recover, recovering] = useMutation(SimulateRecoveryDocument, update)
  const degradations = data?.simulatedDegradations ?? []

  const run = async (what: () => Promise<{ userErrors: readonly { message: string }[] } | undefined>, done: string) => {
    setError(null)
    try {
      const payload = await what()
      const err = payload?.userErrors[0]
      if (err) setError(err.message)
      else toast.show({ tone: 'primary', message: done })
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const onDegrade = () =>
    run(
      async () =>
        (await degrade({ variables: { input: { platform: 'SIMULATOR', component, severity } } })).data
          ?.simulateSignalDegradation,
      `Simulated ${DEGRADATION_SEVERITIES[severity].toLowerCase()} ${COMPONENTS[component].toLowerCase()} problem: the score updates in a moment.`,
    )
  const onRecover = () =>
    run(
      async () => (await recover({ variables: { input: { platform: 'SIMULATOR' } } })).data?.simulateSignalRecovery,
      'Simulated platform recovered: the score updates in a moment.',
    )

  return (
    <Card
      title={
        <span className="flex flex-wrap items-center gap-2">
          Signal simulator <Badge tone="primary">Simulated data</Badge>
        </span>
      }
      description="This demo tenant runs on Stratum's simulated ad platform. Break a signal on purpose and watch the trust gate react."
    >
      <div className="flex flex-col gap-4">
        <div>
          <h3 className="mb-2 text-sm font-medium">Currently simulated problems</h3>
          {degradations.length === 0 ? (
            <p className="text-sm text-muted">None: the simulated platform is healthy.</p>
          ) : (
            <ul className="flex flex-wrap gap-2" aria-label="Simulated problems">
              {degradations.map((d) => (
                <li key={d.component}>
                  <Badge tone="warning" icon="!">
                    {COMPONENTS[d.component]}: {DEGRADATION_SEVERITIES[d.severity].toLowerCase()}
                  </Badge>
                </li>
              ))}
            </ul>
          )}
        </div>
        {can('ANALYST') ? (
          <>
            <div className="grid gap-3 sm:grid-cols-2">
              <Field label="Signal to degrade">
                <Select value={component} onChange={(e) => setComponent(e.target.value as SignalComponent)}>
                  {keysOf(COMPONENTS).map((c) => (
                    <option key={c} value={c}>
                      {COMPONENTS[c]}
                    </option>
                  ))}
                </Select>
              </Field>
              <Field label="Severity">
                <Select value={severity} onChange={(e) => setSeverity(e.target.value as DegradationSeverity)}>
                  {keysOf(DEGRADATION_SEVERITIES).map((s) => (
                    <option key={s} value={s}>
                      {DEGRADATION_SEVERITIES[s]}
                    </option>
                  ))}
                </Select>
              </Field>
            </div>
            {error && <Alert>{error}</Alert>}
            <div className="flex flex-wrap gap-2">
              <Button variant="danger" onClick={() => void onDegrade()} loading={degrading.loading}>
                Degrade signal (simulated)
              </Button>
              <Button
                onClick={() => void onRecover()}
                loading={recovering.loading}
                disabled={degradations.length === 0}
              >
                Recover all (simulated)
              </Button>
            </div>
          </>
        ) : (
          <p className="text-sm text-muted">The Analyst role or higher can change the simulation.</p>
        )}
      </div>
    </Card>
  )
}

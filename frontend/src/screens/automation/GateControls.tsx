import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Badge, Button, Card, GatedButton } from '../../components/ui'
import type { AutopilotLevel, TrustSettingsQuery } from '../../gql/graphql'
import { useToastedAction } from '../../lib/useToastedAction'
import { keysOf, LEVELS } from '../../trust/labels'
import { ConfirmChange } from './ConfirmChange'
import { SetAutopilotLevelDocument, SetKillSwitchDocument } from './operations'

type Gate = TrustSettingsQuery['trustGate']

/** The kill switch: stops all automatic execution at once (admins). */
export function KillSwitchCard({ gate, canChange }: { gate: Gate; canChange: boolean }) {
  const act = useToastedAction()
  const [confirming, setConfirming] = useState(false)
  const [setKillSwitch, { loading }] = useMutation(SetKillSwitchDocument)
  const on = gate.killSwitch
  const flip = async () => {
    await act(
      async () =>
        (await setKillSwitch({ variables: { input: { enabled: !on } } })).data?.setKillSwitch.userErrors ?? [],
      on ? 'Kill switch off: automation resumes under the gate' : 'Kill switch on: nothing executes automatically',
    )
    setConfirming(false)
  }
  return (
    <Card
      title="Kill switch"
      description="When on, nothing executes automatically and every proposal is blocked."
      actions={
        <Badge tone={on ? 'error' : 'success'} icon={on ? '■' : '▶'}>
          {on ? 'On: automation stopped' : 'Off'}
        </Badge>
      }
    >
      {canChange ? (
        <Button variant={on ? 'secondary' : 'danger'} onClick={() => setConfirming(true)}>
          {on ? 'Turn the kill switch off' : 'Turn the kill switch on'}
        </Button>
      ) : (
        <p className="text-sm text-muted">Admins can turn the kill switch on or off.</p>
      )}
      <ConfirmChange
        change={
          confirming
            ? on
              ? {
                  title: 'Turn the kill switch off?',
                  description:
                    'Automation resumes: actions the gate passes may execute again, per the autopilot level.',
                  confirmLabel: 'Turn off',
                }
              : {
                  title: 'Turn the kill switch on?',
                  description: 'Nothing executes automatically until it is turned off; every proposal is blocked.',
                  confirmLabel: 'Stop automation',
                  danger: true,
                }
            : null
        }
        loading={loading}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void flip()}
      />
    </Card>
  )
}

/** How much autopilot may do on its own (admins choose). */
export function AutopilotLevelCard({ gate, canChange }: { gate: Gate; canChange: boolean }) {
  const act = useToastedAction()
  const [choice, setChoice] = useState<AutopilotLevel>(gate.autopilotLevel)
  const [confirming, setConfirming] = useState(false)
  const [setLevel, { loading }] = useMutation(SetAutopilotLevelDocument)
  const apply = async () => {
    await act(
      async () =>
        (await setLevel({ variables: { input: { level: choice } } })).data?.setAutopilotLevel.userErrors ?? [],
      `Autopilot level: ${LEVELS[choice].label}`,
    )
    setConfirming(false)
  }
  return (
    <Card title="Autopilot level" description="How much autopilot does without a person.">
      <fieldset className="flex flex-col gap-3" disabled={!canChange}>
        <legend className="sr-only">Autopilot level</legend>
        {keysOf(LEVELS).map((level) => (
          <label
            key={level}
            className="flex items-start gap-3 rounded-md border border-line p-3 text-sm has-[:checked]:border-primary-500 has-[:checked]:bg-primary-soft"
          >
            <input
              type="radio"
              name="autopilot-level"
              value={level}
              checked={choice === level}
              onChange={() => setChoice(level)}
              className="mt-0.5 size-4 accent-primary-600"
            />
            <span>
              <span className="font-medium">{LEVELS[level].label}</span>
              {level === gate.autopilotLevel && <span className="text-muted"> (current)</span>}
              <span className="block text-muted">{LEVELS[level].meaning}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {canChange ? (
        <div className="mt-4">
          <GatedButton
            feature="autopilot"
            variant="primary"
            disabled={choice === gate.autopilotLevel}
            onClick={() => setConfirming(true)}
          >
            Change level
          </GatedButton>
        </div>
      ) : (
        <div className="mt-4">
          <Alert tone="primary">Admins can change the autopilot level.</Alert>
        </div>
      )}
      <ConfirmChange
        change={
          confirming
            ? {
                title: `Switch autopilot to “${LEVELS[choice].label}”?`,
                description: `${LEVELS[choice].meaning} Queued actions are re-gated at once.`,
                confirmLabel: 'Change level',
              }
            : null
        }
        loading={loading}
        onCancel={() => setConfirming(false)}
        onConfirm={() => void apply()}
      />
    </Card>
  )
}

import { useMutation } from '@apollo/client/react'
import { useState } from 'react'

import { Alert, Badge, Button, Checkbox, CheckboxGroup, Dialog } from '../../components/ui'
import type { IdentifierType } from '../../gql/graphql'
import { enumLabel } from '../../lib/enumLabels'
import type { UserErrorLike } from '../../lib/userErrors'
import { SplitProfileDocument, UnmergeProfileDocument } from './operations'

/** Most identifiers one split moves (domain/cdp: MaxSplitIdentifiers). */
export const MAX_SPLIT_IDENTIFIERS = 50

interface Ident {
  type: IdentifierType
  value: string
}

/** What a repair did, for the screen to say. */
export interface RepairDone {
  message: string
  /** The profile to link to (the revived or the new one). */
  profileId: string
}

/** Errors a failed mutation's exception or userErrors give, as one message. */
function messageOf(errors: readonly UserErrorLike[]): string {
  return errors.map((e) => e.message).join(' ')
}

/**
 * "Unmerge" of one merge-history entry: confirms, then takes the absorbed
 * profile back out of this one. The server's refusal shows in the dialog.
 */
export function UnmergeDialog({
  absorbedId,
  onClose,
  onDone,
}: {
  absorbedId: string
  onClose: () => void
  onDone: (done: RepairDone) => void
}) {
  const [unmerge, { loading }] = useMutation(UnmergeProfileDocument)
  const [error, setError] = useState<string | null>(null)
  const confirm = async () => {
    setError(null)
    try {
      const p = (await unmerge({ variables: { input: { profileId: absorbedId } } })).data?.unmergeProfile
      if (!p || p.userErrors.length > 0 || !p.profile) {
        setError(messageOf(p?.userErrors ?? []) || 'The profile was not unmerged.')
        return
      }
      onDone({
        message: 'Unmerged: the profile is separate again, with the identifiers it brought.',
        profileId: p.profile.id,
      })
    } catch (err) {
      setError((err as Error).message)
    }
  }
  return (
    <Dialog
      open
      onClose={onClose}
      title="Unmerge this profile?"
      description="The merged profile comes back with the identifiers it brought and its own counters (taken off this one). The next event that links them merges them again: fix the source first."
      footer={
        <>
          <Button onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button variant="danger" onClick={() => void confirm()} loading={loading}>
            Unmerge
          </Button>
        </>
      }
    >
      <p className="text-sm break-all">
        Profile <code className="font-mono text-xs">{absorbedId}</code>
      </p>
      {error && (
        <div className="mt-3">
          <Alert>{error}</Alert>
        </div>
      )}
    </Dialog>
  )
}

const key = (i: Ident) => `${i.type}:${i.value}`

/**
 * "Split off…": choose identifiers of the profile to move into a new
 * profile, confirm, and see the server's refusals beside the identifier
 * they are about (or above the list).
 */
export function SplitDialog({
  profileId,
  identities,
  onClose,
  onDone,
}: {
  profileId: string
  identities: readonly Ident[]
  onClose: () => void
  onDone: (done: RepairDone) => void
}) {
  const [split, { loading }] = useMutation(SplitProfileDocument)
  const [chosen, setChosen] = useState<string[]>([])
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({})
  const [error, setError] = useState<string | null>(null)
  const selected = identities.filter((i) => chosen.includes(key(i)))
  const tooMany = selected.length > MAX_SPLIT_IDENTIFIERS
  const everything = selected.length === identities.length

  const toggle = (i: Ident) => setChosen((c) => (c.includes(key(i)) ? c.filter((k) => k !== key(i)) : [...c, key(i)]))

  const show = (errors: readonly UserErrorLike[]) => {
    const byField: Record<string, string> = {}
    const rest: string[] = []
    for (const e of errors) {
      // ["input", "identifiers", "N", …] is about the N-th identifier sent.
      const n = e.field?.[0] === 'input' && e.field[1] === 'identifiers' && e.field[2] ? Number(e.field[2]) : NaN
      const about = selected[n]
      if (about) byField[key(about)] = e.message
      else rest.push(e.message)
    }
    setFieldErrors(byField)
    setError(rest.length ? rest.join(' ') : null)
  }

  const confirm = async () => {
    setError(null)
    setFieldErrors({})
    try {
      const p = (
        await split({
          variables: {
            input: { profileId, identifiers: selected.map((i) => ({ type: i.type, value: i.value })) },
          },
        })
      ).data?.splitProfile
      if (!p || p.userErrors.length > 0 || !p.newProfile) {
        show(p?.userErrors ?? [{ message: 'The profile was not split.', code: 'INTERNAL' }])
        return
      }
      onDone({
        message: `Split off: ${selected.length === 1 ? 'the identifier is' : `${selected.length} identifiers are`} on a new profile.`,
        profileId: p.newProfile.id,
      })
    } catch (err) {
      setError((err as Error).message)
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title="Split off identifiers?"
      description="The chosen identifiers move to a new profile; the events that carried its user and anonymous ids show there. Counters and traits stay with this profile. The next event that links them merges them again: fix the source first."
      footer={
        <>
          <Button onClick={onClose} data-autofocus>
            Cancel
          </Button>
          <Button
            variant="danger"
            onClick={() => void confirm()}
            loading={loading}
            disabled={selected.length === 0 || tooMany || everything}
          >
            Split off
          </Button>
        </>
      }
    >
      <CheckboxGroup
        legend="Identifiers to move"
        error={
          everything
            ? 'Keep at least one identifier on this profile.'
            : tooMany
              ? `At most ${MAX_SPLIT_IDENTIFIERS} identifiers at a time.`
              : undefined
        }
      >
        <ul className="flex w-full flex-col gap-2">
          {identities.map((i) => (
            <li key={key(i)}>
              <Checkbox
                checked={chosen.includes(key(i))}
                onChange={() => toggle(i)}
                label={
                  <span className="flex flex-wrap items-center gap-2">
                    <Badge>{enumLabel('IdentifierType', i.type)}</Badge>
                    <span className="break-all">{i.value}</span>
                  </span>
                }
              />
              {fieldErrors[key(i)] && (
                <p className="ml-6 text-sm text-error-ink" role="alert">
                  <span aria-hidden>⚠ </span>
                  {fieldErrors[key(i)]}
                </p>
              )}
            </li>
          ))}
        </ul>
      </CheckboxGroup>
      {error && (
        <div className="mt-3">
          <Alert>{error}</Alert>
        </div>
      )}
    </Dialog>
  )
}

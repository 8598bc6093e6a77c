import { useQuery } from '@apollo/client/react'
import { useEffect, useState } from 'react'

import { Checkbox, CheckboxGroup, Field, Input } from '../../components/ui'
import { PLATFORMS } from '../../trust/labels'
import { CampaignOptionsDocument, ScopedCampaignsDocument } from './operations'

/** How many campaigns a search shows. */
export const CAMPAIGN_OPTIONS = 25

export interface CampaignScopePickerProps {
  campaignIds: string[]
  onChange: (ids: string[]) => void
  /** How long the search waits for typing to stop (tests use 0). */
  searchDelayMs?: number
}

/**
 * The rule's campaigns: the ticked ones stay listed whatever the search
 * finds; the search (by name, as you type) lists up to CAMPAIGN_OPTIONS
 * more, so a tenant with thousands of campaigns can find each.
 */
export function CampaignScopePicker({ campaignIds, onChange, searchDelayMs = 300 }: CampaignScopePickerProps) {
  const [text, setText] = useState('')
  const [search, setSearch] = useState('')
  useEffect(() => {
    const v = text.trim().slice(0, 100)
    if (searchDelayMs <= 0) {
      setSearch(v)
      return
    }
    const t = setTimeout(() => setSearch(v), searchDelayMs)
    return () => clearTimeout(t)
  }, [text, searchDelayMs])
  const { data } = useQuery(CampaignOptionsDocument, { variables: { search: search || null, first: CAMPAIGN_OPTIONS } })
  const { data: scoped } = useQuery(ScopedCampaignsDocument, {
    variables: { ids: campaignIds },
    skip: campaignIds.length === 0,
  })
  const names = new Map<string, string>()
  for (const n of scoped?.nodes ?? []) {
    if (n?.__typename === 'Campaign') names.set(n.id, `${n.name} (${PLATFORMS[n.platform]})`)
  }
  const found = (data?.campaigns.edges ?? []).map((e) => e.node).filter((c) => !campaignIds.includes(c.id))
  const more = (data?.campaigns.totalCount ?? 0) - (data?.campaigns.edges.length ?? 0)
  const toggle = (id: string, on: boolean) => onChange(on ? [...campaignIds, id] : campaignIds.filter((x) => x !== id))
  return (
    <div className="flex flex-col gap-2">
      <Field label="Find campaigns by name" className="max-w-sm">
        <Input type="search" value={text} maxLength={100} onChange={(e) => setText(e.target.value)} />
      </Field>
      <CheckboxGroup legend="Campaigns (none ticked: all in the platforms above)">
        {campaignIds.map((id) => (
          <Checkbox key={id} label={names.get(id) ?? 'A campaign'} checked onChange={() => toggle(id, false)} />
        ))}
        {found.map((c) => (
          <Checkbox
            key={c.id}
            label={`${c.name} (${PLATFORMS[c.platform]})`}
            checked={false}
            onChange={(e) => toggle(c.id, e.target.checked)}
          />
        ))}
      </CheckboxGroup>
      {data && found.length === 0 && (search || campaignIds.length === 0) && (
        <p className="text-sm text-muted">
          {search
            ? `No ${campaignIds.length > 0 ? 'other ' : ''}campaign's name contains “${search}”.`
            : 'No campaigns yet.'}
        </p>
      )}
      {more > 0 && (
        <p className="text-sm text-muted">{`${more} more match${more === 1 ? 'es' : ''}: type more of the name to find them.`}</p>
      )}
    </div>
  )
}

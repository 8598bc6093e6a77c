import type { MockLink } from '@apollo/client/testing'
import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { MemoryRouter, useLocation } from 'react-router-dom'
import { describe, expect, it, vi } from 'vitest'

import { featuresMock } from '../../test/features'
import { TestSession, testSession, testViewer } from '../../test/session'
import { PHONE_WIDTH, setViewportWidth } from '../../test/viewport'
import { renderWithApi, trustCache } from '../../trust/testProviders'
import AutomationScreen, { automationTab } from '.'
import { AutomationRulesDocument, TrustSettingsDocument } from './operations'

const gate = {
  trustGate: {
    __typename: 'TrustGate',
    autopilotMode: 'LIMITED',
    autopilotLevel: 'GUARDED_AUTO',
    enforcementMode: 'SOFT_BLOCK',
    killSwitch: true,
    score: 66,
    status: 'DEGRADED',
    verdict: 'Signal health 66: conservative actions only.',
    decisionCounts: { __typename: 'GateDecisionCounts', pass: 1, hold: 2, block: 0 },
    settings: {
      __typename: 'EnforcementSettings',
      killSwitch: true,
      enforcementMode: 'SOFT_BLOCK',
      autopilotLevel: 'GUARDED_AUTO',
      maxDailyBudget: null,
      maxCampaignBudget: null,
      maxBudgetIncreasePct: 30,
      minRoas: 1,
      minRoasWindowDays: 7,
      maxBudgetChangesPerDay: 5,
      minHoursBetweenChanges: 4,
      updatedAt: null,
    },
    enforcementRules: [],
  },
}

function rule(id: string, name: string, enabled: boolean, builtin: boolean) {
  return {
    __typename: 'AutomationRule',
    id,
    name,
    description: builtin ? 'Pause after 7 days at CPA ≥ 2× target.' : null,
    logic: builtin
      ? 'CPA ≥ 2× target CPA or ROAS ≤ 0.5× target ROAS on each of the last 7 days → pause underperforming campaign'
      : 'ROAS over 7 days < 1 → reduce budget by 20 %',
    builtin,
    enabled,
    scheduleMinutes: 60,
    lastEvaluatedAt: null,
  }
}

const rules = {
  automationRules: {
    __typename: 'AutomationRuleConnection',
    totalCount: 3,
    edges: [
      rule('QXV0b21hdGlvblJ1bGU6MQ', 'Status management', true, true),
      rule('QXV0b21hdGlvblJ1bGU6Mg', 'Scale winners', true, false),
      rule('QXV0b21hdGlvblJ1bGU6Mw', 'Budget pacing', false, true),
    ].map((node) => ({ __typename: 'AutomationRuleEdge', node })),
  },
  enabledRules: { __typename: 'AutomationRuleConnection', totalCount: 2 },
}

const mocks: MockLink.MockedResponse[] = [
  { request: { query: TrustSettingsDocument }, result: { data: gate }, maxUsageCount: Infinity },
  { request: { query: AutomationRulesDocument }, result: { data: rules }, maxUsageCount: Infinity },
  featuresMock(),
]

/** Where the router is: the tab lives in the URL. */
function Location() {
  const { pathname, search } = useLocation()
  return <output data-testid="location">{pathname + search}</output>
}

function renderScreen(url = '/automation', apiMocks = mocks, cache = trustCache()) {
  renderWithApi(
    <TestSession value={testSession(testViewer('ADMIN'))}>
      <MemoryRouter initialEntries={[url]}>
        <AutomationScreen />
        <Location />
      </MemoryRouter>
    </TestSession>,
    apiMocks,
    cache,
  )
  return userEvent.setup()
}

const location = () => screen.getByTestId('location').textContent
const panel = () => screen.getByRole('tabpanel')

describe('AutomationScreen', () => {
  it('sums up the current state above the tabs', async () => {
    renderScreen()
    const summary = screen.getByRole('region', { name: 'Current state' })
    // A line reads "Loading…" until its query answers (a busy machine
    // renders the term first): wait for the answer, then compare.
    const line = async (term: string) => {
      const dt = await within(summary).findByText(term)
      await waitFor(() => expect(dt.nextElementSibling?.textContent).not.toBe('Loading…'))
      return dt.nextElementSibling?.textContent
    }
    expect(await line('Rules')).toBe('2 of 3 enabled')
    // (a badge's text starts with its icon)
    expect(await line('Autopilot mode')).toBe('◐Limited')
    expect(await line('Autopilot level')).toBe('Guarded auto')
    expect(await line('Kill switch')).toBe('■On: automation stopped')
    expect(await line('Enforcement')).toBe('Soft block')
  })

  it('splits the page into tabs, rules first', async () => {
    renderScreen()
    const tabs = within(screen.getByRole('tablist', { name: 'Automation' })).getAllByRole('tab')
    expect(tabs.map((t) => t.textContent)).toEqual(['Rules', 'Autopilot & kill switch', 'Guardrails'])
    expect(screen.getByRole('tab', { name: 'Rules' })).toHaveAttribute('aria-selected', 'true')
    expect(await within(panel()).findByRole('table', { name: 'Automation rules' })).toBeInTheDocument()
    // The other tabs' forms are not on the page.
    expect(screen.queryByRole('region', { name: 'Kill switch' })).toBeNull()
    expect(screen.queryByRole('region', { name: 'Enforcement settings' })).toBeNull()
  })

  it('opens the tab the URL names, and puts the one chosen in the URL', async () => {
    const user = renderScreen('/automation?tab=guardrails')
    expect(screen.getByRole('tab', { name: 'Guardrails' })).toHaveAttribute('aria-selected', 'true')
    expect(await within(panel()).findByRole('region', { name: 'Enforcement settings' })).toBeInTheDocument()
    expect(within(panel()).getByRole('region', { name: 'Custom rules per guardrail' })).toBeInTheDocument()

    await user.click(screen.getByRole('tab', { name: 'Autopilot & kill switch' }))
    expect(location()).toBe('/automation?tab=autopilot')
    expect(await within(panel()).findByRole('region', { name: 'Kill switch' })).toBeInTheDocument()
    expect(within(panel()).getByRole('region', { name: 'Autopilot level' })).toBeInTheDocument()

    // The keyboard moves between tabs, and the URL follows.
    await user.keyboard('{ArrowRight}')
    expect(screen.getByRole('tab', { name: 'Guardrails' })).toHaveFocus()
    expect(location()).toBe('/automation?tab=guardrails')
    await user.keyboard('{Home}')
    expect(location()).toBe('/automation')
    expect(await within(panel()).findByRole('table', { name: 'Automation rules' })).toBeInTheDocument()
  })

  it('opens the rules for a tab it does not know', () => {
    expect(automationTab('autopilot')).toBe('autopilot')
    expect(automationTab('guardrails')).toBe('guardrails')
    expect(automationTab(null)).toBe('rules')
    expect(automationTab('bogus')).toBe('rules')
  })

  it('shows the rules as cards on a phone, each with its switch and buttons', async () => {
    setViewportWidth(PHONE_WIDTH)
    renderScreen()
    const list = await within(panel()).findByRole('list', { name: 'Automation rules' })
    expect(screen.queryByRole('table')).toBeNull()
    const cards = within(list).getAllByRole('listitem')
    expect(cards).toHaveLength(3)
    const scale = cards[1]!
    expect(
      within(scale)
        .getAllByRole('term')
        .map((t) => t.textContent),
    ).toEqual(['Rule', 'Schedule', 'Last evaluated', 'Enabled'])
    expect(within(scale).getByText('Scale winners')).toBeInTheDocument()
    expect(within(scale).getByRole('checkbox', { name: 'Enable Scale winners' })).toBeChecked()
    expect(within(scale).getByRole('button', { name: 'Edit Scale winners' })).toBeInTheDocument()
    expect(within(scale).getByRole('button', { name: 'Delete Scale winners' })).toBeInTheDocument()
    // Built-in rules can be edited, not deleted.
    expect(within(cards[0]!).getByRole('button', { name: 'Edit Status management' })).toBeInTheDocument()
    expect(within(cards[0]!).queryByRole('button', { name: /^Delete/ })).toBeNull()
  })

  it('shows which plan unlocks the autopilot level instead of offering a change that would fail', async () => {
    renderScreen('/automation?tab=autopilot', [...mocks.slice(0, 2), featuresMock({ autopilot: 'PLAN' })])
    await screen.findByText('Unlocks with Professional', { exact: false })
    expect(screen.getByRole('button', { name: 'Change level' })).toBeDisabled()
    expect(screen.getByRole('button', { name: 'Change level' })).toHaveAccessibleDescription(
      /Unlocks with Professional/,
    )
    // The kill switch is not gated: it stays usable.
    expect(screen.getByRole('button', { name: 'Turn the kill switch off' })).toBeEnabled()
  })

  it('offers the level change when the plan has autopilot (the positive control)', async () => {
    const cache = trustCache()
    renderScreen('/automation?tab=autopilot', mocks, cache)
    await screen.findByRole('button', { name: 'Change level' })
    // The flags have arrived (all on) before looking for the absence of a lock.
    await vi.waitFor(() => expect(JSON.stringify(cache.extract())).toContain('"key":"autopilot","enabled":true'))
    expect(screen.getByRole('button', { name: 'Change level' })).not.toHaveAccessibleDescription()
    expect(screen.queryByText(/Unlocks with/)).toBeNull()
  })
})

import { screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { renderWithApi } from '../../trust/testProviders'
import { EnforcementSettingsForm, sharedCurrency } from './EnforcementSettingsForm'

const settings = {
  __typename: 'EnforcementSettings' as const,
  killSwitch: false,
  enforcementMode: 'SOFT_BLOCK' as const,
  autopilotLevel: 'GUARDED_AUTO' as const,
  maxDailyBudget: 1000,
  maxCampaignBudget: 300,
  maxBudgetIncreasePct: 30,
  minRoas: 1,
  minRoasWindowDays: 7,
  maxBudgetChangesPerDay: 5,
  minHoursBetweenChanges: 4,
  updatedAt: null,
}

const page = (currencies: string[], hasNextPage = false) => ({
  pageInfo: { hasNextPage },
  edges: currencies.map((currency) => ({ node: { currency } })),
})

describe('guardrail budget caps', () => {
  it('name the currency all campaigns share', () => {
    renderWithApi(<EnforcementSettingsForm settings={settings} canChange currency="EUR" />)
    expect(screen.getByLabelText('Total daily budget cap (EUR)')).toHaveValue('1000')
    expect(screen.getByLabelText('Campaign daily budget cap (EUR)')).toHaveAccessibleDescription(
      /In EUR, the currency of all your campaigns\./,
    )
    expect(screen.getByLabelText('Largest increase per change (%)')).toBeInTheDocument()
  })

  it("say each campaign's currency when the campaigns' currencies differ", () => {
    renderWithApi(<EnforcementSettingsForm settings={settings} canChange currency={null} />)
    expect(screen.getByLabelText('Total daily budget cap')).toHaveAccessibleDescription(/In each campaign’s currency\./)
  })

  it('take the currency only when every campaign is loaded and all share it', () => {
    expect(sharedCurrency(page(['EUR', 'EUR']))).toBe('EUR')
    expect(sharedCurrency(page(['EUR', 'USD']))).toBeNull()
    expect(sharedCurrency(page(['EUR'], true))).toBeNull()
    expect(sharedCurrency(page([]))).toBeNull()
    expect(sharedCurrency(undefined)).toBeNull()
  })
})

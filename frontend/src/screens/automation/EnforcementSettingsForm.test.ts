import { describe, expect, it } from 'vitest'

import { settingsInput, validateSettings, type SettingsDraft } from './EnforcementSettingsForm'

const valid: SettingsDraft = {
  enforcementMode: 'SOFT_BLOCK',
  maxDailyBudget: '',
  maxCampaignBudget: '500',
  maxBudgetIncreasePct: '30',
  minRoas: '1.2',
  minRoasWindowDays: '7',
  maxBudgetChangesPerDay: '5',
  minHoursBetweenChanges: '4',
}

describe('enforcement settings form', () => {
  it('accepts the defaults and an empty cap (no cap)', () => {
    expect(validateSettings(valid)).toEqual({})
  })

  it('checks each field against the bounds the API documents', () => {
    const errors = validateSettings({
      ...valid,
      maxCampaignBudget: '-1',
      maxBudgetIncreasePct: '1001',
      minRoas: '',
      minRoasWindowDays: '7.5',
      maxBudgetChangesPerDay: 'five',
      minHoursBetweenChanges: '-2',
    })
    expect(Object.keys(errors).sort()).toEqual([
      'maxBudgetChangesPerDay',
      'maxBudgetIncreasePct',
      'maxCampaignBudget',
      'minHoursBetweenChanges',
      'minRoas',
      'minRoasWindowDays',
    ])
    expect(errors.minRoasWindowDays).toBe('Enter a whole number of days from 1 to 90')
  })

  it('clears an emptied cap and sends the rest as numbers', () => {
    expect(settingsInput(valid)).toEqual({
      enforcementMode: 'SOFT_BLOCK',
      clearMaxDailyBudget: true,
      maxCampaignBudget: 500,
      maxBudgetIncreasePct: 30,
      minRoas: 1.2,
      minRoasWindowDays: 7,
      maxBudgetChangesPerDay: 5,
      minHoursBetweenChanges: 4,
    })
  })
})

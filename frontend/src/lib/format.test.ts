import { describe, expect, it } from 'vitest'

import { formatDate, formatDateTime, formatNumber, formatScore, paramsLabel, settingChanges, titleCase } from './format'

describe('formatScore and formatNumber', () => {
  it('show a dash when there is no value yet', () => {
    for (const none of [null, undefined]) {
      expect(formatScore(none)).toBe('—')
      expect(formatNumber(none)).toBe('—')
    }
  })

  it('round a score to a whole number and keep a plain number as it is', () => {
    expect(formatScore(72.6)).toBe('73')
    expect(formatScore(0)).toBe('0')
    expect(formatNumber(150)).toBe('150')
    expect(formatNumber(0)).toBe('0')
  })
})

describe('formatDate and formatDateTime', () => {
  it('show the day, and the time only in formatDateTime', () => {
    const iso = '2026-12-01T10:15:00Z'
    expect(formatDate(iso)).toContain('2026')
    expect(formatDateTime(iso)).toContain(formatDate(iso))
    expect(formatDateTime(iso).length).toBeGreaterThan(formatDate(iso).length)
  })
})

describe('titleCase', () => {
  it('reads an enum name as a word', () => {
    expect(titleCase('OWNER')).toBe('Owner')
    expect(titleCase('READ')).toBe('Read')
    expect(titleCase('')).toBe('')
  })
})

describe('paramsLabel', () => {
  it.each([
    [{ percent: 20 }, 'by 20%'],
    [{ amount: 150 }, 'to 150'],
    [{ status: 'PAUSED' }, 'to paused'],
    [{ percent: 20, amount: 150 }, 'by 20%'],
    [{}, null],
    [{ percent: null, amount: null, status: null }, null],
  ])('%j reads %j', (params, want) => {
    expect(paramsLabel(params)).toBe(want)
  })
})

describe('settingChanges', () => {
  it('lists only the settings that change', () => {
    expect(
      settingChanges({ status: 'ACTIVE', dailyBudget: 100, bid: 2 }, { status: 'ACTIVE', dailyBudget: 120, bid: 2 }),
    ).toEqual([{ label: 'Daily budget', before: '100', after: '120' }])
  })

  it('lists every known setting when nothing changes, and skips unknown ones', () => {
    expect(settingChanges({ status: 'PAUSED', dailyBudget: 50 }, { status: 'PAUSED', dailyBudget: 50 })).toEqual([
      { label: 'Daily budget', before: '50', after: '50' },
      { label: 'Status', before: 'PAUSED', after: 'PAUSED' },
    ])
  })

  it('shows a setting that appears only on one side with a dash on the other', () => {
    expect(settingChanges(null, { status: 'PAUSED' })).toEqual([{ label: 'Status', before: '—', after: 'PAUSED' }])
    expect(settingChanges(undefined, undefined)).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'

import {
  campaignStatusLabel,
  emqFromComponent,
  formatCount,
  formatDate,
  formatDateTime,
  formatEmq,
  formatMoney,
  formatNumber,
  formatPercent,
  formatPercentValue,
  formatPoints,
  formatScore,
  formatScoreOf,
  paramsLabel,
  settingChanges,
  titleCase,
} from './format'

// Expected amounts in the test's locale (the formatters use the reader's).
const usd = (n: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'USD' }).format(n)
const eur = (n: number) => new Intl.NumberFormat(undefined, { style: 'currency', currency: 'EUR' }).format(n)

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

describe('units', () => {
  it('scores are whole numbers of 100', () => {
    expect(formatScoreOf(84.8)).toBe('85 / 100')
    expect(formatScoreOf(null)).toBe('—')
  })

  it('points are signed with a real minus and one decimal', () => {
    expect(formatPoints(-29.16)).toBe('−29.2 points')
    expect(formatPoints(3)).toBe('+3.0 points')
    expect(formatPoints(0)).toBe('0.0 points')
    expect(formatPoints(-1)).toBe('−1.0 point')
    expect(formatPoints(-29.16, { abs: true })).toBe('29.2 points')
  })

  it('EMQ is on one scale, 0–10 with one decimal, whichever number it comes from', () => {
    expect(formatEmq(8.48)).toBe('8.5 / 10')
    expect(formatEmq(emqFromComponent(84.8))).toBe('8.5 / 10')
    expect(formatEmq(null)).toBe('—')
  })

  it('percentages carry the sign and at most one decimal', () => {
    expect(formatPercent(0.225)).toBe('22.5%')
    expect(formatPercent(0.135)).toBe('13.5%')
    expect(formatPercent(0.4)).toBe('40%')
    expect(formatPercentValue(20)).toBe('20%')
  })

  it('money carries its currency, and says so when the currency is unknown', () => {
    expect(formatMoney(150, 'USD')).toBe(usd(150))
    expect(formatMoney(1200.5, 'EUR')).toBe(eur(1200.5))
    expect(formatMoney(150, 'USD')).not.toBe(formatMoney(150, 'EUR'))
    expect(formatMoney(150, null)).toBe('150 (account currency)')
    expect(formatMoney(150, 'usd')).toBe('150 (account currency)')
    expect(formatMoney(null, 'USD')).toBe('—')
  })

  it('counts carry their noun', () => {
    expect(formatCount(1, 'action')).toBe('1 action')
    expect(formatCount(5, 'action')).toBe('5 actions')
    expect(formatCount(0, 'entry', 'entries')).toBe('0 entries')
  })

  it('campaign statuses read as words', () => {
    expect(campaignStatusLabel('PAUSED')).toBe('Paused')
    expect(campaignStatusLabel('ACTIVE')).toBe('Active')
    expect(campaignStatusLabel(null)).toBe('—')
  })
})

describe('paramsLabel', () => {
  it.each([
    [{ percent: 20 }, 'by 20%'],
    [{ amount: 150 }, `to ${usd(150)}`],
    [{ status: 'PAUSED' }, 'to paused'],
    [{ percent: 20, amount: 150 }, 'by 20%'],
    [{}, null],
    [{ percent: null, amount: null, status: null }, null],
  ])('%j reads %j', (params, want) => {
    expect(paramsLabel(params, 'USD')).toBe(want)
  })
})

describe('settingChanges', () => {
  it('lists only the settings that change', () => {
    expect(
      settingChanges(
        { status: 'ACTIVE', dailyBudget: 100, bid: 2 },
        { status: 'ACTIVE', dailyBudget: 120, bid: 2 },
        'USD',
      ),
    ).toEqual([{ label: 'Daily budget', before: usd(100), after: usd(120) }])
  })

  it('lists every known setting when nothing changes, and skips unknown ones', () => {
    expect(settingChanges({ status: 'PAUSED', dailyBudget: 50 }, { status: 'PAUSED', dailyBudget: 50 }, 'EUR')).toEqual(
      [
        { label: 'Daily budget', before: eur(50), after: eur(50) },
        { label: 'Status', before: 'Paused', after: 'Paused' },
      ],
    )
  })

  it('shows a setting that appears only on one side with a dash on the other', () => {
    expect(settingChanges(null, { status: 'PAUSED' })).toEqual([{ label: 'Status', before: '—', after: 'Paused' }])
    expect(settingChanges(undefined, undefined)).toEqual([])
  })
})

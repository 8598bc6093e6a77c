import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'

import { arcPath, bandOf, clampScore, pointOnArc } from './gauge'
import { HealthGauge } from './HealthGauge'

describe('gauge maths', () => {
  it('bands scores as the trust gate does: ≥ 70 healthy, 40–69 degraded, < 40 unhealthy', () => {
    const cases: [number, string][] = [
      [100, 'HEALTHY'],
      [70, 'HEALTHY'],
      [69.9, 'DEGRADED'],
      [40, 'DEGRADED'],
      [39.99, 'UNHEALTHY'],
      [0, 'UNHEALTHY'],
      [-5, 'UNHEALTHY'],
      [140, 'HEALTHY'],
    ]
    for (const [score, want] of cases) expect(bandOf(score), `score ${score}`).toBe(want)
  })

  it('clamps scores to 0–100 and treats NaN as 0', () => {
    expect(clampScore(-1)).toBe(0)
    expect(clampScore(101)).toBe(100)
    expect(clampScore(Number.NaN)).toBe(0)
    expect(clampScore(42.5)).toBe(42.5)
  })

  it('maps 0 to the left end, 50 to the top and 100 to the right end', () => {
    expect(pointOnArc(0, 80, 100, 96)).toEqual({ x: 20, y: 96 })
    expect(pointOnArc(50, 80, 100, 96)).toEqual({ x: 100, y: 16 })
    expect(pointOnArc(100, 80, 100, 96)).toEqual({ x: 180, y: 96 })
    expect(arcPath(0, 100, 80, 100, 96)).toBe('M 20 96 A 80 80 0 0 1 180 96')
  })
})

describe('HealthGauge', () => {
  it('is a meter with the rounded score, its range and the band in words', () => {
    render(<HealthGauge label="Overall signal health" score={93.22} status="HEALTHY" />)
    const meter = screen.getByRole('meter', { name: 'Overall signal health' })
    expect(meter).toHaveAttribute('aria-valuenow', '93')
    expect(meter).toHaveAttribute('aria-valuemin', '0')
    expect(meter).toHaveAttribute('aria-valuemax', '100')
    expect(meter).toHaveAttribute('aria-valuetext', '93 of 100, Healthy: autopilot may execute')
    expect(meter).toHaveTextContent('Healthy')
    expect(meter).toHaveTextContent('Autopilot may execute')
  })

  it.each([
    [55, 'Degraded', 'Automation alerts only'],
    [12, 'Unhealthy', 'A person must act'],
    [70, 'Healthy', 'Autopilot may execute'],
  ])('derives the band of %d from the score when the server gave none', (score, label, meaning) => {
    render(<HealthGauge label="Health" score={score} />)
    const meter = screen.getByRole('meter', { name: 'Health' })
    expect(meter).toHaveTextContent(label)
    expect(meter).toHaveTextContent(meaning)
  })

  it("prefers the server's band (hysteresis) over the score's", () => {
    render(<HealthGauge label="Health" score={69} status="HEALTHY" />)
    expect(screen.getByRole('meter')).toHaveTextContent('Healthy')
  })

  it('clamps out-of-range scores for assistive technology too', () => {
    render(<HealthGauge label="Health" score={130} />)
    expect(screen.getByRole('meter')).toHaveAttribute('aria-valuenow', '100')
  })

  it('says there is no score yet instead of showing an empty meter', () => {
    render(<HealthGauge label="Overall signal health" score={null} />)
    expect(screen.queryByRole('meter')).toBeNull()
    expect(screen.getByText('Overall signal health: no score yet')).toBeInTheDocument()
  })
})

import { Kind, parse } from 'graphql'
import { describe, expect, it } from 'vitest'

import { AUDIT_TARGET_TYPES, codeWords, ENUM_LABELS, enumLabel } from './enumLabels'

// node:fs through a computed specifier: the app's tsconfig has no Node types
// (see src/test/nodeEngines.test.ts); the files lie outside frontend/.
const { readFileSync, readdirSync } = (await import(/* @vite-ignore */ 'node:fs' as string)) as {
  readFileSync(path: string, encoding: 'utf8'): string
  readdirSync(path: string): string[]
}
// A path, not a URL: under jsdom, URL is jsdom's, which node:fs does not take.
const path = (rel: string) => decodeURIComponent(new URL(rel, import.meta.url).pathname)
// The schema the generated types come from (codegen.ts reads the same
// files): every enum, including those no operation of the app uses yet.
const graphDir = path('../../../graph/')

function schemaEnums(): Map<string, string[]> {
  const enums = new Map<string, string[]>()
  for (const file of readdirSync(graphDir).filter((f: string) => f.endsWith('.graphqls'))) {
    for (const def of parse(readFileSync(graphDir + file, 'utf8')).definitions) {
      if (def.kind === Kind.ENUM_TYPE_DEFINITION || def.kind === Kind.ENUM_TYPE_EXTENSION) {
        const values = (def.values ?? []).map((v) => v.name.value)
        enums.set(def.name.value, [...(enums.get(def.name.value) ?? []), ...values])
      }
    }
  }
  return enums
}

describe('ENUM_LABELS', () => {
  const enums = schemaEnums()

  it('reads the schema (positive control: enums the dashboard shows are there)', () => {
    expect(enums.get('SignalHealthStatus')).toEqual(['HEALTHY', 'DEGRADED', 'UNHEALTHY'])
    expect(enums.size).toBeGreaterThan(20)
  })

  it('has a table for every enum of the schema and no table for an enum that is gone', () => {
    expect(Object.keys(ENUM_LABELS).sort()).toEqual([...enums.keys()].sort())
  })

  it.each([...schemaEnums()])('labels every value of %s, in words rather than its code', (name, values) => {
    const table: Record<string, string> = ENUM_LABELS[name as keyof typeof ENUM_LABELS] ?? {}
    expect(Object.keys(table).sort()).toEqual([...values].sort())
    for (const v of values) {
      expect(table[v], `${name}.${v}`).toBeTruthy()
      if (v.length > 2 && v !== 'CDP' && v !== 'EMQ' && v !== 'ROAS' && v !== 'CPA' && v !== 'CTR') {
        expect(table[v], `${name}.${v} shows its code`).not.toBe(v)
      }
    }
  })
})

describe('enumLabel', () => {
  it('reads a known code from its table and an unknown one as words', () => {
    expect(enumLabel('AutopilotLevel', 'APPROVAL_REQUIRED')).toBe('Approval required')
    expect(enumLabel('AutopilotMode', 'LIMITED')).toBe('Limited')
    expect(enumLabel('SignalHealthStatus', 'DEGRADED')).toBe('Degraded')
    expect(enumLabel('AutopilotMode', 'HALF_FROZEN')).toBe('Half frozen')
  })

  it('names audit targets in words (ApiKey is an API key)', () => {
    expect(AUDIT_TARGET_TYPES.ApiKey).toBe('API key')
    expect(codeWords('ApiKey')).toBe('Api key')
    expect(codeWords('CUTS_ONLY')).toBe('Cuts only')
  })
})

describe('AUDIT_TARGET_TYPES', () => {
  it('names every type an audit entry can target (internal/relay/types.go)', () => {
    const src = readFileSync(path('../../../internal/relay/types.go'), 'utf8')
    const types = [...src.matchAll(/^\s*Type\w+\s*=\s*"(\w+)"/gm)].map((m) => m[1]!)
    expect(types).toContain('ApiKey')
    expect(Object.keys(AUDIT_TARGET_TYPES).sort()).toEqual([...types].sort())
  })
})

// `npm ci` on the Node version the READMEs state prints no EBADENGINE
// warning: every package in the lock file accepts the lowest version of each
// range our own `engines.node` allows, and the README states that version.
// The range check is a small subset of node-semver (comparators, x-ranges,
// ^, ~, hyphens, ||), enough for the `engines` fields found on npm; when it
// was written it agreed with node-semver on every range in the lock file for
// a thousand versions. (node-semver is only a transitive dependency here.)
import { describe, expect, it } from 'vitest'

// node:fs through a computed specifier: the app's tsconfig has no Node types
// (they would leak into the app), and Vite may not serve the repository's
// README, which lies outside frontend/.
const { readFileSync } = (await import(/* @vite-ignore */ 'node:fs' as string)) as {
  readFileSync(path: URL, encoding: 'utf8'): string
}
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8')
const runningNode = (globalThis as unknown as { process: { versions: { node: string } } }).process.versions.node

type Version = [number, number, number]
type Op = '<' | '<=' | '>' | '>=' | '='
type Comparator = { op: Op; v: Version }
type Loose = [number | null, number | null, number | null]

function partial(s: string): Loose {
  const parts = s
    .replace(/^[v=]+/, '')
    .replace(/[-+].*$/, '') // prerelease and build: the versions we test are releases
    .split('.')
  const num = (p: string | undefined) => (p === undefined || p === '' || /^[xX*]$/.test(p) ? null : Number(p))
  const [a, b, c] = [num(parts[0]), num(parts[1]), num(parts[2])]
  if ([a, b, c].some((n) => n !== null && Number.isNaN(n))) throw new Error(`not a version: ${s}`)
  // Once a part is wild, the rest are too ("1.x.3" is "1.x").
  return [a, a === null ? null : b, a === null || b === null ? null : c]
}

const zero = (p: Loose): Version => [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0]
const never: Comparator[] = [{ op: '<', v: [0, 0, 0] }]

// upper is the exclusive bound after a partial version: 1 → 2.0.0, 1.2 → 1.3.0.
function upper([a, b]: Loose): Version {
  return b === null ? [a! + 1, 0, 0] : [a!, b + 1, 0]
}

function comparators(op: string, p: Loose): Comparator[] {
  const [a, b, c] = p
  const full = c !== null
  switch (op) {
    case '':
    case '=':
      if (a === null) return []
      return full
        ? [{ op: '=', v: zero(p) }]
        : [
            { op: '>=', v: zero(p) },
            { op: '<', v: upper(p) },
          ]
    case '>=':
      return a === null ? [] : [{ op: '>=', v: zero(p) }]
    case '>':
      if (a === null) return never
      return full ? [{ op: '>', v: zero(p) }] : [{ op: '>=', v: upper(p) }]
    case '<':
      return a === null ? never : [{ op: '<', v: zero(p) }]
    case '<=':
      if (a === null) return []
      return full ? [{ op: '<=', v: zero(p) }] : [{ op: '<', v: upper(p) }]
    case '~':
      if (a === null) return []
      return [
        { op: '>=', v: zero(p) },
        { op: '<', v: upper(b === null ? p : [a, b, null]) },
      ]
    case '^': {
      if (a === null) return []
      const lo = zero(p)
      let hi: Version
      if (a > 0 || b === null) hi = [a + 1, 0, 0]
      else if (b > 0 || c === null) hi = [0, b + 1, 0]
      else hi = [0, 0, c + 1]
      return [
        { op: '>=', v: lo },
        { op: '<', v: hi },
      ]
    }
  }
  throw new Error(`unknown operator ${op}`)
}

function parseRange(range: string): Comparator[][] {
  return range.split('||').map((alt) => {
    const s = alt.trim()
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(s)
    if (hyphen) {
      const hi = partial(hyphen[2]!)
      return [...comparators('>=', partial(hyphen[1]!)), ...comparators('<=', hi)]
    }
    return s
      .replace(/(<=|>=|<|>|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter((t) => t !== '')
      .flatMap((t) => {
        const m = /^(<=|>=|<|>|=|\^|~)?(.*)$/.exec(t)!
        return comparators(m[1] ?? '', partial(m[2]!))
      })
  })
}

function compare(x: Version, y: Version): number {
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!
  return 0
}

function holds({ op, v }: Comparator, version: Version): boolean {
  const d = compare(version, v)
  return { '<': d < 0, '<=': d <= 0, '>': d > 0, '>=': d >= 0, '=': d === 0 }[op]
}

function satisfies(version: string, range: string): boolean {
  const v = zero(partial(version))
  return parseRange(range).some((set) => set.every((c) => holds(c, v)))
}

// minimums are the lowest versions a range allows, one per alternative.
function minimums(range: string): string[] {
  return parseRange(range).map((set) => {
    let lo: Version = [0, 0, 0]
    for (const c of set) {
      const v: Version = c.op === '>' ? [c.v[0], c.v[1], c.v[2] + 1] : c.v
      if ((c.op === '>=' || c.op === '>' || c.op === '=') && compare(v, lo) > 0) lo = v
    }
    return lo.join('.')
  })
}

describe('satisfies', () => {
  it.each([
    ['20.19.0', '>=20.19.0', true],
    ['20.18.9', '>=20.19.0', false],
    ['20.19.0', '>= 20', true],
    ['20.19.0', '>=22.15.0', false],
    ['22.15.0', '>=22.15.0', true],
    ['20.19.0', '^20.19.0 || >=22.13.0', true],
    ['21.0.0', '^20.19.0 || >=22.13.0', false],
    ['22.12.0', '^20.19.0 || >=22.13.0', false],
    ['22.13.0', '^20.19.0 || >=22.13.0', true],
    ['22.12.0', '>=23.5.0 || ^22.13.0 || ^20.17.0', false],
    ['20.17.0', '>=23.5.0 || ^22.13.0 || ^20.17.0', true],
    ['20.19.0', '18 || 20 || >=22', true],
    ['21.1.0', '18 || 20 || >=22', false],
    ['20.19.0', '6.* || 8.* || >= 10.*', true],
    ['9.0.0', '6.* || 8.* || >= 10.*', false],
    ['20.19.0', '*', true],
    ['20.19.0', '', true],
    ['20.19.0', '>=v12.22.7', true],
    ['20.19.0', '^12.20.0 || ^14.13.1 || >=16.0.0', true],
    ['14.0.0', '^12.20.0 || ^14.13.1 || >=16.0.0', false],
    ['20.19.0', '~20.18', false],
    ['20.18.5', '~20.18', true],
    ['0.2.9', '^0.2.3', true],
    ['0.3.0', '^0.2.3', false],
    ['20.19.0', '18 - 20', true],
    ['21.0.0', '18 - 20', false],
    ['20.19.0', '>=18 <20', false],
    ['20.19.0', '>20', false],
    ['21.0.0', '>20', true],
  ])('%s in %j is %s', (version, range, want) => {
    expect(satisfies(version, range)).toBe(want)
  })

  it('finds the lowest version of each alternative', () => {
    expect(minimums('^20.19.0 || >=22.13.0')).toEqual(['20.19.0', '22.13.0'])
    expect(minimums('>20.1.2')).toEqual(['20.1.3'])
  })
})

type Lock = { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> }

describe('Node version', () => {
  const pkg = JSON.parse(read('../../package.json')) as { engines: { node: string } }
  const lock = JSON.parse(read('../../package-lock.json')) as Lock
  const ours = pkg.engines.node
  const stated = minimums(ours)

  // Packages whose engines.node rejects version.
  function rejecting(lockfile: Lock, version: string): string[] {
    return Object.entries(lockfile.packages).flatMap(([path, p]) => {
      const node = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined
      return node !== undefined && !satisfies(version, node)
        ? [`${path.replace(/^.*node_modules\//, '')}@${p.version} wants node ${node}`]
        : []
    })
  }

  it('every lock-file package accepts the lowest Node of each range engines.node allows', () => {
    expect(stated.length).toBeGreaterThan(0)
    for (const version of stated) {
      expect(satisfies(version, ours), `${version} in ${ours}`).toBe(true)
      expect(rejecting(lock, version), `on Node ${version}`).toEqual([])
    }
  })

  it('and the Node running the tests, when engines.node allows it', () => {
    if (satisfies(runningNode, ours)) expect(rejecting(lock, runningNode), `on Node ${runningNode}`).toEqual([])
  })

  it('the check sees a package that wants a newer Node', () => {
    // Positive control: of a lock file's packages, the one that wants Node 22.15 is named.
    const wanting: Lock = {
      packages: {
        '': { version: '0.0.0', engines: { node: ours } },
        'node_modules/fine': { version: '2.0.0', engines: { node: '>=18' } },
        'node_modules/fine/node_modules/needs-new-node': { version: '1.0.0', engines: { node: '>=22.15.0' } },
        'node_modules/no-engines': { version: '3.0.0' },
      },
    }
    expect(rejecting(wanting, '20.19.0')).toEqual(['needs-new-node@1.0.0 wants node >=22.15.0'])
    expect(rejecting(wanting, '22.15.0')).toEqual([])
  })

  it('the READMEs state the same lowest Node version', () => {
    const first = stated[0]!.split('.').slice(0, 2).join('.') // "20.19"
    // The first "Node <version>" in each README is its statement of what it needs.
    const statedIn = (text: string) => /\bNode (\d+(?:\.\d+)*)/.exec(text)?.[1]
    expect(statedIn(read('../../../README.md')), 'README.md').toBe(first)
    expect(statedIn(read('../../README.md')), 'frontend/README.md').toBe(first)
  })
})

// The graphql-http server audit (GraphQL over HTTP spec): every MUST audit
// must pass; SHOULD and MAY results are logged.
import { serverAudits, type AuditResult } from 'graphql-http'
import { describe, expect, inject, it } from 'vitest'

const url = `${inject('baseUrl')}/graphql`
const audits = serverAudits({ url, fetchFn: fetch })

async function explain(result: AuditResult): Promise<string> {
  if (result.status === 'ok') return 'ok'
  let body = ''
  try {
    body = await result.response.text()
  } catch {
    // body already read or unavailable
  }
  return `${result.status}: ${result.reason}\n  response: ${result.response.status} ${result.response.headers.get('content-type') ?? ''} ${body.slice(0, 500)}`
}

describe('GraphQL over HTTP: MUST', () => {
  for (const audit of audits.filter((a) => a.name.startsWith('MUST'))) {
    it(`${audit.id} ${audit.name}`, async () => {
      const result = await audit.fn()
      expect(await explain(result)).toBe('ok')
    })
  }
})

describe('GraphQL over HTTP: SHOULD and MAY', () => {
  it('are reported', async () => {
    const lines: string[] = []
    const counts = { ok: 0, notice: 0, warn: 0, error: 0 }
    for (const audit of audits.filter((a) => !a.name.startsWith('MUST'))) {
      const result = await audit.fn()
      counts[result.status]++
      if (result.status !== 'ok') lines.push(`  ${audit.id} ${audit.name}\n    ${await explain(result)}`)
    }
    console.log(
      `graphql-http SHOULD/MAY audits: ${counts.ok} ok, ${counts.notice} notice, ${counts.warn} warn, ${counts.error} error` +
        (lines.length ? `\n${lines.join('\n')}` : ''),
    )
  })
})

// The legacy subscriptions-transport-ws protocol ("graphql-ws" subprotocol),
// still used by older Apollo clients, spoken by hand.
import { describe, expect, inject, it } from 'vitest'
import WebSocket from 'ws'

const wsUrl = `${inject('baseUrl').replace(/^http/, 'ws')}/graphql`

type Message = { type: string; id?: string; payload?: { data?: { serverTime?: string } } }

describe('legacy graphql-ws (subscriptions-transport-ws)', () => {
  it('completes a serverTime subscription round trip', async () => {
    const ws = new WebSocket(wsUrl, 'graphql-ws')
    const inbox: Message[] = []
    let wake: () => void = () => {}
    ws.on('message', (raw) => {
      inbox.push(JSON.parse(raw.toString()) as Message)
      wake()
    })
    const next = async (type: string): Promise<Message> => {
      for (;;) {
        const i = inbox.findIndex((m) => m.type === type)
        if (i >= 0) return inbox.splice(i, 1)[0]!
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`no ${type} message; got ${JSON.stringify(inbox)}`)), 5000)
          wake = () => (clearTimeout(t), resolve())
        })
      }
    }
    const send = (m: object) => ws.send(JSON.stringify(m))

    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    expect(ws.protocol).toBe('graphql-ws')
    send({ type: 'connection_init', payload: {} })
    await next('connection_ack')

    send({ type: 'start', id: '1', payload: { query: 'subscription { serverTime(intervalSeconds: 1) }' } })
    const a = await next('data')
    const b = await next('data')
    expect(a.id).toBe('1')
    expect(Date.parse(b.payload!.data!.serverTime!)).toBeGreaterThan(Date.parse(a.payload!.data!.serverTime!))

    send({ type: 'stop', id: '1' })
    expect((await next('complete')).id).toBe('1')

    const closed = new Promise<number>((resolve) => ws.once('close', resolve))
    send({ type: 'connection_terminate' })
    ws.close(1000)
    expect(await closed).toBe(1000)
  })
})

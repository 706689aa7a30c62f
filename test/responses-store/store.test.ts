import { describe, expect, test } from 'bun:test'
import type { ResponseObject, ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'
import { ShimError } from '../../src/errors.ts'
import { expandStoredContext } from '../../src/responses-store/expand.ts'
import { itemIdPrefix } from '../../src/responses-store/item-id-prefix.ts'
import { storeLimitsFromEnv } from '../../src/responses-store/options.ts'
import { ResponseStore, shouldStore } from '../../src/responses-store/store.ts'
import { prefixedIds, runTurn, user } from './_turns.ts'

const MiB = 1024 * 1024
const HOUR = 60 * 60 * 1000

/** A finished response of about `size` characters of JSON, half in its input, half in its output. */
function sized(id: string, size: number): { response: ResponseObject; input: ResponsesItem[] } {
  const half = 'x'.repeat(Math.floor(size / 2) - 120)
  return {
    response: { id, object: 'response', created_at: 1, status: 'completed', model: 'm', output: [{ type: 'message', id: `msg_out_${id}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: half }] }] },
    input: [{ type: 'message', id: `msg_in_${id}`, role: 'user', content: half }],
  }
}

const request = (body: Record<string, unknown>): ResponsesRequest => ({ model: 'gpt-test', input: [], ...body }) as ResponsesRequest

describe('recording and reading back', () => {
  test('a response, its input and output items are kept under their ids', () => {
    const store = new ResponseStore({ ids: prefixedIds('gen') })
    const reasoning = { type: 'reasoning', id: 'rs_client', summary: [], encrypted_content: 'ENC' }
    expect(store.record({ response: sized('resp_1', 2000).response, input: [reasoning, { type: 'message', role: 'user', content: 'no id' }], instructions: 'Be brief.' })).toBe(true)
    const stored = store.get('resp_1')!
    expect(stored.response.instructions).toBe('Be brief.')
    expect(stored.input.map((entry) => entry.id)).toEqual(['rs_client', 'msg_gen_1'])
    expect(store.item('rs_client')).toEqual(reasoning)
    expect(store.item('msg_out_resp_1')).toMatchObject({ role: 'assistant' })
    expect(store.item('msg_gen_1')).toEqual({ type: 'message', role: 'user', content: 'no id' })
    expect(store.stats()).toMatchObject({ entries: 1, limitBytes: 128 * MiB })
  })

  test('byte accounting is the JSON length held, and returns to zero', () => {
    const store = new ResponseStore()
    const { response, input } = sized('resp_b', 4000)
    store.record({ response, input })
    const items = JSON.stringify(input[0]).length + JSON.stringify(response.output[0]).length
    const bytes = store.stats().bytes
    expect(bytes).toBeGreaterThan(items)
    expect(bytes).toBeLessThan(items + JSON.stringify(response).length)
    expect(store.delete('resp_b')).toBe(true)
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 })
    expect(store.item('msg_in_resp_b')).toBeUndefined()
    expect(store.delete('resp_b')).toBe(false)
  })

  test('stored items are frozen: a later request cannot change them', () => {
    const store = new ResponseStore()
    const { response, input } = sized('resp_f', 1000)
    store.record({ response, input })
    const item = store.item('msg_in_resp_f') as { content: string }
    expect(() => {
      item.content = 'changed'
    }).toThrow(TypeError)
    expect(Object.isFrozen(store.get('resp_f')!.response.output[0])).toBe(true)
  })

  test('a previous_response_id chain holds each item once', () => {
    const store = new ResponseStore()
    let previous: string | undefined
    let last: ReturnType<typeof runTurn> | undefined
    for (let turn = 1; turn <= 8; turn++) {
      const body = previous ? { previous_response_id: previous, input: [user(`question ${turn} ${'q'.repeat(2000)}`)] } : { input: [user(`question 1 ${'q'.repeat(2000)}`)] }
      last = runTurn(store, request(body), [{ say: `answer ${turn} ${'a'.repeat(2000)}` }], { ids: prefixedIds(`chain${turn}`) })
      previous = last.response.id
    }
    const distinct = JSON.stringify([...last!.sent.input as ResponsesItem[], ...last!.response.output]).length
    // Without sharing, turn n would hold turns 1…n-1 again: about 4.5× the distinct items here.
    expect(store.stats().bytes).toBeLessThan(distinct * 1.5)
    // Each entry is whole on its own: the earlier turns can go and the chain still continues.
    for (let turn = 1; turn < 8; turn++) store.delete(`resp_chain${turn}_1`)
    const { resolvedInput } = expandStoredContext(request({ previous_response_id: previous, input: 'one more' }), store)
    expect(resolvedInput).toHaveLength(17)
    expect(store.stats().bytes).toBeLessThan(distinct * 1.5)
  })

  test('an entry larger than the whole cap is not kept, and evicts nothing', () => {
    const store = new ResponseStore({ limitBytes: 20_000 })
    store.record(sized('resp_small', 5000))
    expect(store.record(sized('resp_huge', 50_000))).toBe(false)
    expect(store.get('resp_huge')).toBeUndefined()
    expect(store.get('resp_small')).toBeDefined()
  })

  test('a chain whose whole context grows past the cap: that turn is not kept, and evicts nothing for it', () => {
    // Its new items alone fitted, so it was kept, evicted every other entry, then itself (a store audit).
    const store = new ResponseStore({ limitBytes: 12_000 })
    let previous: string | undefined
    let lastKept: string | undefined
    let before = store.stats()
    for (let turn = 1; turn <= 6; turn++) {
      before = store.stats()
      const body = previous ? { previous_response_id: previous, input: [user(`q${turn} ${'q'.repeat(1500)}`)] } : { input: [user(`q1 ${'q'.repeat(1500)}`)] }
      previous = runTurn(store, request(body), [{ say: `a${turn} ${'a'.repeat(1500)}` }], { ids: prefixedIds(`cap${turn}`) }).response.id
      if (!store.get(previous)) break
      lastKept = previous
    }
    expect(store.get(previous!)).toBeUndefined()
    // The store is as it was before that turn: the chain up to it still continues.
    expect(store.stats()).toEqual(before)
    expect(store.get(lastKept!)).toBeDefined()
    expect(() => expandStoredContext(request({ previous_response_id: lastKept, input: 'again' }), store)).not.toThrow()
  })

  test('a cap of 0 turns the store off', () => {
    const store = new ResponseStore({ limitBytes: 0 })
    expect(store.record(sized('resp_off', 1000))).toBe(false)
    expect(store.stats()).toEqual({ entries: 0, bytes: 0, limitBytes: 0 })
  })

  test('store defaults to true; only false keeps nothing', () => {
    expect([shouldStore({}), shouldStore({ store: true }), shouldStore({ store: false })]).toEqual([true, true, false])
  })
})

describe('bounds', () => {
  test('a 1 MiB store filled by 200 responses of ~10 KB keeps the newest and evicts the oldest', () => {
    const store = new ResponseStore({ limitBytes: 1 * MiB })
    for (let i = 0; i < 200; i++) store.record(sized(`resp_${i}`, 10_000))
    const { entries, bytes, limitBytes } = store.stats()
    expect(bytes).toBeLessThanOrEqual(limitBytes)
    expect(entries).toBeGreaterThan(90)
    expect(entries).toBeLessThan(110)
    const kept = Array.from({ length: 200 }, (_, i) => store.get(`resp_${i}`) !== undefined)
    const firstKept = kept.indexOf(true)
    expect(kept.slice(0, firstKept).every((present) => !present)).toBe(true)
    expect(kept.slice(firstKept).every(Boolean)).toBe(true)
    expect(firstKept).toBe(200 - entries)
    // An evicted entry's items go with it.
    expect(store.item('msg_in_resp_0')).toBeUndefined()
    expect(store.item('msg_out_resp_199')).toBeDefined()
  })

  test('entries idle past the TTL are forgotten; use keeps them alive', () => {
    let now = 0
    const store = new ResponseStore({ ttlMs: 24 * HOUR, now: () => now })
    store.record(sized('resp_old', 1000))
    now = 10 * HOUR
    store.record(sized('resp_new', 1000))
    now = 24 * HOUR + 1
    expect(store.get('resp_old')).toBeUndefined()
    expect(store.item('msg_in_resp_old')).toBeUndefined()
    expect(store.get('resp_new')).toBeDefined() // idle 14 h; this read resets its clock
    now = 47 * HOUR
    expect(store.item('msg_out_resp_new')).toBeDefined() // idle 23 h: still there
    now = 47 * HOUR + 24 * HOUR + 1
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0 })
  })

  test('least recently used goes first: get, item lookups and expansion all count as use', () => {
    const store = new ResponseStore({ limitBytes: 35_000 })
    for (const id of ['resp_a', 'resp_b', 'resp_c']) store.record(sized(id, 10_000))
    store.get('resp_a') // b is now the least recently used
    store.record(sized('resp_d', 10_000))
    expect(['resp_a', 'resp_b', 'resp_c', 'resp_d'].map((id) => store.get(id) !== undefined)).toEqual([true, false, true, true])
    // Order now (oldest first): a c d. An item_reference into c freshens c; expansion of a freshens a.
    store.item('msg_out_resp_c')
    expandStoredContext(request({ previous_response_id: 'resp_a', input: 'next' }), store)
    store.record(sized('resp_e', 10_000))
    expect(['resp_a', 'resp_c', 'resp_d', 'resp_e'].map((id) => store.get(id) !== undefined)).toEqual([true, true, false, true])
  })
})

describe('settings', () => {
  test('defaults, overrides and malformed values', () => {
    expect(storeLimitsFromEnv({})).toEqual({ limitBytes: 128 * MiB, ttlMs: 24 * HOUR })
    expect(storeLimitsFromEnv({ CODEX_SHIM_RESPONSE_STORE_MB: '32', CODEX_SHIM_RESPONSE_STORE_TTL_S: '600' })).toEqual({ limitBytes: 32 * MiB, ttlMs: 600_000 })
    expect(storeLimitsFromEnv({ CODEX_SHIM_RESPONSE_STORE_MB: '0' }).limitBytes).toBe(0)
    for (const env of [{ CODEX_SHIM_RESPONSE_STORE_MB: 'lots' }, { CODEX_SHIM_RESPONSE_STORE_MB: '-1' }, { CODEX_SHIM_RESPONSE_STORE_TTL_S: '0' }]) {
      let error: unknown
      try {
        storeLimitsFromEnv(env)
      } catch (caught) {
        error = caught
      }
      expect(error).toBeInstanceOf(ShimError)
      expect((error as ShimError).kind).toBe('config')
      expect((error as ShimError).message).toContain(Object.keys(env)[0]!)
    }
  })

  test.each([
    ['message', 'msg'], ['reasoning', 'rs'], ['function_call', 'fc'], ['function_call_output', 'fco'],
    ['custom_tool_call', 'ctc'], ['custom_tool_call_output', 'ctco'], ['compaction', 'cmp'], ['web_search_call', 'item'], ['toString', 'item'],
  ])('generated ids for %s start with %s_', (type, prefix) => {
    expect(itemIdPrefix(type)).toBe(prefix)
  })
})

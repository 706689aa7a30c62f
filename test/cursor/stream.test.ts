import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { counterIds } from '../../src/canonical/builder.ts'
import type { ResponseObject, ResponsesEvent } from '../../src/canonical/types.ts'
import { createCursorDecoder, mapCursorUsage } from '../../src/cursor/stream.ts'
import { ShimError } from '../../src/errors.ts'

const fixtures = join(import.meta.dir, '../fakes/cursor-agent')
const lines = (name: string) => readFileSync(join(fixtures, `${name}.ndjson`), 'utf8').split('\n').filter(Boolean)

function decode(input: string[], finish: 'end' | ShimError = 'end') {
  const events: ResponsesEvent[] = []
  const chatIds: string[] = []
  const decoder = createCursorDecoder((event) => events.push(event), { model: 'cursor-composer-2.5', ids: counterIds(), now: () => 1_790_000_000_000, onChatId: (id) => chatIds.push(id) })
  for (const line of input) decoder.push({ data: line })
  if (finish === 'end') decoder.end()
  else decoder.fail(finish)
  return { events, decoder, chatIds }
}

const ofType = (events: ResponsesEvent[], type: string) => events.filter((event) => event.type === type)
const textDeltas = (events: ResponsesEvent[]) => ofType(events, 'response.output_text.delta').map((event) => (event as { delta: string }).delta)
const terminal = (events: ResponsesEvent[]) => events.at(-1) as { type: string; response: ResponseObject }
const finalText = (events: ResponsesEvent[]) =>
  terminal(events)
    .response.output.filter((item) => item.type === 'message')
    .map((item) => (item as { content: { text: string }[] }).content.map((part) => part.text).join(''))
    .join('')
const summaries = (events: ResponsesEvent[]) =>
  terminal(events)
    .response.output.filter((item) => item.type === 'reasoning')
    .map((item) => (item as { summary: { text: string }[] }).summary.map((part) => part.text).join(''))

/** The genuine deltas of a fixture: `assistant` lines with `timestamp_ms` and no `model_call_id`. */
function genuineDeltas(input: string[]): string[] {
  return input
    .map((line) => JSON.parse(line))
    .filter((event) => event.type === 'assistant' && typeof event.timestamp_ms === 'number' && event.model_call_id === undefined)
    .map((event) => event.message.content.map((part: { text: string }) => part.text).join(''))
}

describe('cursor stream-json → responses events', () => {
  const turn = lines('tool-turn')

  test('final text is exactly the concatenated genuine deltas, and equals result.result', () => {
    const { events } = decode(turn)
    const expected = genuineDeltas(turn).join('')
    expect(finalText(events)).toBe(expected)
    expect(expected).toBe(JSON.parse(turn.at(-1)!).result)
    expect(textDeltas(events)).toEqual(genuineDeltas(turn))
  })

  test('two equal consecutive deltas are both text', () => {
    const deltas = textDeltas(decode(turn).events)
    const at = deltas.indexOf('ha')
    expect(at).toBeGreaterThan(-1)
    expect(deltas.slice(at, at + 2)).toEqual(['ha', 'ha'])
    expect(finalText(decode(turn).events)).toContain('hahaha')
  })

  test('the buffered re-send and the final replay add nothing', () => {
    const withoutReplays = turn.filter((line) => {
      const event = JSON.parse(line)
      return !(event.type === 'assistant' && (event.model_call_id !== undefined || event.timestamp_ms === undefined))
    })
    expect(withoutReplays.length).toBe(turn.length - 3)
    expect(textDeltas(decode(withoutReplays).events)).toEqual(textDeltas(decode(turn).events))
  })

  test('re-sends are segment boundaries: text before and after tool calls are separate message items', () => {
    const { events } = decode(turn)
    const messages = terminal(events).response.output.filter((item) => item.type === 'message')
    expect(messages.map((item) => (item as { content: { text: string }[] }).content[0]!.text)).toEqual(['Let me look around. hahaha', "Now I'll edit it.", 'Done: README.md has two lines.'])
  })

  test('a replay that carries a tail the deltas lost emits only that tail', () => {
    const { events } = decode(lines('missing-suffix'))
    expect(textDeltas(events)).toEqual(['Short ans', 'wer.'])
    expect(finalText(events)).toBe('Short answer.')
  })

  test('tool calls become reasoning summaries with the command or path and the result, never function calls', () => {
    const { events } = decode(turn)
    const types = new Set(terminal(events).response.output.map((item) => item.type))
    expect(types.has('function_call')).toBe(false)
    expect(types.has('custom_tool_call')).toBe(false)
    expect(ofType(events, 'response.function_call_arguments.delta')).toHaveLength(0)
    const texts = summaries(events)
    expect(texts[0]).toBe('The user wants a listing.')
    const shell = texts.find((text) => text.startsWith('**cursor-agent · shell**'))!
    expect(shell).toContain('`ls -a`')
    expect(shell).toContain('exit code 0')
    expect(shell).toContain('README.md')
    expect(texts.find((text) => text.startsWith('**cursor-agent · read**'))).toBe('**cursor-agent · read** `README.md`\n\n1 line\n')
    expect(texts.find((text) => text.startsWith('**cursor-agent · edit**'))).toBe('**cursor-agent · edit** `README.md`\n\n+1 -0\n')
    expect(texts.find((text) => text.startsWith('**cursor-agent · glob**'))).toBe('**cursor-agent · glob** `**/*.md` in `.`\n\n**Error:** glob timed out\n')
  })

  test('out-of-order completions close the right items; output order is start order', () => {
    const { events } = decode(turn)
    const done = ofType(events, 'response.output_item.done').map((event) => (event as { item: { summary?: { text: string }[] }; output_index: number }))
    const readDone = done.findIndex((event) => event.item.summary?.[0]?.text.includes('· read'))
    const shellDone = done.findIndex((event) => event.item.summary?.[0]?.text.includes('· shell'))
    expect(readDone).toBeLessThan(shellDone) // finishing order
    expect(done[shellDone]!.output_index).toBeLessThan(done[readDone]!.output_index) // start order
  })

  test('usage lands in response.completed and the chat id is reported once', () => {
    const { events, decoder, chatIds } = decode(turn)
    const last = terminal(events)
    expect(last.type).toBe('response.completed')
    expect(last.response.usage).toEqual(mapCursorUsage({ inputTokens: 1200, outputTokens: 42, cacheReadTokens: 800, cacheWriteTokens: 100 })!)
    expect(last.response.usage).toMatchObject({ input_tokens: 2100, output_tokens: 42, total_tokens: 2142, input_tokens_details: { cached_tokens: 800, cache_write_tokens: 100 } })
    expect(chatIds).toEqual(['c0ffee00-0000-4000-8000-000000000001'])
    expect(decoder.succeeded).toBe(true)
  })

  test('well-formed: gap-free sequence numbers and indexes, one terminal event at the end, done for every added item', () => {
    const { events } = decode(turn)
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i))
    expect(events.filter((event) => ['response.completed', 'response.failed', 'response.incomplete'].includes(event.type))).toHaveLength(1)
    const added = ofType(events, 'response.output_item.added').map((event) => (event as { output_index: number }).output_index)
    const done = ofType(events, 'response.output_item.done').map((event) => (event as { output_index: number }).output_index)
    expect(added).toEqual(added.map((_, i) => i))
    expect([...done].sort((a, b) => a - b)).toEqual(added)
  })

  test('fed line by line with events read after each push, the stream is the same as fed whole', () => {
    const whole = decode(turn).events
    const events: ResponsesEvent[] = []
    const decoder = createCursorDecoder((event) => events.push(event), { model: 'cursor-composer-2.5', ids: counterIds(), now: () => 1_790_000_000_000 })
    const seenAfter: number[] = []
    for (const line of turn) {
      decoder.push({ data: line })
      seenAfter.push(events.length)
    }
    decoder.end()
    expect(events).toEqual(whole)
    // The first text delta is out before the result line arrives: nothing waits for the end.
    const firstDelta = events.findIndex((event) => event.type === 'response.output_text.delta')
    expect(firstDelta).toBeLessThan(seenAfter.at(-2)!)
  })

  test('a crash mid-stream (end without result) is a failure, not a clean end', () => {
    const cut = turn.slice(0, 9)
    const { events, decoder } = decode(cut)
    const last = terminal(events)
    expect(last.type).toBe('response.failed')
    expect(last.response.error?.message).toContain('before its result')
    expect(decoder.succeeded).toBe(false)
    expect(ofType(events, 'response.completed')).toHaveLength(0)
  })

  test('fail(error) becomes response.failed with the error', () => {
    const { events } = decode(turn.slice(0, 4), new ShimError('auth_expired', 'Cursor Agent is not signed in.'))
    expect(terminal(events).type).toBe('response.failed')
    expect(terminal(events).response.error).toEqual({ code: 'auth_expired', message: 'Cursor Agent is not signed in.' })
  })

  test('a result with is_error is a terminal failure carrying its text', () => {
    const { events, decoder } = decode(lines('error-result'))
    expect(terminal(events).type).toBe('response.failed')
    expect(terminal(events).response.error?.message).toContain('Usage limit reached')
    expect(decoder.succeeded).toBe(false)
  })

  test('garbage lines and unknown event types are skipped', () => {
    const noisy = [turn[0]!, 'not json', '{"type":"future_event","session_id":"x"}', ...turn.slice(1)]
    expect(finalText(decode(noisy).events)).toBe(finalText(decode(turn).events))
  })
})

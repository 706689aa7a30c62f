import { describe, expect, test } from 'bun:test'
import { ResponseBuilder } from '../../src/canonical/builder.ts'
import { compactionText } from '../../src/canonical/compaction.ts'
import { streamOf } from '../../src/canonical/decode.ts'
import type { ResponsesEvent, ResponsesRequest, ResponseTerminalEvent } from '../../src/canonical/types.ts'
import type { ProviderStream } from '../../src/providers/types.ts'
import { isCompactionTrigger, openCompactionTrigger } from '../../src/server/compaction-trigger.ts'

const usage = { input_tokens: 900, input_tokens_details: { cached_tokens: 0 }, output_tokens: 40, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 940 }

const request: ResponsesRequest = {
  model: 'fake',
  input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'make a file' }] },
    { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{"cmd":"touch a"}' },
    { type: 'function_call_output', call_id: 'c1', output: 'ok' },
    { type: 'compaction_trigger' },
  ],
  tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }],
}

/** A summary answer as a provider streams it. */
function summaryEvents(end: (builder: ResponseBuilder) => void): ResponsesEvent[] {
  const events: ResponsesEvent[] = []
  const builder = new ResponseBuilder((event) => events.push(event), { model: 'fake' })
  const message = builder.openMessage()
  builder.messageDelta(message, 'Made a; ')
  builder.messageDelta(message, 'next: b.')
  end(builder)
  return events
}

function fakeOpen(events: ResponsesEvent[], seen: ResponsesRequest[]) {
  return async (sent: ResponsesRequest): Promise<ProviderStream> => {
    seen.push(sent)
    return { events: () => streamOf(events), encoded: () => { throw new Error('not used') } }
  }
}

async function collect(stream: ProviderStream): Promise<ResponsesEvent[]> {
  return Array.fromAsync(stream.events() as unknown as AsyncIterable<ResponsesEvent>)
}

describe('remote compaction v2 (compaction_trigger) on a translated route', () => {
  test('only a history that ends with the trigger is one', () => {
    expect(isCompactionTrigger(request)).toBe(true)
    expect(isCompactionTrigger({ ...request, input: (request.input as []).slice(0, -1) })).toBe(false)
    expect(isCompactionTrigger({ model: 'fake', input: 'hi' })).toBe(false)
  })

  test('the summary is asked without tools or the trigger, and comes back as exactly one compaction item', async () => {
    const seen: ResponsesRequest[] = []
    const events = await collect(await openCompactionTrigger(request, fakeOpen(summaryEvents((b) => b.complete(usage)), seen)))
    const sent = seen[0]!
    expect(sent.tools).toEqual([])
    expect((sent.input as { type: string }[]).some((item) => item.type === 'compaction_trigger')).toBe(false)
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.output_item.done', 'response.completed'])
    const completed = events.at(-1) as ResponseTerminalEvent
    expect(completed.response.output).toHaveLength(1)
    const item = completed.response.output[0] as { type: string; encrypted_content: string }
    expect(item.type).toBe('compaction')
    expect(compactionText(item.encrypted_content)).toContain('Made a; next: b.')
    expect(completed.response.usage).toEqual(usage)
  })

  test('a summary that failed stays a failure, with its code (Codex retries or reports it)', async () => {
    const events = await collect(await openCompactionTrigger(request, fakeOpen(summaryEvents((b) => b.fail({ code: 'rate_limit_exceeded', message: 'slow down' })), [])))
    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.failed'])
    expect((events.at(-1) as ResponseTerminalEvent).response.error?.code).toBe('rate_limit_exceeded')
  })

  test('a summary stream that ends without a terminal event fails rather than hangs', async () => {
    const cut = summaryEvents(() => {}).filter((e) => e.type !== 'response.output_item.done')
    const events = await collect(await openCompactionTrigger(request, fakeOpen(cut, [])))
    expect(events.at(-1)!.type).toBe('response.failed')
  })
})

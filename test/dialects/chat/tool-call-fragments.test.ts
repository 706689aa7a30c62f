import { describe, expect, test } from 'bun:test'
import { counterIds } from '../../../src/canonical/builder.ts'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import { createChatDecoder } from '../../../src/dialects/chat/stream.ts'

/** The finished answer's items, as [call_id, name, arguments]. */
function calls(chunks: object[]): { status: string; calls: [string, string, string][] } {
  const events: Record<string, any>[] = []
  const decoder = createChatDecoder((event) => events.push(event as never), { model: 'm', tools: flattenTools(undefined), ids: counterIds() })
  for (const chunk of chunks) decoder.push({ data: JSON.stringify(chunk) })
  decoder.push({ data: '[DONE]' })
  decoder.end()
  const terminal = events.at(-1)!
  return { status: terminal.type, calls: terminal.response.output.filter((item: any) => item.type === 'function_call').map((item: any) => [item.call_id, item.name, item.arguments]) }
}
const piece = (call: Record<string, unknown>) => ({ choices: [{ index: 0, delta: { tool_calls: [call] } }] })

describe('argument fragments that do not repeat the call as OpenAI does still join their call', () => {
  test('a second id on the continuation fragments (Poolside: poolsideai/pool#9) is the same call, not a nameless new one', () => {
    const result = calls([
      piece({ index: 0, id: 'call_A', type: 'function', function: { name: 'f', arguments: '' } }),
      piece({ index: 0, id: 'call_B', function: { arguments: '{"x":' } }),
      piece({ index: 0, id: 'call_B', function: { arguments: '1}' } }),
    ])
    expect(result).toEqual({ status: 'response.completed', calls: [['call_A', 'f', '{"x":1}']] })
  })

  test('fragments at a new index with no id and no name (Nebius, Cerebras: dirac-run/dirac#215) continue the open call', () => {
    const result = calls([
      piece({ index: 0, id: 'call_A', type: 'function', function: { name: 'f', arguments: '' } }),
      piece({ index: 1, function: { arguments: '{"x":' } }),
      piece({ index: 2, function: { arguments: '1}' } }),
    ])
    expect(result).toEqual({ status: 'response.completed', calls: [['call_A', 'f', '{"x":1}']] })
  })

  test('Gemini numbering every call 0 with a new id and a name still makes separate calls', () => {
    const result = calls([
      piece({ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":1}' } }),
      piece({ index: 0, id: 'b', function: { name: 'g', arguments: '{"y":2}' } }),
    ])
    expect(result.calls).toEqual([['a', 'f', '{"x":1}'], ['b', 'g', '{"y":2}']])
  })

  test('OpenAI interleaving parallel calls by index still keeps them apart', () => {
    const result = calls([
      piece({ index: 0, id: 'a', function: { name: 'f', arguments: '{"x":' } }),
      piece({ index: 1, id: 'b', function: { name: 'g', arguments: '{"y":' } }),
      piece({ index: 0, function: { arguments: '1}' } }),
      piece({ index: 1, function: { arguments: '2}' } }),
    ])
    expect(result.calls).toEqual([['a', 'f', '{"x":1}'], ['b', 'g', '{"y":2}']])
  })
})

describe('arguments sent as a JSON object, not a string', () => {
  // llama-server (ggml-org/llama.cpp#20198) and TGI (huggingface/text-generation-inference#2136) have sent
  // `function.arguments` as the object itself. It failed the answer as "exceeded the 64 MiB …".
  test('the object becomes its JSON text, and the call is kept', () => {
    const result = calls([piece({ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: { path: '/tmp', n: 2 } } })])
    expect(result).toEqual({ status: 'response.completed', calls: [['call_1', 'f', '{"path":"/tmp","n":2}']] })
  })
})

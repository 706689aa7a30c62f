import type { SseMessage } from '../../sse/parse.ts'
import type { ChatChunk, ChatCompletion } from './api.ts'

/**
 * A whole `chat.completion` as the chunks a stream would have carried. Some
 * upstreams (older vLLM, proxies) ignore `stream: true`; decoding one path
 * keeps the two consistent.
 */
export function completionAsChunks(completion: ChatCompletion): SseMessage[] {
  const choice = completion.choices?.[0]
  const message = choice?.message ?? {}
  const chunk: ChatChunk = {
    id: completion.id,
    model: completion.model,
    choices: [{
      index: 0,
      delta: {
        role: 'assistant',
        reasoning_content: message.reasoning_content ?? message.reasoning ?? null,
        content: message.content ?? message.refusal ?? null,
        tool_calls: message.tool_calls?.map((call, index) => ({ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: call.function.arguments } })) ?? null,
      },
      finish_reason: choice?.finish_reason ?? 'stop',
    }],
    usage: completion.usage ?? null,
  }
  return [{ data: JSON.stringify(chunk) }, { data: '[DONE]' }]
}

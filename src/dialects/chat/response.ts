import type { SseMessage } from '../../sse/parse.ts'

/**
 * A whole `chat.completion` as the chunks a stream would have carried, as
 * OpenAI streams them: per choice one chunk with the message (role, text,
 * reasoning, refusal, tool calls given their `index`) and one with its
 * finish_reason, the usage in a last chunk with no choices (`options.usage`:
 * our decoder, or a client that asked for it), then `[DONE]`.
 * Some upstreams (older vLLM, proxies, local servers) ignore `stream: true`:
 * the translated routes decode this, and the Chat fast path hands it to the
 * client, so both see the answer the same way. Fields this does not name
 * (annotations, audio, logprobs) are carried as they came.
 */
export function completionAsChunks(completion: Record<string, any>, options: { usage: boolean } = { usage: true }): SseMessage[] {
  const base: Record<string, unknown> = { id: completion.id, object: 'chat.completion.chunk', created: completion.created ?? Math.floor(Date.now() / 1000), model: completion.model }
  for (const key of ['system_fingerprint', 'service_tier'] as const) if (completion[key] != null) base[key] = completion[key]
  const chunks: SseMessage[] = []
  const chunk = (fields: Record<string, unknown>) => chunks.push({ data: JSON.stringify({ ...base, ...fields }) })
  const choices: any[] = Array.isArray(completion.choices) ? completion.choices : []
  choices.forEach((choice, at) => {
    const index = typeof choice?.index === 'number' ? choice.index : at
    chunk({ choices: [{ index, delta: deltaOf(choice?.message), logprobs: choice?.logprobs ?? null, finish_reason: null }] })
    chunk({ choices: [{ index, delta: {}, finish_reason: choice?.finish_reason ?? 'stop' }] })
  })
  if (options.usage && completion.usage) chunk({ choices: [], usage: completion.usage })
  chunks.push({ data: '[DONE]' })
  return chunks
}

/** A message as one delta: its non-null fields, each tool call with the `index` a stream numbers it by. */
function deltaOf(message: unknown): Record<string, unknown> {
  const delta: Record<string, unknown> = { role: 'assistant' }
  if (!message || typeof message !== 'object') return delta
  for (const [key, value] of Object.entries(message)) {
    if (value === null || value === undefined || key === 'role') continue
    delta[key] = key === 'tool_calls' && Array.isArray(value) ? value.map((call, index) => ({ index, ...call })) : value
  }
  return delta
}

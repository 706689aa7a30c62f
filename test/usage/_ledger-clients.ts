// What ledger-clients.test.ts (the SDKs) and ledger-codex.e2e.test.ts (the real Codex CLI) share.
import { existsSync, readFileSync } from 'node:fs'
import type { UsageRow } from '../../src/usage/row.ts'
import { usageChunk, type Json } from '../fakes/chat-upstream.ts'

export const PLANTED_KEY = 'sk-planted-ledger-key-7f3a9c'
export const PLANTED_PROMPT = 'PLANTED-PROMPT-octopus-lantern'

/** The reply's chunks with its trailing usage chunk replaced by these figures. */
export function withUsage(chunks: Json[], usage: { prompt: number; completion: number; cached: number; reasoning: number }): Json[] {
  return [
    ...chunks.slice(0, -1),
    usageChunk(usage.prompt, usage.completion, { prompt_tokens_details: { cached_tokens: usage.cached }, completion_tokens_details: { reasoning_tokens: usage.reasoning } }),
  ]
}

export const fileHolds = (path: string, text: string) => [path, `${path}-wal`].some((file) => existsSync(file) && readFileSync(file).includes(Buffer.from(text)))
export const tokensOf = (row: UsageRow) => ({ input: row.input_tokens, cached: row.cached_input_tokens, cacheWrite: row.cache_write_tokens, output: row.output_tokens, reasoning: row.reasoning_tokens, estimated: row.usage_estimated })

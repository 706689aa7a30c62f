import { isOpencodeHost, OPENCODE_SESSION_HEADER } from '../providers/opencode-session.ts'
import type { Json } from './merge.ts'
import { labelForPrefix, opencodeGoDisplayName, opencodeGoSlug, slugifyModelId } from './names.ts'
import type { DiscoverySource } from './run.ts'
import type { Endpoint } from './types.ts'

export const OPENCODE_GO_BASE_URL = 'https://opencode.ai/zen/go/v1'
export const OPENCODE_GO_KEY_ENV = 'OPENCODE_GO_API_KEY'
export const OPENCODE_GO_GENERATED_BY = 'opencode-go'
/** What the Python original wrote; its rows are ours to replace too. */
const ORIGINAL_GENERATED_BY = 'codex-shim opencode-go refresh'

/**
 * OpenCode Go serves each model on Chat Completions or on Messages (spec
 * §3.1). Every request, probes included, needs `x-opencode-session`; one id
 * for the whole refresh, as one conversation would.
 */
export function opencodeGoSource(options: { baseUrl: string; apiKey: string; apiKeyEnv: string; prefer: Endpoint; sessionId?: string }): DiscoverySource {
  return {
    label: 'OpenCode Go',
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    apiKeyEnv: options.apiKeyEnv,
    generatedBy: OPENCODE_GO_GENERATED_BY,
    isGenerated: (entry: Json) => entry.generated_by === OPENCODE_GO_GENERATED_BY || entry.generated_by === ORIGINAL_GENERATED_BY,
    endpoints: ['chat', 'messages'],
    prefer: options.prefer,
    headers: { [OPENCODE_SESSION_HEADER]: options.sessionId ?? crypto.randomUUID() },
    slugFor: (model) => opencodeGoSlug(model.id),
    displayNameFor: (model) => opencodeGoDisplayName(model.id),
  }
}

/**
 * Any OpenAI-compatible server: rows `<prefix><model>` tagged `discover:<host><path>`, so re-runs
 * touch only their own, and two APIs on one host (`/zen/v1`, `/zen/go/v1`) never remove each
 * other's rows. Rows tagged by host alone (before the path was in the tag) are this run's when
 * their base URL is this one.
 */
export function serverSource(options: { baseUrl: string; apiKey?: string; apiKeyEnv?: string; prefix: string; prefer: Endpoint; sessionId?: string }): DiscoverySource {
  const url = new URL(options.baseUrl)
  const host = url.host
  const generatedBy = `discover:${host}${url.pathname.replace(/\/+$/, '')}`
  const hostOnly = `discover:${host}`
  const sameBase = (value: unknown) => typeof value === 'string' && value.replace(/\/+$/, '') === options.baseUrl.replace(/\/+$/, '')
  const label = labelForPrefix(options.prefix)
  return {
    label: host,
    baseUrl: options.baseUrl,
    apiKey: options.apiKey,
    apiKeyEnv: options.apiKeyEnv,
    generatedBy,
    isGenerated: (entry: Json) => entry.generated_by === generatedBy || (entry.generated_by === hostOnly && sameBase(entry.base_url)),
    endpoints: ['chat', 'messages', 'responses'],
    prefer: options.prefer,
    // OpenCode's own endpoints (Zen) want the session header here too.
    headers: isOpencodeHost(options.baseUrl) ? { [OPENCODE_SESSION_HEADER]: options.sessionId ?? crypto.randomUUID() } : {},
    slugFor: (model) => `${options.prefix}${slugifyModelId(model.id)}`,
    displayNameFor: (model) => `${label} ${model.name ?? model.id}`,
  }
}

import type { ProviderName } from '../settings/schema.ts'

/** The wire an upstream model can be reached on, and the provider kind that speaks it. */
export type Endpoint = 'chat' | 'messages' | 'responses'

export const ENDPOINT_PROVIDERS = {
  chat: 'generic-chat-completion-api',
  messages: 'anthropic',
  responses: 'openai-responses',
} as const satisfies Record<Endpoint, ProviderName>

/** One model from the server's `/models` listing, with what its metadata says (when it says anything). */
export interface CatalogModel {
  id: string
  /** The listing's human name (OpenRouter: "OpenAI: GPT-4o"). */
  name?: string
  /** From `architecture.input_modalities` when listed; undefined means unknown. */
  imageSupport?: boolean
  contextLength?: number
}

/** What one 1-token request told us. */
export type ProbeResult =
  | { kind: 'ok'; status: number }
  /** A 4xx other than 429: this endpoint does not serve the model (or refuses us). */
  | { kind: 'rejected'; status: number; message: string }
  /** 429 or 5xx: the answer says nothing about support. */
  | { kind: 'unavailable'; status: number; message: string }
  | { kind: 'timeout'; afterMs: number }
  | { kind: 'unreachable'; reason: string }

export type ModelOutcome =
  | { kind: 'ok'; endpoint: Endpoint }
  /** Nothing answered 2xx and something was busy or silent: keep the previous entry. */
  | { kind: 'unknown' }
  /** Every endpoint refused it. */
  | { kind: 'skipped' }

export interface ProbedModel {
  model: CatalogModel
  probes: Partial<Record<Endpoint, ProbeResult>>
  outcome: ModelOutcome
}

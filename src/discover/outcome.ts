import type { Endpoint, ModelOutcome, ProbeResult } from './types.ts'

/**
 * What the probes of one model decide:
 * - some endpoint answered 2xx → use it (`prefer` when it is among them, else the first in `order`);
 * - none did, and one was busy (429/5xx), silent, unreachable or refused the key (401/403) → unknown: the previous entry stays;
 * - every endpoint refused with a 4xx → skipped.
 */
export function classifyModel(probes: Partial<Record<Endpoint, ProbeResult>>, order: readonly Endpoint[], prefer: Endpoint): ModelOutcome {
  const working = order.filter((endpoint) => probes[endpoint]?.kind === 'ok')
  if (working.length) return { kind: 'ok', endpoint: working.includes(prefer) ? prefer : working[0]! }
  const results = order.map((endpoint) => probes[endpoint]).filter((result): result is ProbeResult => result !== undefined)
  // A 401/403 says the key, not the model, was refused (an expired key, a route behind other auth):
  // that proves nothing about the model, so its previous entry stays.
  if (results.some((result) => result.kind === 'rejected' && (result.status === 401 || result.status === 403))) return { kind: 'unknown' }
  if (results.length && results.every((result) => result.kind === 'rejected')) return { kind: 'skipped' }
  return { kind: 'unknown' }
}

/** Every probe of every model refused with 401/403: the key is wrong, not the models. */
export function keyRejected(all: Partial<Record<Endpoint, ProbeResult>>[]): number | null {
  const results = all.flatMap((probes) => Object.values(probes))
  if (!results.length) return null
  const statuses = results.map((result) => (result.kind === 'rejected' ? result.status : 0))
  return statuses.every((status) => status === 401 || status === 403) ? statuses[0]! : null
}

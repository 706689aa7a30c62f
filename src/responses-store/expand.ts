import type { ResponsesItem, ResponsesRequest } from '../canonical/types.ts'
import { ShimError } from '../errors.ts'
import type { ResponseStore } from './store.ts'

export interface ExpandOptions {
  /** True when the upstream made this response and resolves `previous_response_id` itself. */
  keepPreviousIdFor?: (id: string) => boolean
}

export interface ExpandedRequest {
  /** The request to send on: the same object when there was nothing to expand. */
  request: ResponsesRequest
  /** The effective input as items (a string input as one user message): what to record. */
  resolvedInput: ResponsesItem[]
}

/** An earlier response that exists upstream but could not be read to continue it here (server/upstream-responses.ts). */
export const PREVIOUS_RESPONSE_UNAVAILABLE = 'previous_response_unavailable'

export function previousResponseNotFound(id: string): ShimError {
  return new ShimError('bad_request', `Previous response with id '${id}' not found.`, { status: 400, param: 'previous_response_id', code: 'previous_response_not_found' })
}

/** A string `input` means one user message. */
export function inputItems(input: ResponsesRequest['input'] | undefined): ResponsesItem[] {
  if (input === undefined) return []
  return typeof input === 'string' ? [{ type: 'message', role: 'user', content: input }] : input
}

/**
 * Rebuilds the full context of a request that leans on stored state, as the
 * API does (spec/responses-state.md "Continuing"): the earlier response's
 * input items, then its output items, then the new input, with every
 * `item_reference` replaced by the item it names. The earlier response's
 * `instructions` are not carried over. Stored items are shared, not copied:
 * treat them as read-only (they are frozen).
 */
export function expandStoredContext(request: ResponsesRequest, store: ResponseStore, options: ExpandOptions = {}): ExpandedRequest {
  const previousId = typeof request.previous_response_id === 'string' ? request.previous_response_id : undefined
  const own = inputItems(request.input)
  if (previousId !== undefined && options.keepPreviousIdFor?.(previousId)) return { request, resolvedInput: own }

  const earlier = previousId === undefined ? undefined : store.get(previousId)
  if (previousId !== undefined && !earlier) throw previousResponseNotFound(previousId)
  let referenced = false
  // A stored item by the id it was referenced by: one stored without an id of its own has none to compare.
  const referencedAs = new Map<ResponsesItem, string>()
  const expanded = own.map((item, index) => {
    if (item.type !== 'item_reference') return item
    referenced = true
    const resolved = resolveReference(item, index, store)
    referencedAs.set(resolved, String((item as { id?: unknown }).id))
    return resolved
  })
  if (!earlier && !referenced) return { request, resolvedInput: own }

  const resolvedInput = earlier ? [...earlier.input.map((stored) => stored.item), ...earlier.response.output, ...expanded] : expanded
  // Only here, not on every request: Codex sends whole histories without stored state, and
  // after a compaction (spec/codex-wire.md §e) its history keeps recent tool outputs while the
  // calls before them may survive only inside the opaque `compaction` item. The check belongs
  // to requests whose context we assembled ourselves.
  assertToolOutputsHaveCalls(resolvedInput)
  assertNoDuplicateItems(resolvedInput, referencedAs)
  const { previous_response_id: _dropped, ...rest } = request
  return { request: { ...rest, input: resolvedInput }, resolvedInput }
}

/**
 * For an upstream that keeps its own state: each `item_reference` to an item this store holds (one
 * the shim made, which that upstream never saw) replaced by the item; any other reference left for
 * the upstream to resolve. The same request when there is nothing to replace.
 */
export function inlineHeldReferences(request: ResponsesRequest, store: ResponseStore): ResponsesRequest {
  if (!Array.isArray(request.input)) return request
  let replaced = false
  const input = request.input.map((item) => {
    const id = item.type === 'item_reference' ? (item as { id?: unknown }).id : undefined
    const held = typeof id === 'string' && id ? store.item(id) : undefined
    if (!held) return item
    replaced = true
    return held
  })
  return replaced ? { ...request, input } : request
}

function resolveReference(reference: ResponsesItem, index: number, store: ResponseStore): ResponsesItem {
  const id = (reference as { id?: unknown }).id
  const param = `input[${index}].id`
  if (typeof id !== 'string' || !id) throw new ShimError('bad_request', `Invalid request: ${param}: an item_reference needs the id of a stored item as a string.`, { status: 400, param })
  const item = store.item(id)
  if (!item) throw new ShimError('bad_request', `Item with id '${id}' not found.`, { status: 400, param })
  return item
}

/**
 * An item the context already holds, sent again (by reference, or whole): the API refuses it rather
 * than show the model the same turn twice, and so does this (the Vercel AI SDK, for one, sends the
 * previous step's items along with the id of the response that holds them).
 */
function assertNoDuplicateItems(items: readonly ResponsesItem[], referencedAs: ReadonlyMap<ResponsesItem, string>): void {
  const seen = new Set<string>()
  // Stored items are shared objects: the same one twice is the same turn twice, whether it has an id of its own or not.
  const seenItems = new Set<ResponsesItem>()
  for (const item of items) {
    const own = (item as { id?: unknown }).id
    const id = typeof own === 'string' && own ? own : referencedAs.get(item)
    if (seenItems.has(item) || (id !== undefined && seen.has(id))) {
      throw new ShimError('bad_request', `Duplicate item found${id === undefined ? '' : ` with id ${id.slice(0, 128)}`}. Remove duplicate items from your input and try again.`, { status: 400, param: 'input' })
    }
    seenItems.add(item)
    if (id !== undefined) seen.add(id)
  }
}

const CALL_FOR_OUTPUT = {
  function_call_output: { call: 'function_call', what: 'function call output' },
  custom_tool_call_output: { call: 'custom_tool_call', what: 'custom tool call output' },
} as const satisfies Record<string, { call: string; what: string }>

/** Every tool output needs its call somewhere in the effective context, as the API requires. */
export function assertToolOutputsHaveCalls(items: readonly ResponsesItem[]): void {
  const calls = new Set<string>()
  for (const item of items) {
    if (item.type === 'function_call' || item.type === 'custom_tool_call') calls.add(`${item.type}:${String(item.call_id)}`)
  }
  for (const item of items) {
    if (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output') continue
    const rule = CALL_FOR_OUTPUT[item.type]
    if (!calls.has(`${rule.call}:${String(item.call_id)}`)) {
      throw new ShimError('bad_request', `No tool call found for ${rule.what} with call_id ${String(item.call_id).slice(0, 128)}.`, { status: 400, param: 'input' })
    }
  }
}

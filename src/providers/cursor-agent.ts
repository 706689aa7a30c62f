import { decodeBody } from '../canonical/decode.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import { refuseStopSequences } from '../canonical/unsupported.ts'
import { createCursorServices, openCursorTurn, type CursorServices } from '../cursor/turn.ts'
import { clearCursorAgentCache, cursorDisabled } from '../cursor/find-binary.ts'
import { threadIdFrom } from '../cursor/sessions.ts'
import { ShimError } from '../errors.ts'
import { providerStream, type ProviderImplementation, type ProviderStream, type ProviderTarget, type RequestContext } from './types.ts'

let services: CursorServices | null = null
/** One set per process: the binary, its login and model caches, sessions and the concurrency limit. */
export function cursorServices(): CursorServices {
  return (services ??= createCursorServices())
}

/** The process's set, or null while `CODEX_SHIM_DISABLE_CURSOR` is on: what the model list asks. */
export function enabledCursorServices(): CursorServices | null {
  return cursorDisabled() ? null : cursorServices()
}

/** Tests: forget the process's probes (the binary, login and listing are cached for seconds to minutes). */
export function resetCursorServices(): void {
  services?.clear()
  clearCursorAgentCache()
}

/**
 * The Cursor subscription through the `cursor-agent` CLI: the prompt goes in
 * on stdin, `stream-json` comes back as NDJSON. The child is killed when the
 * client goes away; its own tools (which already ran) arrive as reasoning,
 * never as function calls Codex would run again.
 */
async function open(request: ResponsesRequest, { slug, model }: ProviderTarget, context: RequestContext): Promise<ProviderStream> {
  refuseWhatAnAgentCannotHonour(request)
  // The idle timeout bounds only the start (its first line comes before any tool runs): later,
  // cursor-agent can be silent for minutes while its tools run, and the maximum run time bounds it.
  const turn = await openCursorTurn(
    request,
    { slug, upstreamModel: model.model, workspaceSetting: model.workspace, threadId: threadIdFrom(context.clientHeaders), signal: context.signal, log: context.log, startTimeoutMs: context.idleTimeoutMs, withheldEnv: context.services?.keyVariables },
    cursorServices(),
  )
  // The answer ends at its result event: a tool the agent left running in the background may hold its stdout open.
  return providerStream(decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', idleTimeoutMs: 0, onAbort: turn.cancel, endAfterTerminal: true }))
}

/**
 * cursor-agent takes a prompt and answers in text with its own tools: it cannot stop at a
 * sequence, keep to a JSON schema, or be made to call one of the client's tools. Asked to, it
 * would answer as if not asked; the client is told instead.
 */
function refuseWhatAnAgentCannotHonour(request: ResponsesRequest): void {
  refuseStopSequences(request, 'cursor-agent')
  const format = request.text?.format?.type
  if (format === 'json_schema' || format === 'json_object') {
    throw new ShimError('bad_request', `Invalid request: text.format (response_format): cursor-agent cannot be held to ${format} output. Leave it out, or pick a model of another provider.`, { param: 'text.format' })
  }
  const choice = request.tool_choice
  if (choice === 'required' || (choice && typeof choice === 'object')) {
    throw new ShimError('bad_request', 'Invalid request: tool_choice: cursor-agent runs its own tools and never calls the client\'s, so it cannot be made to call one. Use "auto", or pick a model of another provider.', { param: 'tool_choice' })
  }
}

export const cursorAgentProvider: ProviderImplementation = {
  label: () => 'cursor-agent',
  open,
}

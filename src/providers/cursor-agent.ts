import { decodeBody } from '../canonical/decode.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import { createCursorServices, openCursorTurn, type CursorServices } from '../cursor/turn.ts'
import { clearCursorAgentCache, cursorDisabled } from '../cursor/find-binary.ts'
import { threadIdFrom } from '../cursor/sessions.ts'
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
  const turn = await openCursorTurn(request, { slug, upstreamModel: model.model, workspaceSetting: model.workspace, threadId: threadIdFrom(context.clientHeaders), signal: context.signal, log: context.log }, cursorServices())
  // cursor-agent can be silent for minutes while its tools run; the maximum run time bounds it instead.
  return providerStream(decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', idleTimeoutMs: 0, onAbort: turn.cancel }))
}

export const cursorAgentProvider: ProviderImplementation = {
  label: () => 'cursor-agent',
  open,
}

import type { Log } from '../log.ts'
import type { DecoderFactory } from '../canonical/decode.ts'
import { isTerminalEvent, type ResponsesRequest, type TerminalEventType } from '../canonical/types.ts'
import { ShimError } from '../errors.ts'
import type { SseMessage } from '../sse/parse.ts'
import { allowsCursorApiKey } from './child-env.ts'
import { findCursorAgent } from './find-binary.ts'
import { CLIENT_CLOSED } from './errors.ts'
import { CursorLimiter, cursorLimiterFromEnv } from './limiter.ts'
import { createCursorModelsCache, listCursorModels, requireCursorModel, type CursorModel } from './models.ts'
import { CursorSessions } from './sessions.ts'
import { maxRunMsFromEnv, spawnCursorAgent } from './spawn.ts'
import { createCursorStatusCache, probeCursorStatus, STATUS_TTL_MS, type CursorStatus } from './status.ts'
import { usableCursorModels } from './availability.ts'
import { cached } from './_cache.ts'
import { createCursorDecoder } from './stream.ts'
import { resolveWorkspace } from './workspace.ts'

/** Long-lived state for the cursor-agent provider: one per server. */
export interface CursorServices {
  env: Record<string, string | undefined>
  /** The binary (find-binary.ts), found once per PATH. */
  bin(): Promise<string | null>
  /** `status`, cached 30 s (an older answer is given while it refreshes: _cache.ts); `unknown` with a detail when there is no binary. */
  status(): Promise<CursorStatus>
  /** `models`, cached 5 min the same way; throws when the first listing failed. */
  models(): Promise<CursorModel[]>
  /** The models a usable login offers (`usableCursorModels`), cached 30 s the same way; never throws. */
  available(): Promise<CursorModel[]>
  /** The same without waiting: the last known answer (undefined before the first), refreshed in the background. */
  availableNow(): CursorModel[] | undefined
  /** Forget every probe: the next question runs cursor-agent again (tests). */
  clear(): void
  sessions: CursorSessions
  limiter: CursorLimiter
  /**
   * A bad Cursor variable in the environment (`CODEX_SHIM_CURSOR_CONCURRENCY`): every Cursor run
   * fails with it, while the rest of the proxy (/health, the model list) keeps answering.
   */
  misconfigured: ShimError | null
}

export const CURSOR_INSTALL_HINT = 'Install it (`curl https://cursor.com/install -fsS | bash`) or set CURSOR_AGENT_BIN.'

export function createCursorServices(env: Record<string, string | undefined> = process.env): CursorServices {
  const allowApiKey = allowsCursorApiKey(env)
  const bin = () => findCursorAgent(env)
  const status = createCursorStatusCache(async () => {
    const found = await bin()
    return found ? probeCursorStatus(found, { env, allowApiKey }) : { state: 'unknown' as const, detail: `cursor-agent was not found. ${CURSOR_INSTALL_HINT}` }
  })
  const models = createCursorModelsCache(async () => {
    const found = await bin()
    if (!found) throw new ShimError('config', `cursor-agent was not found. ${CURSOR_INSTALL_HINT}`)
    return listCursorModels(found, { env, allowApiKey })
  })
  const available = cached(() => usableCursorModels({ bin, status: () => status.get(), models: () => models.get() }), STATUS_TTL_MS)
  const { limiter, misconfigured } = limiterOrError(env)
  return {
    env,
    bin,
    status: () => status.get(),
    models: () => models.get(),
    available: () => available.get(),
    availableNow: () => available.peek(),
    clear: () => [status, models, available].forEach((cache) => cache.clear()),
    sessions: new CursorSessions(),
    limiter,
    misconfigured,
  }
}

/** These services are built for every model list: a typo here must not take /health down with it. */
function limiterOrError(env: Record<string, string | undefined>): { limiter: CursorLimiter; misconfigured: ShimError | null } {
  try {
    return { limiter: cursorLimiterFromEnv(env), misconfigured: null }
  } catch (error) {
    if (!(error instanceof ShimError)) throw error
    return { limiter: new CursorLimiter(), misconfigured: error }
  }
}

export interface CursorTurnOptions {
  /** The name the client asked for: checked against the listing, reported back as the model. */
  slug: string
  /** The route's upstream model when it differs from the slug (`composer-2.5`); else the slug is resolved. */
  upstreamModel?: string
  /** The model entry's `workspace` setting, if any. */
  workspaceSetting?: string | null
  /** The conversation (`threadIdFrom(headers)`); null never resumes. */
  threadId: string | null
  signal: AbortSignal
  log?: Log
  /** How long the run may print nothing at its start (the proxy's idle timeout); 0: no limit. */
  startTimeoutMs?: number
  /** Variables kept from cursor-agent besides the proxy's own (the keys the settings name). */
  withheldEnv?: readonly string[]
  /** Tests: a shorter kill grace. */
  killGraceMs?: number
}

export interface CursorTurn {
  /** cursor-agent's NDJSON stdout; for `decodeBody(…, { format: 'ndjson' })`. */
  stdout: ReadableStream<Uint8Array>
  /** The decoder to hand `decodeBody`. */
  decoder: DecoderFactory<SseMessage>
  /** For `onAbort`: kills the process group, and the thread's next turn starts a fresh chat. */
  cancel(reason?: unknown): void
  pid: number
  workspace: string
  resumed: boolean
}

/**
 * One Responses request as one cursor-agent run. Everything that can fail
 * before output fails here, as a ShimError with a real status: no binary,
 * a bad Cursor variable, unknown model (checked against the listing first), no workspace, busy,
 * and a run that exits without output (auth, a model the account lacks).
 */
export async function openCursorTurn(request: ResponsesRequest, options: CursorTurnOptions, services: CursorServices): Promise<CursorTurn> {
  if (services.misconfigured) throw services.misconfigured
  const bin = await services.bin()
  if (!bin) throw new ShimError('config', `cursor-agent was not found. ${CURSOR_INSTALL_HINT}`)
  const model = requireCursorModel(options.upstreamModel ?? options.slug, await services.models())
  const workspace = resolveWorkspace(request, { env: services.env, setting: options.workspaceSetting })
  options.log?.info(`cursor-agent ${model.id} in ${workspace.path} (from ${workspace.source})`)
  const release = await services.limiter.acquire(options.signal)
  const plan = services.sessions.plan(request, { threadId: options.threadId, model: model.id, workspace: workspace.path })
  let run: ReturnType<typeof spawnCursorAgent>
  try {
    run = spawnCursorAgent({
      bin,
      workspace: workspace.path,
      model: model.id,
      prompt: plan.prompt,
      resume: plan.resume,
      signal: options.signal,
      maxRunMs: maxRunMsFromEnv(services.env),
      startTimeoutMs: options.startTimeoutMs,
      env: services.env,
      allowApiKey: allowsCursorApiKey(services.env),
      withheldEnv: options.withheldEnv,
      killGraceMs: options.killGraceMs,
    })
  } catch (error) {
    release()
    throw error instanceof ShimError ? error : new ShimError('upstream_unreachable', `Could not start ${bin}.`)
  }
  void run.exited.finally(release)
  // Only a finished answer leaves a chat worth resuming. A run that ends any other way (the client
  // left, a kill, a crash, a stream nobody read to its end) may have left half a turn in the
  // chat, so the thread's next turn starts afresh with the whole conversation.
  let committed = false
  void run.exited.then(() => committed || plan.forget())
  const early = await run.started
  if (early) {
    plan.forget()
    throw early
  }
  const decoder: DecoderFactory<SseMessage> = (emit) => {
    let chatId: string | null = null
    const settleSession = (terminal: TerminalEventType) => {
      switch (terminal) {
        case 'response.completed':
          if (!chatId) return plan.forget()
          committed = true
          return plan.commit(chatId)
        case 'response.incomplete':
        case 'response.failed':
          return plan.forget()
        default: {
          const unhandled: never = terminal
          return unhandled
        }
      }
    }
    return createCursorDecoder(
      (event) => {
        if (isTerminalEvent(event)) settleSession(event.type)
        emit(event)
      },
      { model: options.slug, exitError: run.exitError, prompt: plan.prompt, onChatId: (id) => (chatId = id) },
    )
  }
  const cancel = () => {
    // At once, not at the exit: the client's next turn may come before the killed run is gone.
    if (!committed) plan.forget()
    run.kill(CLIENT_CLOSED)
  }
  return { stdout: run.stdout, decoder, cancel, pid: run.pid, workspace: workspace.path, resumed: plan.resume !== null }
}

import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { QuotaStore } from '../../src/chatgpt/quota.ts'
import { generateFiles } from '../../src/codex/generate.ts'
import { enableCodexConfig } from '../../src/codex/manage-config.ts'
import { buildHostAllowlist, checkRequest } from '../../src/server/guard.ts'
import { ModelList } from '../../src/routing/model-list.ts'
import { createUiRoutes, matchUiRoute, type UiDeps } from '../../src/ui/api.ts'
import { RequestRing } from '../../src/ui/request-ring.ts'
import { uiDepsFromHost } from '../../src/ui/server-deps.ts'
import { toShimError } from '../../src/errors.ts'
import { settingsFrom } from '../support/shim.ts'

/** Secrets planted where a careless page or API would leak them. */
export const PLANTED_KEY = 'sk-planted-kimi-key-5f0c2a'
export const PLANTED_QUERY_KEY = 'planted-query-key-77ab'
export const PLANTED_ENV_KEY = 'sk-planted-env-deepseek-91d3'

/** Several providers, as a user would configure them (hand-written). */
export const MODELS = [
  { slug: 'kimi-k2', display_name: 'Kimi K2.6', model: 'kimi-k2.6', provider: 'openai', base_url: 'https://api.moonshot.ai/v1', api_key: PLANTED_KEY, max_context_limit: 262144, no_image_support: true },
  { slug: 'deepseek-chat', display_name: 'DeepSeek V3.2', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1', api_key_env: 'UI_TEST_DEEPSEEK_API_KEY', max_context_limit: 131072, no_image_support: true },
  { slug: 'glm-4.6', display_name: 'GLM 4.6', model: 'glm-4.6', provider: 'generic-chat-completion-api', base_url: `https://open.bigmodel.cn/api/paas/v4?key=${PLANTED_QUERY_KEY}`, max_context_limit: 200000 },
  { slug: 'claude-sonnet', display_name: 'Claude Sonnet 4.5', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: 'https://api.anthropic.com', api_key: 'sk-ant-planted-0000', max_context_limit: 200000 },
  { slug: 'qwen3-coder', display_name: 'Qwen3 Coder 30B', model: 'qwen3-coder:30b', provider: 'ollama', base_url: 'http://127.0.0.1:11434/v1', max_context_limit: 65536, no_image_support: true },
]

export const FAKE_PORT = 8765

/** Fresh Codex and shim homes with the managed block enabled on `kimi-k2`, as after `codex-shim enable`. */
export async function enabledHomes(name: string): Promise<{ codexHome: string; configPath: string }> {
  const base = join(process.env.CODEX_SHIM_TEST_ROOT!, `ui-${name}-${crypto.randomUUID().slice(0, 8)}`)
  process.env.CODEX_HOME = join(base, 'codex')
  process.env.CODEX_SHIM_HOME = join(base, 'shim')
  mkdirSync(process.env.CODEX_HOME, { recursive: true })
  mkdirSync(process.env.CODEX_SHIM_HOME, { recursive: true })
  const settings = settingsFrom(MODELS)
  const generated = await generateFiles(settings, { port: FAKE_PORT })
  const change = enableCodexConfig({ model: 'kimi-k2', port: FAKE_PORT, catalogPath: generated.catalogPath })
  return { codexHome: process.env.CODEX_HOME, configPath: change.path }
}

/**
 * The real wiring (uiDepsFromHost: real useModelInConfig, backed up and atomic) over test settings.
 * `platform` stands in for the proxy's (only macOS and Windows have Codex Desktop to restart).
 */
export function realUiDeps(options: { token?: string; restart?: () => Promise<string>; platform?: NodeJS.Platform } = {}) {
  const settings = settingsFrom(MODELS)
  const quota = new QuotaStore()
  const ring = new RequestRing()
  const deps = uiDepsFromHost(
    {
      settings,
      version: '9.9.9-test',
      startedAt: Date.now() - 3_723_000,
      port: FAKE_PORT,
      token: options.token,
      models: async () => new ModelList(settings, { chatgpt: null }).configured(),
      chatgpt: { usable: () => true, quota },
      platform: options.platform,
    },
    ring,
  )
  if (options.restart) deps.restartDesktop = options.restart
  return { deps, quota, ring, settings }
}

/** The page's routes behind the project's guard, in the proxy handler's order: checkRequest, then routing. */
export function uiHandler(deps: UiDeps) {
  const allowed = buildHostAllowlist('127.0.0.1', '')
  const routes = createUiRoutes(deps)
  return async (request: Request): Promise<Response> => {
    try {
      checkRequest(request, allowed)
    } catch (error) {
      const shimError = toShimError(error)
      return Response.json({ error: { type: shimError.kind, message: shimError.message } }, { status: shimError.status })
    }
    // No CORS headers on a preflight: the browser refuses the real request.
    if (request.method === 'OPTIONS') return new Response(null, { status: 204 })
    const handler = matchUiRoute(routes, request)
    return handler ? handler(request) : Response.json({ error: { type: 'not_found', message: 'no route' } }, { status: 404 })
  }
}

/** The same on a real loopback port, for the browser. */
export function startUiServer(deps: UiDeps, port = 0) {
  const handle = uiHandler(deps)
  const server = Bun.serve({ hostname: '127.0.0.1', port, idleTimeout: 0, fetch: (request) => handle(request) })
  return { url: `http://127.0.0.1:${server.port}`, port: server.port!, close: () => server.stop(true) }
}

/** Headers shaped like the fake ChatGPT backend's (test/fakes/chatgpt-backend.ts RATE_HEADERS). */
export { RATE_HEADERS } from '../fakes/chatgpt-backend.ts'

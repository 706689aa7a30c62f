import { createConsola } from 'consola'
import { createHandler } from '../../src/server/app.ts'
import { DEFAULT_RETRY_POLICY } from '../../src/upstream/retry.ts'
import type { ServerDeps } from '../../src/server/context.ts'
import { buildHostAllowlist } from '../../src/server/guard.ts'
import { parseSettings } from '../../src/settings/load.ts'
import type { Settings } from '../../src/settings/schema.ts'

/** A logger whose lines tests can read (and search for planted secrets). */
export function memoryLog() {
  const lines: string[] = []
  const logger = createConsola({ level: 5, reporters: [{ log: (entry) => lines.push([entry.tag, ...entry.args.map(String)].join(' ')) }] })
  return { logger, lines }
}

export function settingsFrom(models: unknown[]): Settings {
  return parseSettings(JSON.stringify({ models }), '/test/models.json')
}

export function chatModel(baseUrl: string, extra: Record<string, unknown> = {}) {
  return { slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: baseUrl, ...extra }
}

export function testDeps(settings: Settings, overrides: Partial<ServerDeps> = {}): ServerDeps {
  return {
    settings,
    version: '0.0.0-test',
    startedAt: Date.now(),
    bindHost: '127.0.0.1',
    port: 8765,
    allowedHosts: buildHostAllowlist('127.0.0.1', ''),
    log: memoryLog().logger,
    fetch: globalThis.fetch,
    catalog: async () => ({ models: [] }),
    idleTimeoutMs: 30_000,
    // Production's retry rules with test-sized waits: a retry-after over 1 s goes straight to the client.
    retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 5, maxDelayMs: 1_000 },
    chatgpt: null,
    ...overrides,
  }
}

/** The shim on a real loopback port, in this process: what SDK clients talk to. */
export function startShim(settings: Settings, overrides: Partial<ServerDeps> = {}) {
  const deps = testDeps(settings, overrides)
  const handle = createHandler(deps)
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 0, fetch: (request, srv) => handle(request, srv) })
  deps.port = server.port!
  return { url: `http://127.0.0.1:${server.port}`, deps, close: () => server.stop(true) }
}

export function post(path: string, body: unknown, headers: Record<string, string> = {}): Request {
  return new Request(`http://127.0.0.1:8765${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', host: '127.0.0.1:8765', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
}

export function get(path: string, headers: Record<string, string> = {}): Request {
  return new Request(`http://127.0.0.1:8765${path}`, { headers: { host: '127.0.0.1:8765', ...headers } })
}

/** Parses an SSE body into its JSON `data` payloads. */
export async function sseEvents(response: Response): Promise<any[]> {
  const text = await response.text()
  return text
    .split('\n')
    .filter((line) => line.startsWith('data: ') && line !== 'data: [DONE]')
    .map((line) => JSON.parse(line.slice(6)))
}

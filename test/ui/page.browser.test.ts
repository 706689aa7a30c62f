/**
 * The control page in a real Chromium (playwright-core + the system browser):
 * what it renders, that a click rewrites Codex's config.toml for the real
 * Codex CLI, live updates, and what another origin's page cannot do.
 */
import TOML from '@iarna/toml'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { currentManagedModel, disableCodexConfig } from '../../src/codex/manage-config.ts'
import { ShimError } from '../../src/errors.ts'
import type { RecentRequestInput } from '../../src/ui/request-ring.ts'
import { launchBrowser } from '../support/browser.ts'
import { enabledHomes, RATE_HEADERS, realUiDeps, startUiServer, uiHandler } from './_fixture.ts'

/** The few DOM shapes the in-page callbacks touch (the project's tsconfig has no DOM lib). */
type DomNode = { dataset: Record<string, string | undefined>; textContent: string | null; title: string; style: { width: string }; querySelectorAll(selector: string): DomNode[]; classList: { remove(name: string): void } }
type PageGlobal = { document: { activeElement: DomNode; documentElement: { scrollWidth: number }; querySelectorAll(selector: string): DomNode[] }; marker?: number; results?: Record<string, string> }

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
})

/** A page that records console errors and CSP violations: the page must run clean under its own policy. */
async function openPage(url: string, options: { colorScheme?: 'light' | 'dark'; width?: number; now?: Date; timezoneId?: string } = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: 900 }, colorScheme: options.colorScheme ?? 'light', locale: 'en-US', timezoneId: options.timezoneId ?? 'UTC' })
  // The page's clock (Date only; timers run as usual), for figures whose reset time must still be ahead.
  if (options.now) await context.clock.setFixedTime(options.now)
  const page = await context.newPage()
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text())
  })
  page.on('pageerror', (error) => problems.push(error.message))
  await page.goto(url)
  return { page, problems }
}

const request = (overrides: Partial<RecentRequestInput> = {}): RecentRequestInput => ({ time: '2026-11-20T14:02:11.000Z', dialect: 'responses', slug: 'kimi-k2', upstream: 'openai@api.moonshot.ai', status: 200, duration_ms: 4210, ttft_ms: 612, tokens: { input: 18420, output: 912 }, ...overrides })

/** `codex doctor --json`: a read-only command of the real Codex CLI that loads config.toml and reports the model and provider it resolved. */
function codexDoctor(codexHome: string): { configStatus: string; model: string; providerName: string } {
  const result = Bun.spawnSync(['codex', 'doctor', '--json'], { env: { ...process.env, CODEX_HOME: codexHome }, stdout: 'pipe', stderr: 'pipe', timeout: 60_000 })
  const report = JSON.parse(result.stdout.toString()) as { checks: Record<string, { status: string; details: Record<string, string> }> }
  return {
    configStatus: report.checks['config.load']!.status,
    model: report.checks['config.load']!.details.model!,
    providerName: report.checks['network.websocket_reachability']!.details['provider name']!,
  }
}

describe('the control page in Chromium', () => {
  test('renders every configured model, grouped by provider, with the active one highlighted', async () => {
    await enabledHomes('render')
    const { deps } = realUiDeps()
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`)
      await page.waitForSelector('.model[data-slug="qwen3-coder"]')
      const groups = await page.$$eval('.group', (nodes) => (nodes as unknown as DomNode[]).map((node) => ({ provider: node.dataset.provider, slugs: [...node.querySelectorAll('.model')].map((button) => button.dataset.slug) })))
      expect(groups).toEqual([
        { provider: 'openai', slugs: ['kimi-k2'] },
        { provider: 'generic-chat-completion-api', slugs: ['deepseek-chat', 'glm-4.6'] },
        { provider: 'anthropic', slugs: ['claude-sonnet'] },
        { provider: 'ollama', slugs: ['qwen3-coder'] },
      ])
      expect(await page.$$eval('.model[aria-pressed="true"]', (nodes) => (nodes as unknown as DomNode[]).map((node) => node.dataset.slug))).toEqual(['kimi-k2'])
      expect(await page.textContent('.model[data-slug="kimi-k2"]')).toBe('Kimi K2.6kimi-k2262K contexttext onlyapi.moonshot.aiActive')
      expect(await page.textContent('.model[data-slug="claude-sonnet"] .chips')).toBe('200K contextimagesapi.anthropic.com')
      expect(await page.textContent('#active-name')).toBe('Kimi K2.6')
      await page.waitForSelector('dd[data-fact="version"]')
      expect(await page.textContent('dd[data-fact="version"]')).toBe('9.9.9-test')
      expect(await page.textContent('dd[data-fact="uptime"]')).toMatch(/^1h 2m$/)
      expect(await page.textContent('dd[data-fact="chatgpt"]')).toBe('signed in')
      expect(await page.textContent('dd[data-fact="cooling down"]')).toBe('none')
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('a click switches Codex\'s config.toml, and the real Codex CLI reads the new model', async () => {
    const { codexHome, configPath } = await enabledHomes('switch')
    const { deps } = realUiDeps()
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/picker`)
      await page.click('.model[data-slug="deepseek-chat"]')
      await page.waitForSelector('.model[data-slug="deepseek-chat"][aria-pressed="true"]')
      expect(await page.textContent('#status')).toBe('Codex now uses DeepSeek V3.2. Restart Codex to apply.')
      expect(await page.textContent('#active-name')).toBe('DeepSeek V3.2')
      expect(currentManagedModel()).toBe('deepseek-chat')
      let doctor = codexDoctor(codexHome)
      const provider = (TOML.parse(readFileSync(configPath, 'utf8')).model_providers as Record<string, { name: string }>).codex_shim!
      // Desktop shows the provider's name beside the model: the model's own name, not "Codex Shim".
      expect(provider.name).toBe('DeepSeek V3.2')
      expect(doctor).toEqual({ configStatus: 'ok', model: 'deepseek-chat', providerName: 'DeepSeek V3.2' })

      // By keyboard: focus a model and press Enter.
      await page.focus('.model[data-slug="claude-sonnet"]')
      await page.keyboard.press('Enter')
      await page.waitForSelector('.model[data-slug="claude-sonnet"][aria-pressed="true"]')
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).document.activeElement.dataset.slug)).toBe('claude-sonnet')
      doctor = codexDoctor(codexHome)
      expect(doctor.model).toBe('claude-sonnet')
      expect(doctor.providerName).toBe('Claude Sonnet 4.5')
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('the quota bars show the figures the ChatGPT backend sent; "no figures yet" before', async () => {
    await enabledHomes('quota')
    const { deps, quota, ring } = realUiDeps()
    const server = startUiServer(deps)
    try {
      // Before the fixture's reset times (Nov 21 and Nov 27, 2026).
      const { page } = await openPage(`${server.url}/`, { now: new Date('2026-11-20T14:10:00.000Z') })
      await page.waitForSelector('#quota-empty')
      expect(await page.textContent('#quota-empty')).toStartWith('No figures yet')
      await page.waitForSelector('body[data-stream="open"]')
      // A ChatGPT response arrives: the store records its headers, the request reaches the ring, the page refreshes.
      quota.record(new Headers(RATE_HEADERS), 'plus')
      ring.push(request({ slug: 'gpt-5.5', upstream: 'chatgpt@chatgpt.com' }))
      await page.waitForSelector('[data-window="primary"]')
      expect(await page.textContent('[data-window="primary"] .label')).toBe('Primary · 5-hour window42.5% used')
      expect(await page.textContent('[data-window="primary"] .left')).toBe('57.5% left')
      expect(await page.textContent('[data-window="secondary"] .label')).toBe('Secondary · 1-week window12.0% used')
      expect(await page.textContent('[data-window="secondary"] .left')).toBe('88.0% left')
      expect(await page.getAttribute('[data-window="primary"] [role="progressbar"]', 'aria-valuenow')).toBe('42.5')
      expect(await page.$eval('[data-window="primary"] .bar > div', (node) => (node as unknown as DomNode).style.width)).toBe('42.5%')
      expect(await page.textContent('[data-window="primary"] .resets')).toBe('Resets Sat, Nov 21, 02:06 PM')
      expect(await page.textContent('#quota-credits')).toBe('17.50')
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('a request pushed to the ring appears without a reload, over one live connection', async () => {
    await enabledHomes('live')
    const { deps, ring } = realUiDeps()
    ring.push(request({ slug: 'deepseek-chat', dialect: 'chat', upstream: 'generic-chat-completion-api@api.deepseek.com' }))
    const server = startUiServer(deps)
    try {
      // The same day as the rows: their times alone.
      const { page } = await openPage(`${server.url}/`, { now: new Date('2026-11-20T14:10:00.000Z') })
      await page.waitForSelector('tr[data-id="1"]')
      await page.waitForSelector('body[data-stream="open"]')
      await page.evaluate(() => ((globalThis as unknown as PageGlobal).marker = 42))
      expect(ring.subscribers).toBe(1)
      const pushed = ring.push(request({ time: '2026-11-20T14:05:00.000Z', dialect: 'messages', slug: 'claude-sonnet', upstream: 'anthropic@api.anthropic.com', status: 429, duration_ms: 950, ttft_ms: null, tokens: null }))
      await page.waitForSelector(`tr[data-id="${pushed.id}"]`)
      const cells = await page.$$eval(`tr[data-id="${pushed.id}"] td`, (nodes) => (nodes as unknown as DomNode[]).map((node) => node.textContent))
      expect(cells).toEqual(['2:05:00 PM', 'messages', 'claude-sonnet', 'api.anthropic.com', '429', '950 ms', '—', '—'])
      // Newest first, and the same document (no reload).
      expect(await page.$$eval('#requests tr', (rows) => (rows as unknown as DomNode[]).map((row) => row.dataset.id))).toEqual([String(pushed.id), '1'])
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).marker)).toBe(42)
      expect(ring.subscribers).toBe(1)
      await page.context().close()
      // Closing the tab ends the stream and its subscription.
      for (let i = 0; i < 100 && ring.subscribers > 0; i++) await Bun.sleep(50)
      expect(ring.subscribers).toBe(0)
    } finally {
      server.close()
    }
  })

  test('a page from another origin can neither switch the model nor read the list', async () => {
    await enabledHomes('cross-origin')
    const { deps } = realUiDeps()
    const seen: { method: string; path: string; origin: string | null; status: number }[] = []
    const handle = uiHandler(deps)
    const target = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (request) => {
        const response = await handle(request)
        seen.push({ method: request.method, path: new URL(request.url).pathname, origin: request.headers.get('origin'), status: response.status })
        return response
      },
    })
    const targetUrl = `http://127.0.0.1:${target.port}`
    // The attacker: another local web app on another port, which knows the address but not the page token.
    const script = `
      const target = ${JSON.stringify(targetUrl)};
      const attempt = (promise) => promise.then((r) => r.type === 'opaque' ? 'opaque' : 'read:' + r.status, () => 'blocked');
      (async () => {
        const results = {};
        results.readModels = await attempt(fetch(target + '/api/models'));
        results.readPage = await attempt(fetch(target + '/'));
        results.switchGuessedToken = await attempt(fetch(target + '/api/switch', { method: 'POST', headers: { 'content-type': 'application/json', 'x-codex-shim-page-token': '0'.repeat(64) }, body: JSON.stringify({ slug: 'glm-4.6' }) }));
        results.switchNoToken = await attempt(fetch(target + '/api/switch', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ slug: 'glm-4.6' }) }));
        results.switchNoCors = await attempt(fetch(target + '/api/switch', { method: 'POST', mode: 'no-cors', body: JSON.stringify({ slug: 'glm-4.6' }) }));
        window.results = results;
      })();`
    const attacker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(`<!doctype html><title>other app</title><script>${script}</script>`, { headers: { 'content-type': 'text/html' } }) })
    try {
      const { page } = await openPage(`http://127.0.0.1:${attacker.port}/`)
      await page.waitForFunction(() => (globalThis as unknown as PageGlobal).results !== undefined)
      const results = await page.evaluate(() => (globalThis as unknown as PageGlobal).results)
      expect(results).toEqual({ readModels: 'blocked', readPage: 'blocked', switchGuessedToken: 'blocked', switchNoToken: 'blocked', switchNoCors: 'opaque' })
      // The server saw the reads with the foreign Origin and refused them; the JSON posts never got past the preflight.
      const attackerOrigin = `http://127.0.0.1:${attacker.port}`
      expect(seen.find((entry) => entry.path === '/api/models')).toEqual({ method: 'GET', path: '/api/models', origin: attackerOrigin, status: 403 })
      expect(seen.find((entry) => entry.path === '/')!.status).toBe(403)
      expect(seen.filter((entry) => entry.path === '/api/switch').map((entry) => `${entry.method} ${entry.status}`)).toEqual(['OPTIONS 204', 'OPTIONS 204', 'POST 415'])
      expect(currentManagedModel()).toBe('kimi-k2')
      await page.context().close()
    } finally {
      attacker.stop(true)
      target.stop(true)
    }
  })

  test('the proxy stopping shows as not reachable; a proxy started again (new page token, new ids) is taken up afresh', async () => {
    await enabledHomes('restart')
    const first = realUiDeps()
    first.ring.push(request({ slug: 'before-restart' }))
    const server = startUiServer(first.deps)
    const { page } = await openPage(`${server.url}/`)
    let again: ReturnType<typeof startUiServer> | null = null
    try {
      await page.waitForSelector('body[data-stream="open"]')
      await page.waitForSelector('tr[data-id="1"]')
      server.close()
      await page.waitForSelector('dd[data-fact="status"]:has-text("not reachable")')
      // A new process: its own token and a request numbered 1 again, which the old page would have taken for a duplicate.
      const second = realUiDeps()
      second.ring.push(request({ slug: 'after-restart' }))
      again = startUiServer(second.deps, server.port)
      await page.waitForSelector('tr[data-id="1"]:has-text("after-restart")', { timeout: 15_000 })
      await page.waitForSelector('dd[data-fact="status"]:has-text("healthy")')
    } finally {
      await page.context().close()
      again?.close()
    }
  })

  test('on a 375 px phone the page is no wider than the screen (the requests table scrolls in its own box); screenshot', async () => {
    await enabledHomes('narrow')
    const { deps, ring } = realUiDeps()
    for (let i = 0; i < 4; i++) ring.push(request({ slug: `a-rather-long-model-name-${i}`, upstream: 'generic-chat-completion-api@api.deepseek.com' }))
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`, { width: 375 })
      await page.waitForSelector('tr[data-id="4"]')
      const width = await page.evaluate(() => (globalThis as unknown as PageGlobal).document.documentElement.scrollWidth)
      expect(width).toBeLessThanOrEqual(375)
      await page.screenshot({ path: process.env.SCREENSHOT_375 ?? join(process.env.CODEX_SHIM_TEST_ROOT!, 'control-page-375.png'), fullPage: true })
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('screenshot for the README (light theme, 1280×900)', async () => {
    await enabledHomes('screenshot')
    // A proxy on macOS: the picture shows the "Restart Codex Desktop" option.
    const { deps, quota, ring } = realUiDeps({ platform: 'darwin', restart: async () => 'Restarted Codex Desktop with the new model.' })
    quota.record(new Headers(RATE_HEADERS), 'plus')
    const rows: Partial<RecentRequestInput>[] = [
      { time: '2026-11-20T14:01:02.000Z', dialect: 'responses', slug: 'kimi-k2', upstream: 'openai@api.moonshot.ai', status: 200, duration_ms: 6120, ttft_ms: 702, tokens: { input: 24310, output: 1204 } },
      { time: '2026-11-20T14:01:40.000Z', dialect: 'responses', slug: 'kimi-k2', upstream: 'openai@api.moonshot.ai', status: 200, duration_ms: 3380, ttft_ms: 590, tokens: { input: 25102, output: 388 } },
      { time: '2026-11-20T14:02:15.000Z', dialect: 'messages', slug: 'claude-sonnet', upstream: 'anthropic@api.anthropic.com', status: 200, duration_ms: 8840, ttft_ms: 1210, tokens: { input: 31877, output: 2210 } },
      { time: '2026-11-20T14:03:03.000Z', dialect: 'chat', slug: 'deepseek-chat', upstream: 'generic-chat-completion-api@api.deepseek.com', status: 429, duration_ms: 310, ttft_ms: null, tokens: null },
      { time: '2026-11-20T14:03:09.000Z', dialect: 'chat', slug: 'deepseek-chat', upstream: 'generic-chat-completion-api@api.deepseek.com', status: 200, duration_ms: 2950, ttft_ms: 420, tokens: { input: 12044, output: 640 } },
      { time: '2026-11-20T14:04:30.000Z', dialect: 'responses', slug: 'gpt-5.5', upstream: 'chatgpt@chatgpt.com', status: 200, duration_ms: 5210, ttft_ms: 880, tokens: { input: 40211, output: 1530 } },
    ]
    for (const row of rows) ring.push(request(row))
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`, { now: new Date('2026-11-20T14:10:00.000Z') })
      await page.waitForSelector('[data-window="secondary"]')
      await page.waitForSelector('tr[data-id="6"]')
      await page.waitForSelector('body[data-stream="open"]')
      // Freeze the row highlight so the picture is stable.
      await page.evaluate(() => (globalThis as unknown as PageGlobal).document.querySelectorAll('tr.fresh').forEach((row) => row.classList.remove('fresh')))
      const out = process.env.UPDATE_SCREENSHOT ? join(import.meta.dir, '../../docs/control-page.png') : join(process.env.CODEX_SHIM_TEST_ROOT!, 'control-page.png')
      mkdirSync(join(out, '..'), { recursive: true })
      const png = await page.screenshot({ path: out })
      // A PNG, 1280×900 (IHDR width and height).
      expect(png.subarray(1, 4).toString()).toBe('PNG')
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 900])
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })
})

/** The Upstream cell of each row, newest first: what it shows and its tooltip. */
async function upstreamCells(page: Page): Promise<{ text: string | null; title: string }[]> {
  return page.$$eval('#requests tr td:nth-child(4)', (nodes) => (nodes as unknown as DomNode[]).map((node) => ({ text: node.textContent, title: node.title })))
}

describe('the control page in Chromium: what a UI audit found', () => {
  test('the Upstream column shows the host a user knows from the model list; the internal provider@host label is only its tooltip', async () => {
    await enabledHomes('upstream-column')
    const { deps, ring } = realUiDeps()
    ring.push(request({ slug: 'deepseek-chat', dialect: 'chat', upstream: 'generic-chat-completion-api@api.deepseek.com (fast path)' }))
    ring.push(request({ slug: 'qwen3-coder', upstream: 'ollama@127.0.0.1:11434' }))
    // Subscriptions have no host in their label: the provider label, as the model list groups them.
    ring.push(request({ slug: 'gpt-5.5', upstream: 'chatgpt (fast path)' }))
    ring.push(request({ slug: 'cursor-auto', upstream: 'cursor-agent' }))
    ring.push(request({ slug: 'kimi-k2', upstream: null, status: 400 }))
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`)
      await page.waitForSelector('tr[data-id="5"]')
      expect(await upstreamCells(page)).toEqual([
        { text: '—', title: '' },
        { text: 'cursor-agent', title: '' },
        { text: 'chatgpt', title: 'chatgpt (fast path)' },
        { text: '127.0.0.1:11434', title: 'ollama@127.0.0.1:11434' },
        { text: 'api.deepseek.com', title: 'generic-chat-completion-api@api.deepseek.com (fast path)' },
      ])
      // The same text as the model's upstream_host chip.
      expect(await page.textContent('.model[data-slug="deepseek-chat"] .chip.mono')).toBe('api.deepseek.com')
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('a wrong token in the token form says it was not accepted, and the form stays usable for the right one', async () => {
    await enabledHomes('wrong-token')
    const token = 'right-shim-token-4b1e'
    const { deps } = realUiDeps({ token })
    const server = startUiServer(deps)
    try {
      const { page } = await openPage(`${server.url}/`)
      await page.waitForSelector('#token-panel:not([hidden])')
      expect(await page.isVisible('#token-error')).toBe(false)
      // Not "Loading…" for ever: the page says what it waits for.
      expect(await page.textContent('#models')).toBe('Waiting for the token (above).')
      await page.fill('#token-input', 'wrong-token')
      await page.click('#token-form button')
      await page.waitForSelector('#token-error:not([hidden])', { timeout: 3000 })
      expect(await page.textContent('#token-error')).toStartWith('That token was not accepted.')
      expect(await page.getAttribute('#token-input', 'aria-invalid')).toBe('true')
      expect(await page.isVisible('#token-panel')).toBe(true)
      expect(await page.isEnabled('#token-input')).toBe(true)
      expect(await page.isEnabled('#token-form button')).toBe(true)
      // Nothing was kept: a reload would ask again rather than send the wrong token.
      expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('codex-shim-token'))).toBeNull()

      await page.fill('#token-input', token)
      await page.press('#token-input', 'Enter')
      await page.waitForSelector('#token-panel[hidden]', { state: 'attached' })
      await page.waitForSelector('.model[data-slug="kimi-k2"]')
      await page.waitForSelector('body[data-stream="open"]')
      expect(await page.isVisible('#token-error')).toBe(false)
      await page.context().close()

      // A token kept from before (the proxy restarted with another one) is refused the same way.
      const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' })
      await context.addInitScript(() => (globalThis as unknown as { sessionStorage: { setItem(key: string, value: string): void } }).sessionStorage.setItem('codex-shim-token', 'stale-token'))
      const stale = await context.newPage()
      await stale.goto(`${server.url}/`)
      await stale.waitForSelector('#token-error:not([hidden])', { timeout: 3000 })
      expect(await stale.textContent('#token-error')).toStartWith('The saved token was not accepted.')
      await context.close()
    } finally {
      server.close()
    }
  })

  test.each([
    ['linux', false],
    ['darwin', true],
    ['win32', true],
  ] as const)('"Restart Codex Desktop after switching" is offered only where Codex Desktop runs (proxy on %s: %p)', async (platform, offered) => {
    await enabledHomes(`restart-${platform}`)
    const { deps } = realUiDeps({ platform })
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`)
      await page.waitForSelector('dd[data-fact="version"]')
      expect(await page.isVisible('#restart')).toBe(offered)
      expect(await page.isVisible('label:has(#restart)')).toBe(offered)
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('after a switch that failed, the header shows what Codex will use (re-read from the proxy, not the model clicked or the one before)', async () => {
    await enabledHomes('failed-switch')
    // The switch is written, then restarting Desktop fails: Codex uses the new model.
    const { deps } = realUiDeps({ platform: 'darwin', restart: async () => { throw new ShimError('config', 'Could not open Codex Desktop (`open -a Codex` failed). Is it installed in /Applications? Start it by hand.') } })
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`)
      await page.waitForSelector('label:has(#restart)')
      await page.check('#restart')
      await page.click('.model[data-slug="deepseek-chat"]')
      await page.waitForSelector('#status.bad')
      expect(currentManagedModel()).toBe('deepseek-chat')
      expect(await page.textContent('#active-name')).toBe('DeepSeek V3.2')
      expect(await page.$$eval('.model[aria-pressed="true"]', (nodes) => (nodes as unknown as DomNode[]).map((node) => node.dataset.slug))).toEqual(['deepseek-chat'])
      expect(await page.textContent('#status')).toBe('Codex now uses DeepSeek V3.2, but: Could not open Codex Desktop (`open -a Codex` failed). Is it installed in /Applications? Start it by hand.')

      // The block went away behind the page's back (`codex-shim disable`): the switch fails, and Codex uses no codex-shim model.
      disableCodexConfig()
      await page.uncheck('#restart')
      await page.click('.model[data-slug="glm-4.6"]')
      await page.waitForSelector('#status.bad:has-text("Could not switch")')
      expect(currentManagedModel()).toBeNull()
      expect(await page.textContent('#active-name')).toBe('no codex-shim model')
      expect(await page.$$eval('.model[aria-pressed="true"]', (nodes) => (nodes as unknown as DomNode[]).length)).toBe(0)
      expect(problems.filter((problem) => !problem.includes('status of 409') && !problem.includes('status of 500'))).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })
})

/** A model as some providers name them: a long path-like slug and a long display name, with few places to break. */
const LONG_MODEL = { slug: 'accounts/fireworks/models/qwen3-coder-480b-a35b-instruct', display_name: 'Qwen3_Coder_480B_A35B_Instruct_Turbo_FP8', provider: 'fireworks', upstream_host: 'api.fireworks.ai', context_window: 262144, images: false }

/** Elements inside a panel (outside the requests table's own scroll box) that reach past its edges, and model ids that spill into their chips. */
type Box = { left: number; right: number; top: number; bottom: number }
type Overflow = { panel: string; element: string; by: number }
async function overflows(page: Page): Promise<Overflow[]> {
  return page.evaluate(() => {
    type El = { tagName: string; className: string; scrollWidth: number; clientWidth: number; getAttribute(name: string): string | null; getBoundingClientRect(): Box; closest(selector: string): El | null; querySelector(selector: string): El | null; querySelectorAll(selector: string): El[] }
    const doc = (globalThis as unknown as { document: El }).document
    const found: Overflow[] = []
    for (const panel of doc.querySelectorAll('section.panel, header')) {
      const edge = panel.getBoundingClientRect()
      for (const node of panel.querySelectorAll('*')) {
        if (node.closest('.table-wrap') || node.closest('[hidden]')) continue
        const box = node.getBoundingClientRect()
        const by = Math.max(box.right - edge.right, edge.left - box.left)
        if (by > 0.5) found.push({ panel: panel.getAttribute('aria-labelledby') ?? panel.tagName, element: `${node.tagName}.${node.className}`, by: Math.round(by) })
      }
    }
    // Text that overflows its own box (a box's rectangle does not grow with the text spilling out of it).
    for (const node of doc.querySelectorAll('.model .id, .model .name, .model .slug, dl.facts dd, header .active')) {
      if (node.scrollWidth > node.clientWidth + 1) found.push({ panel: 'own box', element: `${node.tagName}.${node.className}`, by: node.scrollWidth - node.clientWidth })
    }
    return found
  })
}

/** Visible text whose colour against the nearest opaque background is below 4.5:1, as `element "text" ratio`. */
async function illegibleText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    type El = { tagName: string; className: string; textContent: string; parentElement: El | null; childNodes: { nodeType: number; textContent: string }[]; getClientRects(): unknown[] }
    const scope = globalThis as unknown as { document: { querySelectorAll(selector: string): El[] }; getComputedStyle(node: El): { color: string; backgroundColor: string } }
    const rgba = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number)
    const luminance = ([r, g, b]: number[]) => {
      const channel = (value: number) => ((value /= 255) <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4)
      return 0.2126 * channel(r!) + 0.7152 * channel(g!) + 0.0722 * channel(b!)
    }
    const background = (node: El): number[] => {
      for (let at: El | null = node; at; at = at.parentElement) {
        const color = rgba(scope.getComputedStyle(at).backgroundColor)
        if (color.length === 3 || (color.length === 4 && color[3]! > 0.9)) return color.slice(0, 3)
      }
      return [255, 255, 255]
    }
    const found: string[] = []
    for (const node of scope.document.querySelectorAll('body *')) {
      if (![...node.childNodes].some((child) => child.nodeType === 3 && child.textContent.trim()) || !node.getClientRects().length) continue
      const [high, low] = [luminance(rgba(scope.getComputedStyle(node).color)), luminance(background(node))].sort((a, b) => b - a)
      const ratio = (high! + 0.05) / (low! + 0.05)
      if (ratio < 4.5) found.push(`${node.tagName}.${node.className} "${node.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`)
    }
    return found
  })
}

describe('the control page in Chromium: a second audit', () => {
  test('a quota window whose reset time has passed is not shown as current: its figures are marked as from before the reset', async () => {
    await enabledHomes('quota-reset-passed')
    const { deps, quota } = realUiDeps()
    const now = Date.parse('2026-11-20T14:10:00.000Z')
    // The last ChatGPT response came before the 5-hour window reset (an hour ago); the weekly one is still running.
    quota.record(new Headers({ ...RATE_HEADERS, 'x-codex-primary-used-percent': '97', 'x-codex-primary-reset-at': String(now / 1000 - 3600), 'x-codex-secondary-reset-at': String(now / 1000 + 86400) }), 'plus')
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`, { now: new Date(now) })
      await page.waitForSelector('[data-window="primary"]')
      await page.locator('section.quota').screenshot({ path: join(process.env.CODEX_SHIM_TEST_ROOT!, 'control-page-quota-reset-passed.png') })
      expect(await page.textContent('[data-window="primary"] .used')).toBe('97.0% used before the reset')
      expect(await page.textContent('[data-window="primary"] .resets')).toBe('Reset Fri, Nov 20, 01:10 PM')
      expect(await page.textContent('[data-window="primary"] .left')).toBe('')
      expect(await page.getAttribute('[data-window="primary"] [role="progressbar"]', 'aria-valuetext')).toBe('97.0% used before the reset')
      // The window still running reads as before.
      expect(await page.textContent('[data-window="secondary"] .used')).toBe('12.0% used')
      expect(await page.textContent('[data-window="secondary"] .resets')).toBe('Resets Sat, Nov 21, 02:10 PM')
      expect(await page.textContent('[data-window="secondary"] .left')).toBe('88.0% left')
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test.each(['light', 'dark'] as const)('every text on the page is legible in the %s theme (WCAG AA, 4.5:1), the token form\'s button included', async (colorScheme) => {
    await enabledHomes(`contrast-${colorScheme}`)
    const token = 'contrast-token-7c1d'
    const { deps, quota, ring } = realUiDeps({ token, platform: 'darwin', restart: async () => 'Restarted Codex Desktop.' })
    quota.record(new Headers(RATE_HEADERS), 'plus')
    for (const status of [200, 429, 500, 499]) ring.push(request({ status }))
    const server = startUiServer(deps)
    try {
      const { page } = await openPage(`${server.url}/`, { colorScheme })
      await page.waitForSelector('#token-panel:not([hidden])')
      expect(await illegibleText(page)).toEqual([])
      await page.fill('#token-input', token)
      await page.press('#token-input', 'Enter')
      await page.waitForSelector('[data-window="primary"]')
      await page.waitForSelector('tr[data-id="4"]')
      // The fresh-row highlight fades from the accent tint: judge the rows as they settle.
      await page.evaluate(() => (globalThis as unknown as PageGlobal).document.querySelectorAll('tr.fresh').forEach((row) => row.classList.remove('fresh')))
      expect(await illegibleText(page)).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('a proxy that answers with an error says so: not "not reachable", no made-up facts, no "Loading…" for ever', async () => {
    await enabledHomes('api-500')
    const { deps } = realUiDeps()
    // The model list fails (the proxy is up: the page and its live stream are served).
    deps.listModels = async () => {
      throw new Error('model list failed')
    }
    deps.health = async () => {
      throw new Error('model list failed')
    }
    const server = startUiServer(deps)
    try {
      const { page } = await openPage(`${server.url}/`)
      await page.waitForSelector('body[data-stream="open"]')
      await page.waitForSelector('dd[data-fact="status"]')
      await page.waitForFunction(() => ![...(globalThis as unknown as PageGlobal).document.querySelectorAll('#models p.empty, #quota p.empty')].some((node) => node.textContent === 'Loading…'), undefined, { timeout: 3000 }).catch(() => {})
      await page.screenshot({ path: join(process.env.CODEX_SHIM_TEST_ROOT!, 'control-page-api-500.png'), fullPage: true })
      const status = await page.textContent('dd[data-fact="status"]')
      expect(status).not.toContain('not reachable')
      expect(status).toContain('Internal error in codex-shim')
      // Nothing it was never told: not "off", not 0 models.
      for (const fact of ['models', 'chatgpt', 'cursor', 'cooling down']) expect(await page.textContent(`dd[data-fact="${fact}"]`)).toBe('—')
      expect(await page.textContent('#models')).toStartWith('Could not load models:')
      expect(await page.textContent('#quota')).toStartWith('Could not load the plan\'s figures:')
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test.each([375, 700, 1280])('a long slug and model name wrap inside their box at %p px: nothing spills into the chips or past a panel', async (width) => {
    await enabledHomes(`long-names-${width}`)
    const { deps, ring } = realUiDeps()
    const listed = deps.listModels
    deps.listModels = async () => [...(await listed()), LONG_MODEL]
    deps.activeModel = () => LONG_MODEL.slug
    const health = deps.health
    deps.health = async () => ({ ...(await health()), cooling_down: [{ slug: LONG_MODEL.slug, until: '2026-11-20T15:00:00.000Z' }] })
    ring.push(request({ slug: LONG_MODEL.slug, upstream: 'fireworks@api.fireworks.ai' }))
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`, { width })
      await page.waitForSelector(`.model[aria-pressed="true"]`)
      await page.waitForSelector('dd[data-fact="cooling down"]')
      await page.waitForSelector('tr[data-id="1"]')
      await page.screenshot({ path: join(process.env.CODEX_SHIM_TEST_ROOT!, `control-page-long-names-${width}.png`), fullPage: true })
      expect(await overflows(page)).toEqual([])
      expect(await page.evaluate(() => (globalThis as unknown as PageGlobal).document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })
})

describe('the control page in Chromium: a third audit', () => {
  test('a time from another day shows its date (in the local time zone); today\'s stay compact: request rows, "As of" and "cooling down until"', async () => {
    await enabledHomes('dates')
    const { deps, quota, ring } = realUiDeps()
    quota.record(new Headers(RATE_HEADERS), 'plus')
    const recorded = deps.quota
    // The figures came with yesterday's last response.
    deps.quota = () => ({ ...(recorded() as Record<string, unknown>), updated_at: '2026-11-20T14:00:00.000Z' })
    const health = deps.health
    deps.health = async () => ({ ...(await health()), cooling_down: [{ slug: 'glm-4.6', until: '2026-11-22T03:00:00.000Z' }, { slug: 'kimi-k2', until: '2026-11-21T09:30:00.000Z' }] })
    ring.push(request({ time: '2025-12-31T23:00:00.000Z', slug: 'last-year' }))
    ring.push(request({ time: '2026-11-20T14:05:00.000Z', slug: 'yesterday' }))
    ring.push(request({ time: '2026-11-21T08:30:00.000Z', slug: 'today' }))
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`, { now: new Date('2026-11-21T09:00:00.000Z') })
      await page.waitForSelector('tr[data-id="3"]')
      await page.waitForSelector('dd[data-fact="cooling down"]')
      await page.waitForSelector('#quota dl.facts')
      const times = await page.$$eval('#requests tr td:first-child', (nodes) => (nodes as unknown as DomNode[]).map((node) => node.textContent))
      expect(times).toEqual(['8:30:00 AM', 'Nov 20, 2:05:00 PM', 'Dec 31, 2025, 11:00:00 PM'])
      expect(await page.textContent('#quota dl.facts')).toContain('As ofNov 20, 2:00:00 PM')
      expect(await page.textContent('dd[data-fact="cooling down"]')).toBe('glm-4.6 until Nov 22, 3:00:00 AM, kimi-k2 until 9:30:00 AM')
      expect(problems).toEqual([])
      await page.context().close()

      // The day is the user's: 03:00 UTC on Nov 21 is the evening before in New York, where it is now 4 AM on Nov 21.
      ring.push(request({ time: '2026-11-21T03:00:00.000Z', slug: 'new-york-evening' }))
      const { page: east } = await openPage(`${server.url}/`, { now: new Date('2026-11-21T09:00:00.000Z'), timezoneId: 'America/New_York' })
      await east.waitForSelector('tr[data-id="4"]')
      expect(await east.textContent('tr[data-id="4"] td:first-child')).toBe('Nov 20, 10:00:00 PM')
      expect(await east.textContent('tr[data-id="3"] td:first-child')).toBe('3:30:00 AM')
      await east.context().close()
    } finally {
      server.close()
    }
  })

  test('each model button\'s accessible name says its slug, context size and host: two models with the same display name do not sound alike', async () => {
    await enabledHomes('accessible-names')
    const { deps } = realUiDeps()
    const twin = (slug: string, host: string, context: number) => ({ slug, display_name: 'Qwen3 Coder', provider: 'twins', upstream_host: host, context_window: context, images: false })
    deps.listModels = async () => [twin('qwen-a', 'api.a.example', 262144), twin('qwen-b', 'api.b.example', 131072)]
    deps.activeModel = () => 'qwen-a'
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`)
      await page.waitForSelector('.model[data-slug="qwen-b"]')
      const names: string[] = []
      for (const slug of ['qwen-a', 'qwen-b']) {
        // The accessibility tree's name for the button (the snapshot's first line), not its children's text.
        const snapshot = await page.locator(`.model[data-slug="${slug}"]`).ariaSnapshot()
        names.push(/^- button "(.*)"/.exec(snapshot)![1]!)
      }
      expect(names[0]).not.toBe(names[1])
      for (const [i, [slug, context, host]] of [['qwen-a', '262K context', 'api.a.example'], ['qwen-b', '131K context', 'api.b.example']].entries()) {
        expect(names[i]).toContain('Qwen3 Coder')
        expect(names[i]).toContain(slug!)
        expect(names[i]).toContain(context!)
        expect(names[i]).toContain(host!)
      }
      expect(names[0]).toContain('active in Codex')
      expect(names[1]).toContain('switch Codex to this model')
      // Found by name as a screen reader user would ask for it.
      expect(await page.getByRole('button', { name: /qwen-b.*api\.b\.example/ }).count()).toBe(1)
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })

  test('a page refused the live stream as one too many (429) says so, and does not keep asking', async () => {
    await enabledHomes('too-many-streams')
    const { deps, ring } = realUiDeps()
    // Sixteen other tabs hold every live stream the proxy allows.
    const others = Array.from({ length: 16 }, () => ring.subscribe(() => {}))
    const handle = uiHandler(deps)
    let streamAsks = 0
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      idleTimeout: 0,
      fetch: (request) => {
        if (new URL(request.url).pathname === '/api/requests/stream') streamAsks++
        return handle(request)
      },
    })
    try {
      const { page } = await openPage(`http://127.0.0.1:${server.port}/`)
      await page.waitForSelector('#live-text:has-text("too many")', { timeout: 3000 })
      expect(await page.textContent('#live-text')).toMatch(/too many open (control )?pages/i)
      // Ten seconds of the old backoff would be four more asks (1 s, 2 s, 4 s): none here.
      await Bun.sleep(4000)
      expect(streamAsks).toBe(1)
      expect(await page.textContent('#live-text')).toMatch(/too many open (control )?pages/i)
      // The other tabs close; this one is looked at again and takes the stream up.
      for (const release of others) release()
      await page.evaluate(() => (globalThis as unknown as { document: { dispatchEvent(event: unknown): void } }).document.dispatchEvent(new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('visibilitychange')))
      await page.waitForSelector('body[data-stream="open"]', { timeout: 3000 })
      expect(await page.textContent('#live-text')).toBe('live')
      expect(streamAsks).toBe(2)
      await page.context().close()
    } finally {
      for (const release of others) release()
      server.stop(true)
    }
  }, 15_000)

  test('group heading ids are unique for provider labels that differ only in punctuation: each list is labelled by its own heading', async () => {
    await enabledHomes('heading-ids')
    const { deps } = realUiDeps()
    const model = (slug: string, provider: string) => ({ slug, display_name: slug, provider, upstream_host: null, context_window: null, images: false })
    deps.listModels = async () => [model('one', 'a.b'), model('two', 'a-b'), model('three', 'a b'), model('four', 'group-x')]
    const server = startUiServer(deps)
    try {
      const { page, problems } = await openPage(`${server.url}/`)
      await page.waitForSelector('.model[data-slug="four"]')
      const labelled = await page.$$eval('.group', (nodes) => {
        type El = { dataset: Record<string, string | undefined>; id: string; textContent: string | null; getAttribute(name: string): string | null; querySelector(selector: string): El | null }
        const doc = (globalThis as unknown as { document: { getElementById(id: string): El | null; querySelectorAll(selector: string): El[] } }).document
        return (nodes as unknown as El[]).map((group) => {
          const id = group.querySelector('ul')!.getAttribute('aria-labelledby')!
          return { provider: group.dataset.provider, id, sameId: doc.querySelectorAll(`[id="${id}"]`).length, labelledBy: doc.getElementById(id)!.textContent }
        })
      })
      expect(labelled.map((entry) => entry.sameId)).toEqual([1, 1, 1, 1])
      expect(labelled.map((entry) => entry.labelledBy)).toEqual(['a.b1 model', 'a-b1 model', 'a b1 model', 'group-x1 model'])
      expect(new Set(labelled.map((entry) => entry.id)).size).toBe(4)
      expect(problems).toEqual([])
      await page.context().close()
    } finally {
      server.close()
    }
  })
})

/**
 * The control page as the daemon serves it: the full request handler
 * (guard, token check, routes, the one model list, the request ring fed by
 * real traffic), not the page's routes alone. Chromium loads `/`, switches
 * the model, and sees a request the openai SDK makes through the same proxy.
 */
import TOML from '@iarna/toml'
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import OpenAI from 'openai'
import type { Browser } from 'playwright-core'
import { startFakeChatUpstream, stream, textReply, usageChunk } from '../fakes/chat-upstream.ts'
import { launchBrowser } from '../support/browser.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { enabledHomes, MODELS } from './_fixture.ts'

type DomNode = { dataset: Record<string, string | undefined>; textContent: string | null }

let browser: Browser
const upstream = startFakeChatUpstream(() => stream([...textReply('Hello from the fake.'), usageChunk(321, 12)]))
beforeAll(async () => {
  browser = await launchBrowser()
})
afterAll(async () => {
  await browser?.close()
  upstream.close()
})

describe('the control page through the full handler', () => {
  test('GET / gives browsers the page and programs JSON; a click switches; live traffic shows up', async () => {
    const { configPath } = await enabledHomes('full-handler')
    const settings = settingsFrom([...MODELS, { slug: 'local-fake', display_name: 'Local Fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: `${upstream.url}/v1` }])
    const shim = startShim(settings)
    try {
      // Programs asking for the root still get the endpoint list.
      const asProgram = await fetch(`${shim.url}/`)
      expect(asProgram.headers.get('content-type')).toContain('application/json')
      expect(((await asProgram.json()) as { endpoints: string[] }).endpoints).toContain('POST /v1/responses')

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId: 'UTC' })
      const page = await context.newPage()
      const problems: string[] = []
      page.on('pageerror', (error) => problems.push(error.message))
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()))
      await page.goto(`${shim.url}/`)
      await page.waitForSelector('.model[data-slug="local-fake"]')
      // Every model from the one model list, the configured order kept.
      const slugs = await page.$$eval('.model', (nodes) => (nodes as unknown as DomNode[]).map((node) => node.dataset.slug))
      expect(slugs).toEqual(['kimi-k2', 'deepseek-chat', 'glm-4.6', 'local-fake', 'claude-sonnet', 'qwen3-coder'])
      await page.waitForSelector('body[data-stream="open"]')

      await page.click('.model[data-slug="local-fake"]')
      await page.waitForSelector('.model[data-slug="local-fake"][aria-pressed="true"]')
      const config = TOML.parse(readFileSync(configPath, 'utf8')) as { model: string; model_providers: Record<string, { name: string; base_url: string }> }
      expect(config.model).toBe('local-fake')
      expect(config.model_providers.codex_shim).toMatchObject({ name: 'Local Fake', base_url: 'http://127.0.0.1:8765/v1' })

      // A real client's request through the same handler appears without a reload.
      const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused' })
      const answer = await client.chat.completions.create({ model: 'local-fake', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })
      let text = ''
      for await (const chunk of answer) text += chunk.choices[0]?.delta.content ?? ''
      expect(text).toBe('Hello from the fake.')
      await page.waitForSelector('#requests tr td:text-is("local-fake")')
      const cells = await page.$$eval('#requests tr:first-child td', (nodes) => (nodes as unknown as DomNode[]).map((node) => node.textContent))
      // The upstream's host, as the model's chip shows it; the internal label is the cell's tooltip.
      expect(cells.slice(1, 5)).toEqual(['chat', 'local-fake', `127.0.0.1:${new URL(upstream.url).port}`, '200'])
      expect(await page.getAttribute('#requests tr:first-child td:nth-child(4)', 'title')).toBe(`generic-chat-completion-api@127.0.0.1:${new URL(upstream.url).port} (fast path)`)
      expect(cells[7]).toBe('321 / 12')
      expect(problems).toEqual([])
      await context.close()
    } finally {
      shim.close()
    }
  })
})

import { describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pickBaseInstructions, loadBundledCatalog } from '../../src/codex/bundled.ts'
import { buildCatalog, FALLBACK_INSTRUCTIONS } from '../../src/codex/catalog.ts'
import { codexOverrides } from '../../src/codex/launch.ts'
import { settingsFrom } from '../support/shim.ts'

const SECRET = 'sk-catalog-planted-secret'
const settings = settingsFrom([
  { slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1', api_key: SECRET, max_context_limit: 64000, reasoning_efforts: ['low', 'high'] },
  { model: 'qwen3', provider: 'ollama', no_image_support: true, display_name: 'Qwen 3' },
])

// Run once for the file: the installed Codex CLI, a few hundred ms.
const bundled = await loadBundledCatalog()

describe('model catalog', () => {
  const instructions = pickBaseInstructions(bundled)

  test("base_instructions come from the installed Codex's bundled catalog", () => {
    expect(bundled?.codexVersion).toBe('0.169.0')
    expect(instructions).toBeString()
    expect(instructions!.length).toBeGreaterThan(1000) // Codex's real prompt, not our fallback
    expect(instructions).not.toBe(FALLBACK_INSTRUCTIONS)
  })

  test('entries: freeform apply_patch, unified shell, classic request shape, modalities, context, efforts', () => {
    const catalog = buildCatalog(settings, instructions ?? FALLBACK_INSTRUCTIONS)
    const [ds, qwen] = catalog.models as Record<string, any>[]
    expect(ds).toMatchObject({
      slug: 'ds', apply_patch_tool_type: 'freeform', shell_type: 'unified_exec', use_responses_lite: false, visibility: 'list',
      input_modalities: ['text', 'image'], context_window: 64000, default_reasoning_level: 'low', priority: 1,
    })
    expect(ds!.supported_reasoning_levels.map((l: any) => l.effort)).toEqual(['low', 'high'])
    expect(qwen).toMatchObject({ slug: 'qwen3', display_name: 'Qwen 3', input_modalities: ['text'], context_window: 128000 })
    expect(JSON.stringify(catalog)).not.toContain(SECRET)
  })

  test('the real Codex CLI parses the generated catalog (codex debug models)', () => {
    const home = join(process.env.CODEX_SHIM_TEST_ROOT!, 'catalog-codex-home')
    mkdirSync(home, { recursive: true })
    const path = join(home, 'catalog.json')
    writeFileSync(path, JSON.stringify(buildCatalog(settings, instructions ?? FALLBACK_INSTRUCTIONS)))
    const result = Bun.spawnSync(['codex', ...codexOverrides({ port: 8765, catalogPath: path }), 'debug', 'models'], { env: { ...process.env, CODEX_HOME: home }, stdout: 'pipe', stderr: 'pipe' })
    expect(result.stderr.toString()).not.toContain('failed to parse')
    expect(result.exitCode).toBe(0)
    const parsed = JSON.parse(result.stdout.toString()) as { models: Record<string, any>[] }
    const ds = parsed.models.find((m) => m.slug === 'ds')!
    expect(ds.apply_patch_tool_type).toBe('freeform')
    expect(ds.context_window).toBe(64000)
    expect(parsed.models.find((m) => m.slug === 'qwen3')!.input_modalities).toEqual(['text'])
  })

  test('the running proxy serves the same catalog for model_catalog_url', async () => {
    const { createDeps } = await import('../../src/server/deps.ts')
    const served = await createDeps(settings, { host: '127.0.0.1', port: 8765 }).catalog()
    expect(served).toEqual(buildCatalog(settings, instructions ?? FALLBACK_INSTRUCTIONS))
  })
})

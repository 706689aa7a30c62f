import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { codexVersion, findCodex } from './find-codex.ts'

export interface BundledCatalog {
  codexVersion: string | null
  models: Record<string, unknown>[]
}

let cached: { key: string; value: BundledCatalog | null } | null = null

/**
 * Codex's own model catalog (`codex debug models --bundled`), read from the
 * installed CLI so our entries carry Codex's real system prompt
 * (`base_instructions`) for the user's version. Run with an empty CODEX_HOME:
 * a broken or half-written config.toml must not stop `generate`.
 */
export function readBundledCatalog(env: Record<string, string | undefined> = process.env): BundledCatalog | null {
  const bin = findCodex(env)
  if (!bin) return null
  if (cached?.key === bin) return cached.value
  const home = mkdtempSync(join(tmpdir(), 'codex-shim-bundled-'))
  try {
    const result = Bun.spawnSync([bin, 'debug', 'models', '--bundled'], {
      env: { ...env, CODEX_HOME: home } as Record<string, string>,
      stdout: 'pipe',
      stderr: 'ignore',
      timeout: 20_000,
    })
    let value: BundledCatalog | null = null
    if (result.success) {
      try {
        const parsed = JSON.parse(result.stdout.toString()) as { models?: Record<string, unknown>[] }
        if (Array.isArray(parsed.models)) value = { codexVersion: codexVersion(bin), models: parsed.models }
      } catch {
        value = null
      }
    }
    cached = { key: bin, value }
    return value
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

/**
 * The prompt for custom models: from the bundled model that uses the classic
 * request shape (tools in `tools`, not responses-lite), since that is the shape
 * our entries declare.
 */
export function pickBaseInstructions(catalog: BundledCatalog | null): string | null {
  if (!catalog) return null
  const withPrompt = catalog.models.filter((model) => typeof model.base_instructions === 'string' && model.base_instructions)
  const classic = withPrompt.filter((model) => model.use_responses_lite !== true)
  const chosen = classic.find((model) => model.visibility === 'list') ?? classic[0] ?? withPrompt[0]
  return (chosen?.base_instructions as string | undefined) ?? null
}

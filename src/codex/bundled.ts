import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runShortCommand } from '../short-command.ts'
import { findCodex, versionIn } from './find-codex.ts'

export interface BundledCatalog {
  codexVersion: string | null
  models: Record<string, unknown>[]
}

let cached: { key: string; value: BundledCatalog | null; at: number } | null = null
// No catalog (Codex timed out, could not start mid-upgrade, or has no such command) is asked again after this.
const RETRY_EMPTY_MS = 5 * 60_000
let loading: { key: string; value: Promise<BundledCatalog | null> } | null = null

const BUNDLED_ARGS = ['debug', 'models', '--bundled']
const TIMEOUT_MS = 20_000

/** An empty CODEX_HOME for Codex to run in: a broken or half-written config.toml must not stop it. */
function emptyHome(env: Record<string, string | undefined>): { env: Record<string, string>; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), 'codex-shim-bundled-'))
  return { env: { ...env, CODEX_HOME: home } as Record<string, string>, remove: () => rmSync(home, { recursive: true, force: true }) }
}

function catalogIn(stdout: string, version: string | null): BundledCatalog | null {
  try {
    const parsed = JSON.parse(stdout) as { models?: Record<string, unknown>[] }
    return Array.isArray(parsed.models) ? { codexVersion: version, models: parsed.models } : null
  } catch {
    return null
  }
}

/** Runs `bin args…` as a child the caller awaits: its stdout when it exits 0, else null. */
async function output(bin: string, args: string[], env: Record<string, string>): Promise<string | null> {
  const result = await runShortCommand([bin, ...args], { timeoutMs: TIMEOUT_MS, env })
  return result.exitCode === 0 ? result.stdout : null
}

/**
 * Codex's own model catalog (`codex debug models --bundled`), read from the
 * installed CLI so our entries carry Codex's real system prompt
 * (`base_instructions`) for the user's version. Codex runs as a child process
 * that is awaited, not waited on: the running proxy goes on serving every
 * other request and stream meanwhile (run synchronously, the first request
 * for Codex's catalog or the plan's models stopped them all for as long as
 * Codex took, ~0.2–0.5 s). Callers at the same time share one run; the result
 * is kept per Codex binary.
 */
export function loadBundledCatalog(env: Record<string, string | undefined> = process.env): Promise<BundledCatalog | null> {
  const bin = findCodex(env)
  if (!bin) return Promise.resolve(null)
  if (cached?.key === bin && (cached.value || performance.now() - cached.at < RETRY_EMPTY_MS)) return Promise.resolve(cached.value)
  if (loading?.key !== bin) {
    const value = (async () => {
      const home = emptyHome(env)
      try {
        const [stdout, version] = await Promise.all([output(bin, BUNDLED_ARGS, home.env), output(bin, ['--version'], home.env)])
        cached = { key: bin, value: stdout === null ? null : catalogIn(stdout, version === null ? null : versionIn(version)), at: performance.now() }
        return cached.value
      } finally {
        home.remove()
      }
    })()
    const entry = { key: bin, value }
    loading = entry
    // Settled, it is `cached` (a result) or nothing (a failure, such as no temporary folder): the
    // next caller runs Codex again rather than getting this rejection for the life of the proxy.
    const settle = () => {
      if (loading === entry) loading = null
    }
    value.then(settle, settle)
  }
  return loading.value
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

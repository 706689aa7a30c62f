import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { profileOverride } from '../codex/config-block.ts'
import { findCodex } from '../codex/find-codex.ts'
import { generateFiles } from '../codex/generate.ts'
import { enableCodexConfig, type ConfigChange } from '../codex/manage-config.ts'
import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import type { StartResult } from '../daemon/lifecycle.ts'
import { shimPaths } from '../paths.ts'
import { modelListFor, type ModelList } from '../routing/model-list.ts'
import type { Settings } from '../settings/schema.ts'

/**
 * The model a command starts Codex with: the one named (it must be listed),
 * else the first configured, else the ChatGPT plan's default. Says which
 * when the plan chose, and returns the display name for the provider block.
 */
export async function chooseModel(settings: Settings, named: string | undefined): Promise<{ slug: string; displayName: string }> {
  const list = modelListFor(settings)
  const chosen = await list.choose(named)
  if (chosen.from === 'chatgpt') log.info(`No models configured: using your ChatGPT plan's default model, ${chosen.slug}.`)
  return { slug: chosen.slug, displayName: await displayNameOf(list, chosen.slug) }
}

/** What Desktop shows for a listed model (the slug itself for names only the plan knows by legacy spelling). */
export async function displayNameOf(list: ModelList, slug: string): Promise<string> {
  return (await list.all()).find((entry) => entry.id === slug)?.display_name ?? slug
}

/** The `codex` CLI, or a clear error saying how to get it. */
export function requireCodex(): string {
  const bin = findCodex()
  if (!bin) throw new ShimError('config', 'The codex CLI is not installed or not on PATH. Install it with `npm i -g @openai/codex`, or set CODEX_SHIM_CODEX_BIN.')
  return bin
}

/** Writes the catalog for this address, then the managed block in config.toml that points Codex at it. */
export async function enableFor(settings: Settings, model: { slug: string; displayName: string }, where: { port: number; host: string }): Promise<ConfigChange> {
  const generated = await generateFiles(settings, where)
  return enableCodexConfig({ model: model.slug, providerName: model.displayName, port: where.port, host: where.host, catalogPath: generated.catalogPath, tokenEnv: Boolean(process.env.CODEX_SHIM_TOKEN) })
}

/** Says when the active Codex profile overrides the block just written (Codex would not use codex-shim). */
export function warnIfProfileOverrides(path: string): void {
  const override = profileOverride(existsSync(path) ? readFileSync(path, 'utf8') : '')
  if (override) log.warn(`Codex will not use codex-shim yet: ${override}.`)
}

/**
 * A command that starts the daemon when needed (`codex`, `app`) uses one already running as it is:
 * its port, its settings. Says so when the command line asked for others, or Codex would be pointed
 * at models the running proxy does not know (a 400 inside Codex) or a port it does not listen on.
 */
export function warnIfRunningDiffers(result: StartResult, requested: { port?: number; settings?: string }): void {
  if (result.state !== 'already-running') return
  const { info } = result
  const differences: string[] = []
  if (requested.port !== undefined && requested.port !== 0 && requested.port !== info.port) differences.push(`--port ${requested.port}`)
  const wanted = requested.settings === undefined ? null : resolve(requested.settings)
  const serving = info.settings ?? shimPaths.settings()
  if (wanted !== null && wanted !== serving) differences.push(`--settings ${wanted}`)
  if (!differences.length) return
  log.warn(`codex-shim is already running (pid ${info.pid}) on port ${info.port} with ${serving}; ${differences.join(' and ')} ${differences.length > 1 ? 'do' : 'does'} not apply to it. Run \`codex-shim restart ${differences.join(' ')}\` to use them.`)
}

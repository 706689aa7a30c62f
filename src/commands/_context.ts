import { orderedModels } from '../codex/catalog.ts'
import { findCodex } from '../codex/find-codex.ts'
import { generateFiles } from '../codex/generate.ts'
import { enableCodexConfig, type ConfigChange } from '../codex/manage-config.ts'
import { ShimError } from '../errors.ts'
import type { Settings } from '../settings/schema.ts'

/** The model a command uses when none is named: the first launch model, else the first configured. */
export function defaultSlug(settings: Settings): string {
  const first = orderedModels(settings)[0]
  if (!first) {
    throw new ShimError('config', `No models configured${settings.path ? ` in ${settings.path}` : ''}. Add entries to ~/.codex-shim/models.json or pass --settings FILE.`)
  }
  return first.slug
}

export function requireSlug(settings: Settings, slug: string): string {
  if (settings.models.some((model) => model.slug === slug) || (settings.aliases && Object.hasOwn(settings.aliases, slug))) return slug
  const known = [...orderedModels(settings).map((model) => model.slug), ...Object.keys(settings.aliases ?? {})]
  throw new ShimError('unknown_model', `Unknown model "${slug}". Valid slugs: ${known.join(', ') || '(none configured)'}.`)
}

/** The model named on the command line (it must exist), else the default. */
export function chooseSlug(settings: Settings, named: string | undefined): string {
  return named ? requireSlug(settings, named) : defaultSlug(settings)
}

/** The `codex` CLI, or a clear error saying how to get it. */
export function requireCodex(): string {
  const bin = findCodex()
  if (!bin) throw new ShimError('config', 'The codex CLI is not installed or not on PATH. Install it with `npm i -g @openai/codex`, or set CODEX_SHIM_CODEX_BIN.')
  return bin
}

/** Writes the catalog for this address, then the managed block in config.toml that points Codex at it. */
export async function enableFor(settings: Settings, model: string, where: { port: number; host: string }): Promise<ConfigChange> {
  const generated = await generateFiles(settings, where)
  return enableCodexConfig({ model, port: where.port, host: where.host, catalogPath: generated.catalogPath })
}

import { shimPaths } from '../paths.ts'
import { modelListFor } from '../routing/model-list.ts'
import type { Settings } from '../settings/schema.ts'
import { writeFileAtomicOffThread } from './atomic-write.ts'
import { loadBundledCatalog, pickBaseInstructions } from './bundled.ts'
import { FALLBACK_INSTRUCTIONS } from './catalog.ts'
import { PROVIDER_ID, providerTable } from './config-block.ts'

export interface GenerateResult {
  catalogPath: string
  snippetPath: string
  models: string[]
  /** Where base_instructions came from: `codex 0.169.0`, or null for the fallback. */
  instructionsFrom: string | null
}

/**
 * Writes the model catalog Codex reads (`model_catalog_json`) and a provider
 * snippet for users who edit config.toml themselves. Neither holds a secret:
 * keys are resolved by the daemon at request time.
 */
export async function generateFiles(settings: Settings, options: { port: number; host?: string }): Promise<GenerateResult> {
  const bundled = await loadBundledCatalog()
  const instructions = pickBaseInstructions(bundled)
  const catalog = await modelListFor(settings).catalog(instructions ?? FALLBACK_INSTRUCTIONS)
  const catalogPath = shimPaths.catalog()
  await writeFileAtomicOffThread(catalogPath, `${JSON.stringify(catalog, null, 2)}\n`)

  const first = catalog.models[0]?.slug as string | undefined
  const snippet = [
    '# codex-shim provider for ~/.codex/config.toml (or run `codex-shim enable` to manage it for you).',
    ...(first ? [`model = ${JSON.stringify(first)}`] : []),
    `model_provider = "${PROVIDER_ID}"`,
    `model_catalog_json = ${JSON.stringify(catalogPath)}`,
    '',
    ...providerTable({ ...options, tokenEnv: Boolean(process.env.CODEX_SHIM_TOKEN) }),
    '',
  ].join('\n')
  const snippetPath = shimPaths.providerSnippet()
  await writeFileAtomicOffThread(snippetPath, snippet)
  return {
    catalogPath,
    snippetPath,
    models: catalog.models.map((model) => model.slug as string),
    instructionsFrom: instructions ? `codex ${bundled?.codexVersion ?? '(unknown version)'}` : null,
  }
}

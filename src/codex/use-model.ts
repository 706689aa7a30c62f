import { codexPaths } from '../paths.ts'
import type { Settings } from '../settings/schema.ts'
import { managedHost, managedPort } from './config-block.ts'
import { generateFiles } from './generate.ts'
import { readConfigToEdit, useModelInConfig, type ConfigChange } from './manage-config.ts'

/**
 * Switches the model Codex uses (`model use`, the control page): the catalog
 * is written again for the address the managed block already names (`enable
 * --host` included), then the block's model and the provider's display name
 * change. `defaultPort` serves when the block names no port.
 */
export async function switchManagedModel(settings: Settings, model: { slug: string; displayName: string }, defaultPort: number, path = codexPaths.config()): Promise<ConfigChange> {
  const text = readConfigToEdit(path) // a file we would refuse to edit is refused before the catalog is written
  const where = { port: managedPort(text) ?? defaultPort, host: managedHost(text) ?? undefined }
  const generated = await generateFiles(settings, where)
  return useModelInConfig(model.slug, { ...where, providerName: model.displayName, catalogPath: generated.catalogPath }, path)
}

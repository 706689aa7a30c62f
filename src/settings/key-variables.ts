import type { Settings } from './schema.ts'

const cache = new WeakMap<Settings, readonly string[]>()

/**
 * The environment variables the settings name for keys: each entry's `api_key_env` and the
 * `${NAME}`s its `api_key` refers to. Secrets of the proxy, which a child process it starts
 * (cursor-agent, which runs shell commands a model chooses) must not inherit.
 */
export function keyVariablesOf(settings: Settings): readonly string[] {
  let names = cache.get(settings)
  if (!names) {
    const found = new Set<string>()
    for (const model of settings.models) {
      if (model.api_key_env) found.add(model.api_key_env)
      for (const match of model.api_key?.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g) ?? []) found.add(match[1]!)
    }
    names = [...found]
    cache.set(settings, names)
  }
  return names
}

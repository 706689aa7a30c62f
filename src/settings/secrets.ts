import { ShimError } from '../errors.ts'
import type { ModelSettings, Settings } from './schema.ts'

/**
 * Resolves a model's API key at request time, never earlier, so no secret is
 * held in generated files or long-lived state. `${VAR}` inside `api_key` is
 * interpolated from the environment. Returns undefined for keyless upstreams
 * (a local Ollama).
 */
export function resolveApiKey(model: ModelSettings, env: Record<string, string | undefined> = process.env): string | undefined {
  if (model.api_key !== undefined) {
    return model.api_key.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name]
      if (!value) {
        throw new ShimError('config', `${model.source}.api_key refers to \${${name}}, which is not set in the daemon's environment. Export it and run \`codex-shim restart\`.`)
      }
      return value
    })
  }
  const variable = model.api_key_env ?? model.default_key_env
  if (!variable) return undefined
  const value = env[variable]
  if (!value && model.api_key_env) {
    throw new ShimError('config', `${model.source}.api_key_env names ${variable}, which is not set in the daemon's environment. Export it and run \`codex-shim restart\`.`)
  }
  return value || undefined
}

/**
 * The variables an api_key refers to as `${VAR}`, in order. With `exec`, not
 * `matchAll` and `map`: the start's warnings read it, where each of those costs
 * a process ~0.1–0.2 ms the first time.
 */
export function keyReferences(apiKey: string): string[] {
  const reference = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g
  const names: string[] = []
  for (let match = reference.exec(apiKey); match; match = reference.exec(apiKey)) names.push(match[1]!)
  return names
}

/** Where the key would come from, for `doctor` and `list`; never the key itself. */
export function describeKeySource(model: ModelSettings, env: Record<string, string | undefined> = process.env): { source: string; present: boolean } {
  if (model.api_key !== undefined) {
    const refs = keyReferences(model.api_key)
    if (refs.length) return { source: `api_key (\${${refs.join('}, ${')}})`, present: refs.every((name) => Boolean(env[name])) }
    return { source: 'api_key (inline)', present: model.api_key.length > 0 }
  }
  const variable = model.api_key_env ?? model.default_key_env
  if (!variable) return { source: 'none needed', present: true }
  return { source: `$${variable}`, present: Boolean(env[variable]) }
}

const keyVariablesBySettings = new WeakMap<Settings, readonly string[]>()

/**
 * The environment variables the settings name for keys: each entry's `api_key_env` and the
 * `${NAME}`s its `api_key` refers to. Secrets of the proxy, which a child process it starts
 * (cursor-agent, which runs shell commands a model chooses) must not inherit.
 */
export function keyVariablesOf(settings: Settings): readonly string[] {
  let names = keyVariablesBySettings.get(settings)
  if (!names) {
    const found = new Set<string>()
    for (const model of settings.models) {
      if (model.api_key_env) found.add(model.api_key_env)
      for (const match of model.api_key?.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g) ?? []) found.add(match[1]!)
    }
    names = [...found]
    keyVariablesBySettings.set(settings, names)
  }
  return names
}

import type { Settings } from '../settings/schema.ts'
import { keyReferences } from '../settings/secrets.ts'

/**
 * Keys are resolved per request (never copied), so a `${VAR}` or an
 * `api_key_env` naming an unset variable would start cleanly and then fail
 * every request to that model. Said once at start-up instead, naming the
 * field and the variable, never a value.
 */
export function unsetKeyWarnings(settings: Pick<Settings, 'models'>, env: Record<string, string | undefined> = process.env): string[] {
  const warnings: string[] = []
  for (const model of settings.models) {
    if (model.api_key !== undefined) {
      for (const name of new Set(keyReferences(model.api_key))) if (!env[name]) warnings.push(`${model.source}.api_key refers to \${${name}}, which is not set: requests to "${model.slug}" will fail. Export ${name} and run \`codex-shim restart\`.`)
    } else if (model.api_key_env && !env[model.api_key_env]) {
      warnings.push(`${model.source}.api_key_env names ${model.api_key_env}, which is not set: requests to "${model.slug}" will fail. Export ${model.api_key_env} and run \`codex-shim restart\`.`)
    }
  }
  return warnings
}

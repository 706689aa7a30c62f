import { existsSync, readFileSync } from 'node:fs'
import { shimPaths } from '../../paths.ts'
import { parseRouterSettings, type RouterSettings } from '../../routing/router-settings.ts'
import { SettingsError } from '../../settings/load.ts'
import type { Settings } from '../../settings/schema.ts'

/**
 * The `router` section of the settings file the command loaded, validated
 * against the names that exist. A missing or wrong section is a settings
 * error (exit 2) naming the key.
 */
export function requireRouterSettings(settings: Settings, knownSlugs: Iterable<string>): RouterSettings {
  const path = settings.path ?? shimPaths.settings()
  let raw: unknown
  if (settings.path && existsSync(settings.path)) {
    try {
      raw = (JSON.parse(readFileSync(settings.path, 'utf8')) as Record<string, unknown>).router
    } catch {
      raw = undefined // loadSettings already accepted the file; a race with an editor is not worth more
    }
  }
  const { router, issues } = parseRouterSettings(raw, knownSlugs)
  if (issues.length) throw new SettingsError(path, issues)
  if (!router) {
    throw new SettingsError(path, [{ path: 'router', message: 'missing: add {"router": {"classifier": "…", "default": "…", "candidates": [{"slug": "…", "cost": 1, "card": "…"}]}}' }])
  }
  return router
}

import { shimPaths } from '../../paths.ts'
import type { RouterSettings } from '../../routing/router-settings.ts'
import { SettingsError } from '../../settings/load.ts'
import type { Settings } from '../../settings/schema.ts'

/**
 * The `router` section of the settings the command loaded. loadSettings has
 * already checked it against the configured models and aliases; a missing
 * section is a settings error (exit 2) naming the key.
 */
export function requireRouterSettings(settings: Settings): RouterSettings {
  if (settings.router) return settings.router
  throw new SettingsError(settings.path ?? shimPaths.settings(), [
    { path: 'router', message: 'missing: add {"router": {"classifier": "…", "default": "…", "candidates": [{"slug": "…", "cost": 1, "card": "…"}]}}' },
  ])
}

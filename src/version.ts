import packageJson from '../package.json' with { type: 'json' }

declare const CODEX_SHIM_VERSION: string | undefined

/** The release version: embedded by scripts/build.ts, else read from package.json in dev. */
export const VERSION: string =
  typeof CODEX_SHIM_VERSION === 'string' ? CODEX_SHIM_VERSION : packageJson.version

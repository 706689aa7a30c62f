import packageJson from '../package.json' with { type: 'json' }

declare const CODEX_SHIM_VERSION: string | undefined

/** The release version: embedded by scripts/build.ts, else read from package.json in dev. */
export const VERSION: string =
  typeof CODEX_SHIM_VERSION === 'string' ? CODEX_SHIM_VERSION : packageJson.version

declare const CODEX_SHIM_BUILD_ID: string | undefined

/**
 * The compiled binary's identity (scripts/build.ts: its sources and Bun's
 * version), or null from source, where the code can change under the same id.
 */
export const BUILD_ID: string | null = typeof CODEX_SHIM_BUILD_ID === 'string' ? CODEX_SHIM_BUILD_ID : null

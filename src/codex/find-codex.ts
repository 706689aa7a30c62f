import { existsSync } from 'node:fs'

/** The `codex` CLI to run: `$CODEX_SHIM_CODEX_BIN`, else the first on PATH. */
export function findCodex(env: Record<string, string | undefined> = process.env): string | null {
  const configured = env.CODEX_SHIM_CODEX_BIN
  if (configured) return existsSync(configured) ? configured : null
  const found = Bun.which('codex', { PATH: env.PATH ?? '' })
  if (found) return found
  // Codex Desktop ships its own CLI, which GUI-launched processes do not have on PATH.
  const desktop = process.platform === 'darwin' ? '/Applications/Codex.app/Contents/Resources/codex' : null
  return desktop && existsSync(desktop) ? desktop : null
}

export function codexVersion(bin: string): string | null {
  const result = Bun.spawnSync([bin, '--version'], { stdout: 'pipe', stderr: 'ignore', timeout: 10_000 })
  if (!result.success) return null
  const text = result.stdout.toString().trim()
  return text.match(/(\d+\.\d+\.\d+\S*)/)?.[1] ?? (text || null)
}


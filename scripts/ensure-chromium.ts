/**
 * `pretest`: the control page's browser tests drive a real Chromium. Finds
 * one, installs it on Debian/Ubuntu when running as root, and otherwise fails
 * with the exact command to run. Never skips silently.
 */
import { existsSync } from 'node:fs'

const INSTALL = 'sudo apt-get update && sudo apt-get install -y chromium'
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser']
const ON_PATH = ['google-chrome', 'google-chrome-stable', 'chromium', 'chromium-browser']
const MAC = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'

export interface FindOptions {
  env?: Record<string, string | undefined>
  exists?: (path: string) => boolean
  which?: (name: string) => string | null
  platform?: NodeJS.Platform
}

/** Chrome and Edge (Chromium too) where their installers put them on Windows, which puts neither on PATH. */
function windowsCandidates(env: Record<string, string | undefined>): string[] {
  const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((root): root is string => Boolean(root))
  return [
    ...roots.map((root) => `${root}\\Google\\Chrome\\Application\\chrome.exe`),
    ...roots.map((root) => `${root}\\Microsoft\\Edge\\Application\\msedge.exe`),
  ]
}

/** CHROMIUM_PATH, then the usual places. Throws when CHROMIUM_PATH names nothing: a typo must not fall back quietly. */
export function findChromium(options: FindOptions = {}): string | null {
  const env = options.env ?? process.env
  const exists = options.exists ?? existsSync
  const which = options.which ?? ((name: string) => Bun.which(name))
  if (env.CHROMIUM_PATH) {
    if (!exists(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} does not exist. Point it at a Chromium or Chrome binary, or unset it.`)
    return env.CHROMIUM_PATH
  }
  for (const path of CANDIDATES) if (exists(path)) return path
  for (const name of ON_PATH) {
    const found = which(name)
    if (found) return found
  }
  const platform = options.platform ?? process.platform
  if (platform === 'darwin') return exists(MAC) ? MAC : null
  if (platform === 'win32') return windowsCandidates(env).find(exists) ?? null
  return null
}

export interface EnsureOptions extends FindOptions {
  /** process.getuid(): apt-get only as root. */
  uid?: number
  debian?: boolean
  run?: (argv: string[]) => number
  say?: (line: string) => void
}

function runLoud(argv: string[]): number {
  console.error(`$ ${argv.join(' ')}`)
  return Bun.spawnSync(argv, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).exitCode ?? 1
}

/** Exit code for `pretest`: 0 with a Chromium, else 1 with the exact command to run. */
export function ensureChromium(options: EnsureOptions = {}): number {
  const say = options.say ?? ((line: string) => console.error(line))
  const run = options.run ?? runLoud
  let found: string | null
  try {
    found = findChromium(options)
  } catch (error) {
    say((error as Error).message)
    return 1
  }
  if (!found && (options.uid ?? process.getuid?.()) === 0 && (options.debian ?? existsSync('/etc/debian_version'))) {
    say('Chromium is missing; installing it for the browser tests (root on Debian/Ubuntu).')
    if (run(['apt-get', 'update']) !== 0 || run(['apt-get', 'install', '-y', 'chromium']) !== 0) {
      say(`Installing Chromium failed. Run: ${INSTALL}`)
      return 1
    }
    found = findChromium(options)
  }
  if (found) {
    say(`Chromium for the browser tests: ${found}`)
    return 0
  }
  say(`No Chromium found for the browser tests. Install it (${INSTALL}), or set CHROMIUM_PATH to a Chromium or Chrome binary.`)
  return 1
}

if (import.meta.main) process.exit(ensureChromium())

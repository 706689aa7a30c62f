import { envFlag } from '../env-flag.ts'
import { modelListFor } from '../routing/model-list.ts'
import { backupsRoot } from '../desktop/backups.ts'
import { desktopStatus } from '../desktop/status.ts'
import { cursorSection } from './cursor.ts'
import { existsSync, readFileSync } from 'node:fs'
import { hasManagedBlock, managedCatalogPath, managedHost, managedModel, managedPort, parseConfigToml, profileOverride } from '../codex/config-block.ts'
import { codexVersion, findCodex } from '../codex/find-codex.ts'
import { runningDaemon } from '../daemon/lifecycle.ts'
import { portInUse } from '../daemon/probe.ts'
import { codexPaths, DEFAULT_HOST, DEFAULT_PORT, shimPaths } from '../paths.ts'
import { loadSettings, SettingsError } from '../settings/load.ts'
import type { Settings } from '../settings/schema.ts'
import { describeKeySource } from '../settings/secrets.ts'
import { redactUrl } from '../redact.ts'
import { VERSION } from '../version.ts'
import { displayUrl } from '../ui/page-address.ts'
import { plural } from '../plural.ts'

export type CheckStatus = 'ok' | 'info' | 'warn' | 'fail'
export interface Check { status: CheckStatus; name: string; detail: string }
export interface Section { name: string; checks: Check[] }
export interface DoctorReport { ok: boolean; sections: Section[] }

const check = (status: CheckStatus, name: string, detail: string): Check => ({ status, name, detail })

function runtime(): Section {
  return {
    name: 'Runtime',
    checks: [
      check('ok', 'codex-shim', VERSION),
      check('ok', 'platform', `${process.platform}-${process.arch}, Bun ${Bun.version}`),
    ],
  }
}

function settingsSection(settingsPath: string | undefined): { section: Section; settings: Settings | null } {
  const checks: Check[] = []
  let settings: Settings | null = null
  try {
    settings = loadSettings(settingsPath)
    if (!settings.path) checks.push(check('warn', 'file', `${shimPaths.settings()} does not exist: no models to route to (ChatGPT passthrough only). Create it with a "models" array.`))
    else checks.push(check('ok', 'file', `${settings.path}: ${plural(settings.models.length, 'model')}`))
    for (const warning of settings.warnings) checks.push(check('warn', 'settings', warning))
    for (const model of settings.models) {
      const key = describeKeySource(model)
      checks.push(
        key.present
          ? check('ok', model.slug, `${model.provider_label} ${redactUrl(model.base_url)} (${model.model}); key: ${key.source === 'none needed' ? 'none needed' : `${key.source} set`}${model.fallbacks?.length ? `; falls back to ${model.fallbacks.join(', ')}` : ''}`)
          : check('fail', model.slug, `${model.provider_label} ${redactUrl(model.base_url)}; key: ${key.source} is NOT set in this environment. Export it before \`codex-shim start\`.`),
      )
    }
    const router = settings.router
    if (router?.enabled) {
      const off = envFlag(process.env.CODEX_SHIM_DISABLE_ROUTER)
      checks.push(check(off ? 'warn' : 'ok', router.slug, `auto router: ${router.candidates.map((candidate) => candidate.slug).join(', ')}; classifier ${router.classifier}, default ${router.default}${off ? '; CODEX_SHIM_DISABLE_ROUTER is set, so every task goes to the default' : ''}`))
    }
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    checks.push(check('fail', 'file', error.message))
  }
  return { section: { name: 'Settings', checks }, settings }
}

function codexCli(): Section {
  const bin = findCodex()
  if (!bin) {
    return { name: 'Codex CLI', checks: [check('warn', 'codex', 'not found on PATH: `codex-shim codex` cannot run it, and generated catalogs use a short fallback system prompt instead of Codex\'s own. Install with `npm i -g @openai/codex`.')] }
  }
  const version = codexVersion(bin)
  return { name: 'Codex CLI', checks: [check(version ? 'ok' : 'warn', 'codex', `${bin}${version ? ` (${version})` : ' (did not report a version)'}`)] }
}

async function codexConfig(settings: Settings | null): Promise<Section> {
  const path = codexPaths.config()
  const checks: Check[] = []
  if (!existsSync(path)) {
    checks.push(check('info', 'config.toml', `${path} does not exist; \`codex-shim enable\` creates it, or use \`codex-shim codex -- …\``))
    return { name: 'Codex config', checks }
  }
  const text = readFileSync(path, 'utf8')
  try {
    parseConfigToml(text)
    checks.push(check('ok', 'config.toml', `${path} parses`))
  } catch (error) {
    checks.push(check('fail', 'config.toml', `${path} is not valid TOML: ${(error as Error).message.split('\n')[0]}`))
  }
  if (!hasManagedBlock(text)) {
    checks.push(check('info', 'managed block', 'absent: Codex uses its own providers (run `codex-shim enable` to switch)'))
    return { name: 'Codex config', checks }
  }
  const model = managedModel(text)
  // Every name a client may use counts: settings, aliases, the plan's models and Cursor's.
  const known = !settings || (model !== null && (await modelListFor(settings).all()).some((entry) => entry.id === model))
  checks.push(known ? check('ok', 'managed block', `model ${model}, port ${managedPort(text)}`) : check('fail', 'managed block', `model "${model}" is not one codex-shim serves (settings, aliases, ChatGPT plan, Cursor); run \`codex-shim model use <slug>\``))
  const override = profileOverride(text)
  if (override) checks.push(check('warn', 'profile', `Codex does not use the block: ${override}`))
  const catalogPath = managedCatalogPath(text)
  if (catalogPath) {
    checks.push(existsSync(catalogPath) ? check('ok', 'catalog', catalogPath) : check('fail', 'catalog', `${catalogPath} is missing; run \`codex-shim generate\``))
  }
  return { name: 'Codex config', checks }
}

/** `exp` of a JWT, without verifying or printing it. */
export function jwtExpiry(token: unknown): number | null {
  if (typeof token !== 'string') return null
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const json = JSON.parse(Buffer.from(payload.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8')) as { exp?: unknown }
    return typeof json.exp === 'number' ? json.exp : null
  } catch {
    return null
  }
}

function authSection(now = Date.now()): Section {
  const path = codexPaths.auth()
  if (!existsSync(path)) return { name: 'ChatGPT login', checks: [check('info', 'auth.json', `${path} not found (run \`codex login\` to use your ChatGPT plan)`)] }
  let auth: { auth_mode?: string; tokens?: { access_token?: unknown; refresh_token?: unknown } }
  try {
    auth = JSON.parse(readFileSync(path, 'utf8'))
  } catch {
    return { name: 'ChatGPT login', checks: [check('fail', 'auth.json', `${path} is not valid JSON; run \`codex login\` again`)] }
  }
  const checks = [check('ok', 'auth.json', `${path} (mode: ${auth.auth_mode ?? (auth.tokens ? 'chatgpt' : 'unknown')})`)]
  const exp = jwtExpiry(auth.tokens?.access_token)
  if (exp !== null) {
    const minutes = Math.round((exp * 1000 - now) / 60000)
    checks.push(minutes > 0 ? check('ok', 'access token', `expires in ${minutes} min`) : check('warn', 'access token', `expired ${-minutes} min ago; it is refreshed on the next request${auth.tokens?.refresh_token ? '' : ', but there is no refresh token: run `codex login`'}`))
  }
  return { name: 'ChatGPT login', checks }
}

/** Codex's managed block naming another port than the proxy's: every Codex request would fail to connect. */
export function portMismatch(configText: string, proxyPort: number): Check | null {
  const codexPort = hasManagedBlock(configText) ? managedPort(configText) : null
  if (codexPort === null || codexPort === proxyPort) return null
  return check('warn', 'port', `Codex is set to port ${codexPort} but the proxy runs on ${proxyPort}: run \`codex-shim enable --port ${proxyPort}\`, or restart the proxy with --port ${codexPort}`)
}

async function daemonSection(configPath = codexPaths.config()): Promise<Section> {
  const running = await runningDaemon()
  const configText = existsSync(configPath) ? readFileSync(configPath, 'utf8') : ''
  if (running) {
    const checks = [check('ok', 'daemon', `running, pid ${running.info.pid}, ${displayUrl(running.info.host, running.info.port)}, ${running.health.models === undefined ? 'models not shown (it requires a token; set CODEX_SHIM_TOKEN)' : plural(running.health.models, 'model')}`)]
    const mismatch = portMismatch(configText, running.info.port)
    if (mismatch) checks.push(mismatch)
    return { name: 'Daemon', checks }
  }
  // The port Codex will connect to (`enable --port`): checking 8765 alone failed a setup moved off
  // a busy 8765, and passed one whose own port another program holds.
  const managed = hasManagedBlock(configText)
  const port = (managed && managedPort(configText)) || DEFAULT_PORT
  const host = (managed && managedHost(configText)) || DEFAULT_HOST
  const busy = await portInUse(host, port)
  const start = port === DEFAULT_PORT ? 'start with --port N' : `start with --port N and run \`codex-shim enable --port N\``
  return {
    name: 'Daemon',
    checks: [
      check('info', 'daemon', 'not running (`codex-shim start`)'),
      busy ? check('fail', 'port', `${port} is taken by another program; ${start}`) : check('ok', 'port', `${port} is free`),
    ],
  }
}

function proxySection(env = process.env): Section {
  const proxy = env.HTTPS_PROXY ?? env.https_proxy ?? env.HTTP_PROXY ?? env.http_proxy ?? env.ALL_PROXY ?? env.all_proxy
  if (!proxy) return { name: 'Proxy variables', checks: [check('ok', 'proxy', 'no HTTP proxy configured')] }
  const noProxy = `${env.NO_PROXY ?? ''},${env.no_proxy ?? ''}`.toLowerCase()
  const covered = ['127.0.0.1', 'localhost'].every((host) => noProxy.split(',').map((s) => s.trim()).includes(host))
  return {
    name: 'Proxy variables',
    checks: [covered ? check('ok', 'NO_PROXY', 'loopback is excluded from the proxy') : check('warn', 'NO_PROXY', 'an HTTP proxy is set but NO_PROXY/no_proxy lack 127.0.0.1,localhost: agents may send local requests to the proxy. Add them (codex-shim codex/app do this for their child).')],
  }
}

/** Codex Desktop: installed, its version, patched by `patch-app`, and a matching backup. */
export function desktopSection(status = desktopStatus()) {
  const backups = `backups ${(status.backupsBytes / 1024 / 1024).toFixed(1)} MiB under ${backupsRoot()}`
  if (!status.installed) return { name: 'Codex Desktop', checks: [check('info', 'app', `not found (${backups})`)] }
  const patched = status.patched === 'unknown' ? 'this build is not one patch-app knows' : status.patched ? 'patched by patch-app' : 'not patched (custom models hidden from its picker; `codex-shim patch-app`)'
  return {
    name: 'Codex Desktop',
    checks: [
      check('ok', 'app', `${status.appPath} ${status.version ?? '(unknown version)'}`),
      check('info', 'picker patch', patched),
      check(status.patched === true && !status.backup ? 'warn' : 'info', 'backup', `${status.backup ? 'a backup of this version exists' : 'no backup of this version'}; ${backups}`),
    ],
  }
}

/** Read-only: writes nothing, starts nothing, calls no provider (only `cursor-agent status` and `models`), prints no secret. */
export async function runDoctor(options: { settingsPath?: string } = {}): Promise<DoctorReport> {
  const { section, settings } = settingsSection(options.settingsPath)
  const sections = [runtime(), section, codexCli(), await codexConfig(settings), authSection(), await cursorSection(), await daemonSection(), proxySection(), desktopSection()]
  return { ok: sections.every((s) => s.checks.every((c) => c.status !== 'fail')), sections }
}

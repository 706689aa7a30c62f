import { cursorDisabled } from '../cursor/find-binary.ts'
import { stripAnsi } from '../cursor/errors.ts'
import { cursorSlug } from '../cursor/models.ts'
import { runCursorCommand } from '../cursor/_probe.ts'
import { allowsCursorApiKey } from '../cursor/child-env.ts'
import { createCursorServices, CURSOR_INSTALL_HINT, type CursorServices } from '../cursor/turn.ts'
import type { Check, Section } from './checks.ts'

const LOGIN_STEP = 'run `cursor-agent login`, then `codex-shim doctor` again'

/** `2026.07.08-0c04a8a`: the first line of `--version`, bounded; null when it says nothing. */
async function cursorVersion(bin: string, env: Record<string, string | undefined>): Promise<string | null> {
  const result = await runCursorCommand(bin, ['--version'], { timeoutMs: 5000, env, allowApiKey: allowsCursorApiKey(env) })
  const line = stripAnsi(result.output).split(/\r?\n/)[0]?.trim() ?? ''
  return result.exitCode === 0 && line ? line.slice(0, 80) : null
}

/** `dev@example.com` → `d…@example.com`: enough to tell accounts apart in a pasted report. */
function maskAccount(account: string): string {
  const at = account.indexOf('@')
  return at > 0 ? `${account[0]}…${account.slice(at)}` : `${account.slice(0, 1)}…`
}

/**
 * The Cursor subscription: the binary and its version, the login and the
 * model count. Missing Cursor is not a failure (it is optional), so nothing
 * here is `fail`. Never prints a token: `status` names an account at most,
 * and that is masked.
 */
export async function cursorSection(env: Record<string, string | undefined> = process.env, services: CursorServices = createCursorServices(env)): Promise<Section> {
  const name = 'Cursor subscription'
  if (cursorDisabled(env)) return { name, checks: [{ status: 'info', name: 'cursor-agent', detail: 'turned off by CODEX_SHIM_DISABLE_CURSOR' }] }
  const bin = await services.bin()
  if (!bin) {
    const where = env.CURSOR_AGENT_BIN ? `CURSOR_AGENT_BIN (${env.CURSOR_AGENT_BIN}) does not exist` : 'not found on PATH (cursor-agent, or a Cursor `agent`)'
    return { name, checks: [{ status: 'info', name: 'cursor-agent', detail: `${where}: Cursor models are not offered. ${CURSOR_INSTALL_HINT}` }] }
  }
  const [version, status] = await Promise.all([cursorVersion(bin, env), services.status()])
  const checks: Check[] = [{ status: 'ok', name: 'cursor-agent', detail: `${bin} (${version ?? 'did not report a version'})` }]
  // A bad CODEX_SHIM_CURSOR_CONCURRENCY or _QUEUE fails every Cursor run until it is fixed.
  if (services.misconfigured) checks.push({ status: 'fail', name: 'limits', detail: services.misconfigured.message })
  switch (status.state) {
    case 'logged-in':
      checks.push({ status: 'ok', name: 'login', detail: status.account ? `logged in as ${maskAccount(status.account)}` : 'logged in' })
      break
    case 'logged-out':
      checks.push({ status: 'warn', name: 'login', detail: `not logged in: ${LOGIN_STEP}` })
      break
    case 'degraded':
      checks.push({ status: 'warn', name: 'login', detail: status.detail ?? `logged in but unusable: ${LOGIN_STEP}` })
      break
    case 'unknown':
      checks.push({ status: 'warn', name: 'login', detail: `unknown: ${status.detail ?? 'cursor-agent status said nothing we recognise'}; if runs fail, ${LOGIN_STEP}` })
      break
    default: {
      const never: never = status.state
      throw new Error(`unhandled cursor status ${never}`)
    }
  }
  const models = await services.available()
  if (models.length) {
    const shown = models.slice(0, 5).map((model) => cursorSlug(model))
    checks.push({ status: 'ok', name: 'models', detail: `${models.length} listed as cursor-<id> (${shown.join(', ')}${models.length > shown.length ? ', …' : ''})` })
  } else {
    checks.push({ status: 'warn', name: 'models', detail: status.state === 'logged-in' ? '`cursor-agent models` listed none: check your Cursor plan, or run `cursor-agent models` to see why' : `none offered until the login works: ${LOGIN_STEP}` })
  }
  return { name, checks }
}

import { posix } from 'node:path'
import { pathEnvironment, serveArguments, serviceEnvFile, SERVICE_NAME, type CommandResult, type ServiceHost, type ServiceOptions, type ServicePlan, type ServiceState } from './types.ts'

const UNIT = `${SERVICE_NAME}.service`

/** `$XDG_CONFIG_HOME/systemd/user`, default `~/.config/systemd/user`. */
export function systemdUnitPath(host: Pick<ServiceHost, 'home' | 'env'>): string {
  const config = host.env.XDG_CONFIG_HOME || posix.join(host.home, '.config')
  return posix.join(config, 'systemd', 'user', UNIT)
}

/**
 * systemd splits ExecStart and Environment on spaces, unquotes `"…"`, and
 * expands `%` specifiers in both; only ExecStart expands `$VARIABLES`.
 */
export function quoteSystemdWord(word: string, { exec = true } = {}): string {
  const specifiers = word.replaceAll('%', '%%')
  // A replacer function: the string '$$' would be a replacement pattern meaning one '$'.
  const escaped = exec ? specifiers.replaceAll('$', () => '$$') : specifiers
  if (!/[\s"'\\;]/.test(escaped) && escaped !== '') return escaped
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`
}

export function systemdUnit(host: Pick<ServiceHost, 'home' | 'env'>, options: ServiceOptions): string {
  const command = [...options.program, ...serveArguments(options.port)].map((word) => quoteSystemdWord(word)).join(' ')
  const environment = Object.entries(pathEnvironment(host.env)).map(([name, value]) => `Environment=${quoteSystemdWord(`${name}=${value}`, { exec: false })}`)
  return [
    '# Written by `codex-shim service install`; `codex-shim service uninstall` removes it.',
    '[Unit]',
    'Description=codex-shim proxy for coding agents (127.0.0.1)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${command}`,
    ...environment,
    // Provider keys come from the user's own file (optional: `-`), never from this generated one.
    // A path here is taken whole (no quoting), only `%` specifiers need escaping.
    `EnvironmentFile=-${serviceEnvFile(host).replaceAll('%', '%%')}`,
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n')
}

function parseSystemdStatus(result: CommandResult): ServiceState {
  // `systemctl show` prints key=value lines; a unit it does not know has LoadState=not-found.
  const fields = Object.fromEntries(result.stdout.split('\n').map((line) => line.split('=', 2) as [string, string]).filter((pair) => pair.length === 2))
  const loaded = fields.LoadState === 'loaded'
  const running = fields.ActiveState === 'active' && fields.SubState === 'running'
  // Restart=on-failure: `activating (auto-restart)` between tries, `failed` once systemd gives up.
  const failing = fields.ActiveState === 'failed' || fields.SubState === 'auto-restart'
  const pid = Number(fields.MainPID)
  const detail = result.code === 0 ? `systemd: ${fields.LoadState ?? 'unknown'}, ${fields.ActiveState ?? 'unknown'} (${fields.SubState ?? 'unknown'})` : `systemctl failed: ${result.stderr.trim() || `exit ${result.code}`}`
  return { loaded, running, ...(running && pid > 0 && { pid }), ...(failing && { failing }), detail }
}

export function systemdPlan(host: ServiceHost, options: ServiceOptions): ServicePlan {
  const systemctl = (...args: string[]) => ['systemctl', '--user', ...args]
  return {
    manager: 'systemd',
    file: { path: systemdUnitPath(host), content: systemdUnit(host, options) },
    install: [{ argv: systemctl('daemon-reload') }, { argv: systemctl('enable', '--now', UNIT) }],
    reload: [{ argv: systemctl('restart', UNIT) }],
    uninstall: [{ argv: systemctl('disable', '--now', UNIT), mayFail: true }],
    afterRemove: [{ argv: systemctl('daemon-reload'), mayFail: true }],
    status: { argv: systemctl('show', UNIT, '--property=LoadState,ActiveState,SubState,MainPID') },
    parseStatus: parseSystemdStatus,
  }
}

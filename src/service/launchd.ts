import { posix } from 'node:path'
import { LAUNCHD_LABEL, pathEnvironment, serveArguments, serviceShimHome, type CommandResult, type ServiceHost, type ServiceOptions, type ServicePlan, type ServiceState } from './types.ts'

export function launchAgentPath(host: Pick<ServiceHost, 'home'>): string {
  return posix.join(host.home, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`)
}

function xmlText(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

const string = (value: string) => `<string>${xmlText(value)}</string>`

/** A LaunchAgent: starts at login (RunAtLoad) and is restarted if it dies (KeepAlive). */
export function launchAgentPlist(host: Pick<ServiceHost, 'home' | 'env'>, options: ServiceOptions): string {
  const logs = serviceShimHome(host)
  const environment = Object.entries(pathEnvironment(host.env))
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `codex-shim service install`; `codex-shim service uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    `  <key>Label</key>`,
    `  ${string(LAUNCHD_LABEL)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[...options.program, ...serveArguments(options.port)].map((word) => `    ${string(word)}`),
    '  </array>',
    ...(environment.length
      ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...environment.flatMap(([name, value]) => [`    <key>${xmlText(name)}</key>`, `    ${string(value)}`]), '  </dict>']
      : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <true/>',
    // launchd throttles a crashing job to one start per ThrottleInterval seconds.
    '  <key>ThrottleInterval</key>',
    '  <integer>5</integer>',
    '  <key>StandardOutPath</key>',
    `  ${string(posix.join(logs, 'service.log'))}`,
    '  <key>StandardErrorPath</key>',
    `  ${string(posix.join(logs, 'service.log'))}`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n')
}

function parseLaunchctlPrint(result: CommandResult): ServiceState {
  // `launchctl print gui/<uid>/<label>` exits non-zero when the job is not loaded.
  if (result.code !== 0) return { loaded: false, running: false, detail: 'launchd: not loaded' }
  const state = result.stdout.match(/^\s*state = (.+?)\s*$/m)?.[1] ?? 'unknown'
  const pid = Number(result.stdout.match(/^\s*pid = (\d+)/m)?.[1])
  const running = state === 'running'
  // KeepAlive starts it again after every exit: not running, with a last exit that was an error.
  const lastExit = result.stdout.match(/^\s*last exit code = (-?\d+)/m)?.[1]
  const failing = !running && lastExit !== undefined && lastExit !== '0'
  return { loaded: true, running, ...(running && pid > 0 && { pid }), ...(failing && { failing }), detail: `launchd: ${state}${failing ? `, last exit code ${lastExit}` : ''}` }
}

export function launchdPlan(host: ServiceHost, options: ServiceOptions): ServicePlan {
  const domain = `gui/${host.uid}`
  const path = launchAgentPath(host)
  return {
    manager: 'launchd',
    file: { path, content: launchAgentPlist(host, options) },
    // bootstrap fails on a job that is already loaded, so unload first (harmless when it is not).
    install: [{ argv: ['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`], mayFail: true }, { argv: ['launchctl', 'bootstrap', domain, path] }],
    reload: [],
    uninstall: [{ argv: ['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`], mayFail: true }],
    afterRemove: [],
    status: { argv: ['launchctl', 'print', `${domain}/${LAUNCHD_LABEL}`] },
    parseStatus: parseLaunchctlPrint,
  }
}

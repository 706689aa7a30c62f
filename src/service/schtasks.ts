import { serveArguments, SERVICE_NAME, type CommandResult, type ServiceHost, type ServiceOptions, type ServicePlan, type ServiceState } from './types.ts'

/** Windows command-line quoting for one argument (the rules CommandLineToArgvW undoes). */
export function quoteWindowsArgument(word: string): string {
  if (word !== '' && !/[\s"]/.test(word)) return word
  return `"${word.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`
}

/** The task's command line (/TR): schtasks stores one string, at most 261 characters. */
export function scheduledTaskCommand(options: ServiceOptions): string {
  return [...options.program, ...serveArguments(options.port)].map(quoteWindowsArgument).join(' ')
}

function parseSchtasksQuery(result: CommandResult): ServiceState {
  // `schtasks /Query /FO LIST` prints "Status: Running|Ready|Disabled"; a missing task exits 1.
  if (result.code !== 0) return { loaded: false, running: false, detail: 'Task Scheduler: no task' }
  const status = result.stdout.match(/^Status:\s*(.+?)\s*$/m)?.[1] ?? 'unknown'
  return { loaded: true, running: status === 'Running', detail: `Task Scheduler: ${status}` }
}

export function schtasksPlan(_host: ServiceHost, options: ServiceOptions): ServicePlan {
  const command = scheduledTaskCommand(options)
  return {
    manager: 'schtasks',
    file: null,
    install: [
      // /F replaces an existing task, which makes install idempotent; /RL LIMITED: no elevation.
      { argv: ['schtasks', '/Create', '/F', '/SC', 'ONLOGON', '/RL', 'LIMITED', '/TN', SERVICE_NAME, '/TR', command] },
      { argv: ['schtasks', '/End', '/TN', SERVICE_NAME], mayFail: true },
      { argv: ['schtasks', '/Run', '/TN', SERVICE_NAME] },
    ],
    reload: [],
    uninstall: [{ argv: ['schtasks', '/End', '/TN', SERVICE_NAME], mayFail: true }, { argv: ['schtasks', '/Delete', '/F', '/TN', SERVICE_NAME], mayFail: true }],
    afterRemove: [],
    status: { argv: ['schtasks', '/Query', '/FO', 'LIST', '/TN', SERVICE_NAME] },
    parseStatus: parseSchtasksQuery,
  }
}

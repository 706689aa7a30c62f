/**
 * Runs a command on a pseudo-terminal (Bun.spawn's `terminal` option, Linux
 * and macOS; Windows has none, so its tests are *.posix.test.ts) and returns
 * what the terminal showed: stdout and stderr, as a person sees them.
 */
export async function onTerminal(
  argv: string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; /** Typed once `prompt` shows. */ answer?: { prompt: string; text: string } } = {},
): Promise<{ code: number; screen: string }> {
  let screen = ''
  const decoder = new TextDecoder()
  const child = Bun.spawn(argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    terminal: { cols: 120, rows: 40, data: (_terminal, data) => void (screen += decoder.decode(data, { stream: true })) },
  })
  if (options.answer) {
    while (!screen.includes(options.answer.prompt) && child.exitCode === null) await Bun.sleep(10)
    child.terminal!.write(options.answer.text)
  }
  const code = await child.exited
  // The last output can trail the exit by a moment.
  await Bun.sleep(20)
  child.terminal!.close()
  return { code, screen }
}

/** The environment without any colour variables, so each test sets exactly what it means. */
export function colourFreeEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !['NO_COLOR', 'FORCE_COLOR', 'CI', 'TEST', 'NODE_ENV'].includes(key)) env[key] = value
  return { ...env, TERM: 'xterm-256color', ...extra }
}

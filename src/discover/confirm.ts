import { createInterface } from 'node:readline'

/**
 * Asks a yes/no question on the terminal; anything but y/yes is no. Ctrl-C at
 * the prompt (which readline catches on a terminal) and an abort also mean no.
 */
export function askYesNo(question: string, options: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream; signal?: AbortSignal } = {}): Promise<boolean> {
  const rl = createInterface({ input: options.input ?? process.stdin, output: options.output ?? process.stderr, terminal: true })
  return new Promise<boolean>((resolve) => {
    let settled = false
    const finish = (answer: boolean) => {
      if (settled) return
      settled = true
      options.signal?.removeEventListener('abort', onAbort)
      rl.close()
      resolve(answer)
    }
    const onAbort = () => finish(false)
    options.signal?.addEventListener('abort', onAbort, { once: true })
    rl.on('SIGINT', () => {
      options.output?.write?.('\n')
      finish(false)
    })
    rl.on('close', () => finish(false))
    rl.question(`${question} [y/N] `, (answer) => finish(/^\s*y(es)?\s*$/i.test(answer)))
  })
}

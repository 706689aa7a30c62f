import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

/**
 * The pinned Codex TUI, started by `codex-shim codex` inside tmux (a real
 * pseudo-terminal), against a fake Chat upstream. Codex lists start-up
 * warnings in its footer ("⚠ N warnings · f2 to view"); before `--no-daemon`
 * one of them was "Running without the shared background server: command-line
 * configuration overrides (-c, …) requires embedded mode."
 */

const root = join(import.meta.dir, '../..')
const tmuxBin = Bun.which('tmux')
const socket = `codex-shim-test-${process.pid}`
const homes = freshHomes('tui')
const workspace = join(process.env.CODEX_SHIM_TEST_ROOT!, 'tui-workspace')
const upstream = startFakeChatUpstream(() => stream(textReply('hello from the fake')))

function tmux(...args: string[]): string {
  const result = Bun.spawnSync([tmuxBin!, '-L', socket, ...args], { stdout: 'pipe', stderr: 'pipe' })
  return result.stdout.toString()
}

const screen = () => tmux('capture-pane', '-p', '-t', 'tui')

/** Polls the screen until `ready` holds (the TUI draws asynchronously); fails with the last screen. */
async function waitFor(ready: (text: string) => boolean, what: string, tries = 600): Promise<string> {
  let text = ''
  for (let i = 0; i < tries; i++) {
    text = screen()
    if (ready(text)) return text
    await Bun.sleep(50)
  }
  throw new Error(`Timed out waiting for ${what}. Screen:\n${text}`)
}

afterAll(() => {
  if (tmuxBin) tmux('kill-server')
  runCli(['stop'], homes)
  upstream.close()
})

describe.if(Boolean(tmuxBin))('codex-shim codex: the TUI starts without the background-server warning', () => {
  test('no start-up warning mentions the shared background server', async () => {
    mkdirSync(workspace, { recursive: true })
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.url }] }))
    // Trusted up front, so the TUI skips its folder-trust prompt.
    writeFileSync(join(homes.CODEX_HOME, 'config.toml'), `[projects.${JSON.stringify(workspace)}]\ntrust_level = "trusted"\n\n[tui]\nscreen_reader_detection_done = true\n`)
    const env = { ...process.env, ...homes, TERM: 'xterm-256color' }
    const command = ['env', ...Object.entries(env).filter(([, value]) => value !== undefined).map(([key, value]) => `${key}=${value}`), process.execPath, join(root, 'src/cli.ts'), 'codex', '--port', String(freePort())]
    Bun.spawnSync([tmuxBin!, '-L', socket, 'new-session', '-d', '-s', 'tui', '-x', '160', '-y', '40', '-c', workspace, ...command], { stdout: 'ignore', stderr: 'ignore' })

    const ready = await waitFor((text) => text.includes('for shortcuts') && text.includes('fake-model'), 'the Codex composer')
    // Warnings are listed one at a time behind F2; read every one of them.
    const count = Number(ready.match(/⚠ (\d+) warnings?/)?.[1] ?? 0)
    const warnings: string[] = []
    if (count) {
      tmux('send-keys', '-t', 'tui', 'F2')
      for (let index = 1; index <= count; index++) {
        const text = await waitFor((current) => current.includes(`Warnings · ${index} of ${count}`), `warning ${index} of ${count}`)
        warnings.push(text)
        if (index < count) tmux('send-keys', '-t', 'tui', 'Right')
      }
    }
    tmux('send-keys', '-t', 'tui', 'C-c')
    tmux('send-keys', '-t', 'tui', 'C-c')
    for (const warning of warnings) expect(warning).not.toContain('shared background server')
    expect(warnings.join('\n')).not.toContain('requires embedded mode')
  }, 60_000)
})

import { expect, test } from 'bun:test'
import { runDoctor } from '../../src/doctor/checks.ts'
import { freshHomes, runCli } from '../support/cli.ts'

// Sentence case, names kept as their owners spell them (Codex CLI, ChatGPT). They were mixed:
// "runtime", "codex cli", "chatgpt login" beside "Cursor subscription" and "Codex Desktop".
const HEADINGS = ['Runtime', 'Settings', 'Codex CLI', 'Codex config', 'ChatGPT login', 'Cursor subscription', 'Daemon', 'Proxy variables', 'Codex Desktop']

test('doctor\'s section headings are in sentence case, in --json and in the text', async () => {
  const homes = freshHomes('doctor-headings')
  Object.assign(process.env, homes)
  expect((await runDoctor()).sections.map((section) => section.name)).toEqual(HEADINGS)
  const run = runCli(['doctor'], homes)
  // A heading is a line of its own after a blank one; the checks under it are indented.
  const headings = run.stdout.split('\n').filter((line, index, lines) => index > 0 && lines[index - 1] === '' && line !== '' && !line.startsWith(' ') && !/problems found|FAILED/.test(line))
  expect(headings).toEqual(HEADINGS)
})

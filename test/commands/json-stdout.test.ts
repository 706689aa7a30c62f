import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

describe('--json keeps stdout for the JSON, --verbose or not', () => {
  test('router explain --json --verbose: the classifier retries are logged on stderr and stdout parses', () => {
    const homes = freshHomes('json-verbose')
    const dead = `http://127.0.0.1:${freePort()}/v1` // nothing listens: the classifier's calls fail and are retried
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({
      models: [
        { slug: 'cheap', model: 'c', provider: 'generic-chat-completion-api', base_url: dead },
        { slug: 'strong', model: 's', provider: 'generic-chat-completion-api', base_url: dead },
      ],
      router: { enabled: true, classifier: 'cheap', default: 'cheap', candidates: [{ slug: 'cheap', cost: 1, card: 'a' }, { slug: 'strong', cost: 5, card: 'b' }] },
    }))
    const run = runCli(['router', 'explain', 'fix it', '--json', '--verbose'], { ...homes, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' })
    expect(run.code).toBe(1) // the classifier failed: the default serves
    expect(JSON.parse(run.stdout)).toMatchObject({ chosen: 'cheap', reason: 'default' })
    expect(run.stderr).toContain('retrying the classifier')
  })
})

describe('ui --print: stdout is the address alone, for $(codex-shim ui --print)', () => {
  test('when it starts the proxy, the "started" line goes to stderr', () => {
    const homes = freshHomes('ui-print')
    const env = { ...homes, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' }
    const port = freePort()
    try {
      const run = runCli(['ui', '--print', '--port', String(port)], env)
      expect(run.code).toBe(0)
      expect(run.stdout).toBe(`http://127.0.0.1:${port}/\n`)
      expect(run.stderr).toContain('started')
    } finally {
      runCli(['stop'], env)
    }
  })
})

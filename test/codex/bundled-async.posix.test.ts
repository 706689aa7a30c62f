import { describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadBundledCatalog } from '../../src/codex/bundled.ts'

/**
 * Codex's bundled catalog is read by running the installed Codex, from inside
 * the running proxy (Codex's catalog, the plan's models, the control page's
 * model switch). A fake Codex that holds its answer until the test releases it
 * shows the proxy's event loop is free meanwhile: with a synchronous run the
 * test could not release it, and the fake gives up with no catalog.
 */
const work = join(process.env.CODEX_SHIM_TEST_ROOT!, 'bundled-async')
mkdirSync(work, { recursive: true })

function fakeCodex(name: string): { bin: string; started: string; release: string; runs: string } {
  const dir = join(work, name)
  mkdirSync(dir, { recursive: true })
  const files = { started: join(dir, 'started'), release: join(dir, 'release'), runs: join(dir, 'runs') }
  const bin = join(dir, 'codex')
  writeFileSync(bin, `#!/bin/sh
if [ "$1" = "--version" ]; then echo "codex-cli 9.8.7"; exit 0; fi
[ -d "$CODEX_HOME" ] || exit 3
echo run >> '${files.runs}'
: > '${files.started}'
i=0
while [ ! -e '${files.release}' ]; do
  i=$((i + 1)); [ "$i" -gt 500 ] && exit 1
  sleep 0.01
done
echo '{"models":[{"slug":"gpt-fake","base_instructions":"You are a fake Codex."}]}'
`)
  chmodSync(bin, 0o755)
  return { bin, ...files }
}

async function until(path: string): Promise<void> {
  while (!existsSync(path)) await Bun.sleep(5)
}

describe('loadBundledCatalog', () => {
  test('runs Codex without holding the event loop, once for callers at the same time, then from memory', async () => {
    const codex = fakeCodex('held')
    const env = { ...process.env, CODEX_SHIM_CODEX_BIN: codex.bin }
    const first = loadBundledCatalog(env)
    const second = loadBundledCatalog(env)
    // Only a free event loop gets here while Codex is still running.
    await until(codex.started)
    writeFileSync(codex.release, '')
    const [a, b] = await Promise.all([first, second])
    expect(a).toEqual({ codexVersion: '9.8.7', models: [{ slug: 'gpt-fake', base_instructions: 'You are a fake Codex.' }] })
    expect(b).toBe(a!)
    expect(await loadBundledCatalog(env)).toBe(a!)
    expect(readFileSync(codex.runs, 'utf8')).toBe('run\n')
  })

  test('a Codex that fails or prints no catalog gives none, and is not run again at once (only after 5 minutes)', async () => {
    const dir = join(work, 'failing')
    mkdirSync(dir, { recursive: true })
    const bin = join(dir, 'codex')
    const runs = join(dir, 'runs')
    writeFileSync(bin, `#!/bin/sh\necho run >> '${runs}'\necho 'not json'\n`)
    chmodSync(bin, 0o755)
    const env = { ...process.env, CODEX_SHIM_CODEX_BIN: bin }
    expect(await loadBundledCatalog(env)).toBeNull()
    expect(await loadBundledCatalog(env)).toBeNull()
    // One run for the catalog and one for --version, the first time only.
    expect(readFileSync(runs, 'utf8')).toBe('run\nrun\n')
  })

  test('no Codex installed: none, without running anything', async () => {
    expect(await loadBundledCatalog({ CODEX_SHIM_CODEX_BIN: join(work, 'absent', 'codex'), PATH: '' })).toBeNull()
  })
})

describe('loadBundledCatalog after a failure', () => {
  test('a run that could not start (no temporary folder) is tried again by the next caller', async () => {
    const codex = fakeCodex('retried')
    writeFileSync(codex.release, '')
    const tmp = process.env.TMPDIR
    const env = { ...process.env, CODEX_SHIM_CODEX_BIN: codex.bin }
    try {
      process.env.TMPDIR = join(work, 'no-such-tmp')
      await expect(loadBundledCatalog(env)).rejects.toThrow()
    } finally {
      if (tmp === undefined) delete process.env.TMPDIR
      else process.env.TMPDIR = tmp
    }
    expect((await loadBundledCatalog({ ...env, TMPDIR: tmp }))?.models[0]?.slug).toBe('gpt-fake')
  })
})

describe('loadBundledCatalog with a Codex that leaves a process behind', () => {
  test('answers once Codex exits, though a background process keeps its stdout open', async () => {
    // As the npm `codex` is a wrapper around the real binary: a process it started can outlive it.
    const dir = join(work, 'wrapper')
    mkdirSync(dir, { recursive: true })
    const bin = join(dir, 'codex')
    writeFileSync(bin, `#!/bin/sh
(sleep 30) &
if [ "$1" = "--version" ]; then echo "codex-cli 1.2.3"; exit 0; fi
echo '{"models":[{"slug":"gpt-wrapped"}]}'
`)
    chmodSync(bin, 0o755)
    expect(await loadBundledCatalog({ ...process.env, CODEX_SHIM_CODEX_BIN: bin })).toEqual({ codexVersion: '1.2.3', models: [{ slug: 'gpt-wrapped' }] })
  })
})

import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A GitHub Releases stand-in on 127.0.0.1, laid out like
 * https://github.com/<repo>/releases: `/latest/download/VERSION` and
 * `/download/v<version>/<file>`. Archives hold a tiny shell script posing as
 * the binary that prints its version. Records every path asked for.
 */
export interface FakeRelease {
  base: string
  requests: string[]
  stop: () => void
}

export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex')

/** A real .tar.gz (system tar) holding `codex-shim`, a script that prints the version (or `script`). */
export function fakeArchive(version: string, script = `#!/bin/sh\necho ${version}\n`): Uint8Array {
  const stage = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'fake-archive-'))
  writeFileSync(join(stage, 'codex-shim'), script)
  chmodSync(join(stage, 'codex-shim'), 0o755)
  writeFileSync(join(stage, 'LICENSE'), 'MIT\n')
  mkdirSync(join(stage, 'out'))
  const result = Bun.spawnSync(['tar', '-czf', join(stage, 'out', 'a.tar.gz'), 'codex-shim', 'LICENSE'], { cwd: stage })
  if (result.exitCode !== 0) throw new Error(`tar failed: ${result.stderr.toString()}`)
  return new Uint8Array(readFileSync(join(stage, 'out', 'a.tar.gz')))
}

/** releases: version → file name → bytes; `latest` names the version /latest/download/VERSION reports. */
export function startFakeRelease(releases: Record<string, Record<string, Uint8Array | string>>, latest: string): FakeRelease {
  const requests: string[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname
      requests.push(path)
      if (path === '/releases/latest/download/VERSION') return new Response(`${latest}\n`)
      const match = /^\/releases\/download\/v([^/]+)\/([^/]+)$/.exec(path)
      const body = match ? releases[match[1]!]?.[match[2]!] : undefined
      return body === undefined ? new Response('Not Found', { status: 404 }) : new Response(body)
    },
  })
  return { base: `http://127.0.0.1:${server.port}/releases`, requests, stop: () => server.stop(true) }
}

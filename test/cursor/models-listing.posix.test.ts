import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { listCursorModels } from '../../src/cursor/models.ts'
import { ShimError } from '../../src/errors.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')

test('listing through the fake binary; a listing that fails throws instead of reading as "no models"', async () => {
  const models = await listCursorModels(fake)
  expect(models.map((model) => model.id)).toEqual(['auto', 'composer-2.5', 'composer-2.5-fast', 'gpt-5.5-high', 'grok-4.5-medium'])
  expect(await listCursorModels(fake, { env: { ...process.env, FAKE_CURSOR_MODELS: 'empty' } })).toEqual([])
  await expect(listCursorModels('/nonexistent/cursor-agent')).rejects.toBeInstanceOf(ShimError)
})

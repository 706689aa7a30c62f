import { expect, test } from 'bun:test'
import { describeNetworkError } from '../../src/errors.ts'

test('a refused connection reads as one clause: the code once, without the runtime\'s own advice', async () => {
  const refused = await fetch('http://127.0.0.1:9/').catch((error: unknown) => error)
  expect(describeNetworkError(refused)).toBe('ECONNREFUSED: Unable to connect')
  const coded = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
  expect(describeNetworkError(coded)).toBe('ECONNRESET socket hang up')
  expect(describeNetworkError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('no answer in time')
  expect(describeNetworkError('plain')).toBe('plain')
})

import { expect, test } from 'bun:test'
import { describeNetworkError } from '../../src/errors.ts'
import { streamError } from '../../src/sse/idle.ts'

test('a refused connection reads as one clause: the code once, without the runtime\'s own advice', async () => {
  const refused = await fetch('http://127.0.0.1:9/').catch((error: unknown) => error)
  expect(describeNetworkError(refused)).toBe('ECONNREFUSED: Unable to connect')
  const coded = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
  expect(describeNetworkError(coded)).toBe('ECONNRESET socket hang up')
  expect(describeNetworkError(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('no answer in time')
  expect(describeNetworkError('plain')).toBe('plain')
})

test('a connection reset, before the answer or partway through it, is said without Bun\'s advice to its own callers', async () => {
  // A server that takes the request and resets the connection: Bun's error then ends with "pass `verbose: true`…".
  const server = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data(socket) { socket.terminate() } } })
  try {
    const reset = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: 'x' }).catch((error: unknown) => error)
    expect(describeNetworkError(reset)).not.toContain('verbose')
    expect(describeNetworkError(reset)).toStartWith('ECONNRESET')
    expect(streamError(reset).message).toStartWith('The upstream stream broke: ECONNRESET')
    expect(streamError(reset).message).not.toContain('verbose')
  } finally {
    server.stop(true)
  }
})

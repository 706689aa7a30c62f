/**
 * `GET /api/usage` answers as the control page's other /api routes do: its own origin only, with
 * their headers. An audit found it mounted apart and answering another local origin (another port)
 * and `Sec-Fetch-Site: same-site`, without the page's CSP, CORP, X-Frame-Options and nosniff.
 */
import { expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { API_POLICY, COMMON_HEADERS } from '../../src/ui/security.ts'
import { settingsFrom, testDeps } from '../support/shim.ts'

const handle = createHandler(testDeps(settingsFrom([])))
const get = (headers: Record<string, string> = {}) => handle(new Request('http://127.0.0.1:8765/api/usage', { headers: { host: '127.0.0.1:8765', ...headers } }))

test.each([
  ['another local origin', { origin: 'http://127.0.0.1:9999' }],
  ['Sec-Fetch-Site: same-site', { 'sec-fetch-site': 'same-site' }],
])('refuses %s, as /api/models does', async (_name, headers) => {
  const response = await get(headers)
  expect(response.status).toBe(403)
  expect(((await response.json()) as { error: { message: string } }).error.message).toContain('its own origin only')
  expect(response.headers.get('content-security-policy')).toBe(API_POLICY)
})

test('answers its own origin with the page API\'s headers', async () => {
  const response = await get({ origin: 'http://127.0.0.1:8765', 'sec-fetch-site': 'same-origin' })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-security-policy')).toBe(API_POLICY)
  for (const [name, value] of Object.entries(COMMON_HEADERS)) expect(response.headers.get(name)).toBe(value)
  expect(((await response.json()) as { by: string }).by).toBe('model')
})

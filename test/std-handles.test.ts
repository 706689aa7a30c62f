import { describe, expect, test } from 'bun:test'
import { keepStdHandlesFromChildren, type Kernel32 } from '../src/std-handles.ts'

// The kernel32 calls are Windows's; here a recording stand-in answers them. What the real ones do
// to a daemon under a pipe needs a real Windows machine to see.
function recordingKernel32(handles: Record<number, number>, refuse = new Set<number | bigint>()) {
  const calls: [number | bigint, number, number][] = []
  const api: Kernel32 = {
    GetStdHandle: (which) => handles[which] ?? 0,
    SetHandleInformation: (handle, mask, flags) => (calls.push([handle, mask, flags]), refuse.has(handle) ? 0 : 1),
  }
  return { api, calls }
}

describe('start keeps its standard handles from the daemon (Windows)', () => {
  test('stdin, stdout and stderr each lose HANDLE_FLAG_INHERIT (mask 1, flags 0)', async () => {
    const { api, calls } = recordingKernel32({ 0xfffffff6: 101, 0xfffffff5: 102, 0xfffffff4: 103 })
    expect(await keepStdHandlesFromChildren('win32', async () => api)).toBe(3)
    expect(calls).toEqual([[101, 1, 0], [102, 1, 0], [103, 1, 0]])
  })

  test('a missing (NULL) or invalid (INVALID_HANDLE_VALUE, -1 as a signed number) handle is left alone; a refusal is not counted', async () => {
    const { api, calls } = recordingKernel32({ 0xfffffff6: 0, 0xfffffff5: -1, 0xfffffff4: 103 }, new Set([103]))
    expect(await keepStdHandlesFromChildren('win32', async () => api)).toBe(0)
    expect(calls).toEqual([[103, 1, 0]])
  })

  test('no kernel32 (FFI unavailable) is the old behaviour, not a failed start', async () => {
    expect(await keepStdHandlesFromChildren('win32', async () => Promise.reject(new Error('dlopen failed')))).toBe(0)
  })

  test('on macOS and Linux nothing is asked: a spawned process gets only the descriptors it is given', async () => {
    let asked = false
    const load = async () => ((asked = true), recordingKernel32({}).api)
    expect(await keepStdHandlesFromChildren('linux', load)).toBe(0)
    expect(await keepStdHandlesFromChildren('darwin', load)).toBe(0)
    expect(asked).toBe(false)
  })
})

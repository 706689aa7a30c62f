/**
 * Windows starts every child of ours with CreateProcess(bInheritHandles: TRUE)
 * (libuv, under Bun.spawn) and no list of which: the child gets a copy of every
 * inheritable handle this process holds. `start`'s own stdin, stdout and stderr
 * are inheritable (the shell or CI runner that made them had to hand them
 * over), so the daemon it leaves behind would hold the pipe `start` writes to
 * open for its whole life, and whatever reads that pipe (`codex-shim start |
 * …`, `$(codex-shim start)`, a CI step) would wait until the daemon stops. The
 * daemon's own standard handles are the log file and the null device, handed
 * over explicitly, so before spawning it `start` marks its three as not
 * inheritable. POSIX closes nothing of the kind: a spawned process gets only
 * the descriptors it is given.
 */

/** The two kernel32 calls this needs; injected by tests, which run where there is no kernel32. */
export interface Kernel32 {
  GetStdHandle(which: number): number | bigint
  SetHandleInformation(handle: number | bigint, mask: number, flags: number): number
}

// STD_INPUT_HANDLE, STD_OUTPUT_HANDLE, STD_ERROR_HANDLE: (DWORD)-10, -11, -12.
const STD_HANDLES = [0xfffffff6, 0xfffffff5, 0xfffffff4]
const HANDLE_FLAG_INHERIT = 0x1
// GetStdHandle answers INVALID_HANDLE_VALUE on failure and NULL when the process has no such handle.
const INVALID_HANDLE_VALUE = -1
const NULL_HANDLE = 0

async function loadKernel32(): Promise<Kernel32> {
  const { dlopen, FFIType } = await import('bun:ffi')
  // A HANDLE as a signed 64-bit number (i64_fast: a number while it fits): as `ptr`, Bun would give
  // INVALID_HANDLE_VALUE as the bigint 2^64-1 and NULL as null.
  const { symbols } = dlopen('kernel32.dll', {
    GetStdHandle: { args: [FFIType.u32], returns: FFIType.i64_fast },
    SetHandleInformation: { args: [FFIType.i64_fast, FFIType.u32, FFIType.u32], returns: FFIType.i32 },
  })
  return symbols as unknown as Kernel32
}

/** How many of the three handles were made non-inheritable; 0 off Windows. Never throws: at worst the old behaviour. */
export async function keepStdHandlesFromChildren(platform: NodeJS.Platform = process.platform, kernel32: () => Promise<Kernel32> = loadKernel32): Promise<number> {
  if (platform !== 'win32') return 0
  try {
    const api = await kernel32()
    let changed = 0
    for (const which of STD_HANDLES) {
      const handle = api.GetStdHandle(which)
      if (handle === NULL_HANDLE || handle === INVALID_HANDLE_VALUE) continue
      if (api.SetHandleInformation(handle, HANDLE_FLAG_INHERIT, 0) !== 0) changed++
    }
    return changed
  } catch {
    return 0
  }
}

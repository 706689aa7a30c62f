import type { BunFile } from 'bun'

/**
 * A file's text, read through its stream: what the proxy reads before its
 * first answer (settings, auth.json). A process's first file read took
 * ~0.55 ms this way in the compiled binary, ~0.9 ms through `text()` (the
 * first read warms Bun's I/O either way). Errors carry the same codes.
 */
export function fileText(file: BunFile): Promise<string> {
  return new Response(file.stream()).text()
}

/**
 * Whether a file is not there, asked before reading it: on the start path an
 * absent file is the usual case, and asking costs ~0.05 ms where failing to
 * read one costs ~0.6 ms. (A folder in its place has a size, and goes on to be
 * read and refused.)
 */
export async function fileAbsent(file: BunFile): Promise<boolean> {
  return file.size === 0 && !(await file.exists())
}

/**
 * A small file's text read on the spot, through a memory map: the start path's reads (the
 * settings, the record of validated ones) without waiting on Bun's I/O threads, whose first use
 * costs a process ~0.5 ms (0.16 against 0.63 ms, compiled, first read). Null where there is no
 * map to be had (Windows, an empty or missing file, a folder): fileText then reads it, with its
 * errors. The bytes are copied out at once: a file cut short meanwhile could fault a mapping
 * read later, and those two files are replaced (written anew), never cut in place, by codex-shim.
 */
export function mappedText(path: string): string | null {
  if (process.platform === 'win32') return null
  try {
    return utf8.decode(Bun.mmap(path, { shared: false }))
  } catch {
    return null
  }
}

const utf8 = new TextDecoder()

import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { computeIntegrity, pickleHeader, readAsar, type AsarArchive, type PackedEntry } from './asar.ts'
import { writeThroughTemp } from './atomic.ts'

/**
 * Writes a copy of an archive with some files' bytes replaced (spec §2.4, the
 * "rewrite" variant): every other entry keeps its bytes, entries after a
 * changed file move by the size difference, changed entries get a new size
 * and integrity, and the header is re-pickled. app.asar.unpacked is never read
 * or written.
 */

interface Splice { start: number; end: number; bytes: Buffer }

export interface RewriteResult { headerString: string }

/** Plans the new header for `replacements` (archive path → new bytes) without writing anything. */
export function planRewrite(archive: AsarArchive, replacements: ReadonlyMap<string, Buffer>) {
  // Work on a fresh copy of the header: `archive` stays a faithful view of the file on disk.
  const header = JSON.parse(archive.headerString) as AsarArchive['header']
  const copy = packedFilesOf(archive, header)
  const byPath = new Map(copy.map((file) => [file.path, file.entry]))
  const splices: Splice[] = []
  const appended: Array<{ entry: PackedEntry; bytes: Buffer }> = []
  const replaced = new Set<PackedEntry>()

  for (const [path, bytes] of replacements) {
    const entry = byPath.get(path)
    if (!entry) throw new Error(`No packed file ${path} in ${archive.path}`)
    const start = Number(entry.offset)
    const end = start + entry.size
    // @electron/asar stores duplicate files once and points several entries at the
    // same bytes; replacing shared bytes in place would change the other files too.
    const shared = entry.size === 0 || copy.some((file) => file.entry !== entry && overlaps(file.entry, start, end) && !sameSplice(file.path, file.entry, start, end, bytes, replacements))
    if (shared) appended.push({ entry, bytes })
    else if (!splices.some((splice) => splice.start === start)) splices.push({ start, end, bytes })
    replaced.add(entry)
  }
  splices.sort((a, b) => a.start - b.start)

  const oldDataSize = archive.fileSize - archive.dataStart
  const shift = (offset: number): number => offset + splices.reduce((sum, splice) => (splice.end <= offset ? sum + splice.bytes.length - (splice.end - splice.start) : sum), 0)
  for (const file of copy) {
    const start = Number(file.entry.offset)
    if (appended.some((item) => item.entry === file.entry)) continue
    file.entry.offset = String(shift(start))
  }
  let appendAt = shift(oldDataSize)
  for (const item of appended) {
    item.entry.offset = String(appendAt)
    appendAt += item.bytes.length
  }
  for (const [path, bytes] of replacements) {
    const entry = byPath.get(path)!
    entry.size = bytes.length
    // Electron checks each file it reads against this (asar_util.cc ValidateIntegrityOrDie).
    entry.integrity = computeIntegrity(bytes)
  }
  return { headerString: JSON.stringify(header), splices, appended, oldDataSize }
}

function overlaps(entry: PackedEntry, start: number, end: number): boolean {
  const otherStart = Number(entry.offset)
  const otherEnd = otherStart + entry.size
  if (entry.size === 0) return otherStart > start && otherStart < end
  return otherStart < end && start < otherEnd
}

/** Another entry on exactly the same bytes, replaced by exactly the same new bytes, can share the splice. */
function sameSplice(path: string, entry: PackedEntry, start: number, end: number, bytes: Buffer, replacements: ReadonlyMap<string, Buffer>): boolean {
  const other = replacements.get(path)
  return Number(entry.offset) === start && Number(entry.offset) + entry.size === end && other !== undefined && other.equals(bytes)
}

function packedFilesOf(archive: AsarArchive, header: AsarArchive['header']) {
  const files: Array<{ path: string; entry: PackedEntry }> = []
  const walk = (directory: Record<string, unknown>, prefix: string): void => {
    for (const [name, node] of Object.entries(directory)) {
      const path = prefix ? `${prefix}/${name}` : name
      const record = node as Record<string, unknown>
      if (record.files && typeof record.files === 'object') walk(record.files as Record<string, unknown>, path)
      else if (typeof record.offset === 'string') files.push({ path, entry: record as PackedEntry })
    }
  }
  walk(header.files, '')
  if (files.length !== archive.files.length) throw new Error('header copy disagrees with the parsed archive')
  return files
}

const COPY_CHUNK = 1024 * 1024

function copyRange(from: number, to: number, start: number, length: number, buffer: Buffer): void {
  let done = 0
  while (done < length) {
    const read = readSync(from, buffer, 0, Math.min(buffer.length, length - done), start + done)
    if (read <= 0) throw new Error('unexpected end of archive while copying')
    writeAll(to, buffer.subarray(0, read))
    done += read
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0
  while (written < bytes.length) written += writeSync(fd, bytes, written)
}

/**
 * Replaces `archive.path` with the rewritten archive through a temp file and a
 * rename, and returns the new header string (what the plists must hash).
 */
export function rewriteAsar(archive: AsarArchive, replacements: ReadonlyMap<string, Buffer>): RewriteResult {
  const plan = planRewrite(archive, replacements)
  const source = openSync(archive.path, 'r')
  try {
    writeThroughTemp(archive.path, (out) => {
      const buffer = Buffer.alloc(COPY_CHUNK)
      writeAll(out, pickleHeader(plan.headerString))
      let cursor = 0
      for (const splice of plan.splices) {
        copyRange(source, out, archive.dataStart + cursor, splice.start - cursor, buffer)
        writeAll(out, splice.bytes)
        cursor = splice.end
      }
      copyRange(source, out, archive.dataStart + cursor, plan.oldDataSize - cursor, buffer)
      for (const item of plan.appended) writeAll(out, item.bytes)
    }, (temp) => {
      // Read back what we wrote before it replaces the original: a header that does not parse never ships.
      if (readAsar(temp).headerString !== plan.headerString) throw new Error('the rewritten archive does not read back')
    })
  } finally {
    closeSync(source)
  }
  return { headerString: plan.headerString }
}

import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import * as v from 'valibot'
import { ShimError } from '../errors.ts'

/**
 * Reading Electron's app.asar without extracting it. Layout and header rules:
 * spec/integrations.md §2.1–2.2 (checked against @electron/asar 4.3.2).
 */

export const INTEGRITY_BLOCK_SIZE = 4 * 1024 * 1024

export interface FileIntegrity { algorithm: 'SHA256'; hash: string; blockSize: number; blocks: string[] }

/** A packed file entry, kept as the very object inside the parsed header so edits land in place. */
export interface PackedEntry { offset: string; size: number; integrity?: FileIntegrity; [field: string]: unknown }

export interface AsarFile { path: string; entry: PackedEntry }

export interface AsarArchive {
  path: string
  /** The parsed header; unknown fields survive because we edit this object and re-stringify it. */
  header: { files: Record<string, unknown> }
  /** The exact JSON bytes Electron hashes for ElectronAsarIntegrity. */
  headerString: string
  /** Absolute position of file data: 8 + the header pickle's length. */
  dataStart: number
  fileSize: number
  /** Packed files in header order, with their archive paths (`webview/assets/x.js`). */
  files: AsarFile[]
}

const PackedEntrySchema = v.looseObject({ offset: v.pipe(v.string(), v.regex(/^\d+$/)), size: v.pipe(v.number(), v.integer(), v.minValue(0)) })
const UnpackedEntrySchema = v.looseObject({ unpacked: v.literal(true), size: v.number() })
const LinkEntrySchema = v.looseObject({ link: v.string() })
const DirectorySchema = v.looseObject({ files: v.record(v.string(), v.unknown()) })

function invalid(path: string, why: string): ShimError {
  return new ShimError('config', `${path} is not a valid ASAR archive (${why}); nothing was changed.`)
}

/** Reads and checks the pickled header; file data stays on disk. */
export function readAsar(path: string): AsarArchive {
  const fd = openSync(path, 'r')
  try {
    const fileSize = fstatSync(fd).size
    const prefix = Buffer.alloc(16)
    if (readSync(fd, prefix, 0, 16, 0) !== 16) throw invalid(path, 'shorter than its 16-byte prefix')
    if (prefix.readUInt32LE(0) !== 4) throw invalid(path, 'the size pickle does not hold 4')
    const headerPickleSize = prefix.readUInt32LE(4)
    const jsonSize = prefix.readInt32LE(12)
    if (headerPickleSize > fileSize - 8 || jsonSize < 0 || 16 + jsonSize > 8 + headerPickleSize) throw invalid(path, 'the header sizes run past the file')
    const json = Buffer.alloc(jsonSize)
    readSync(fd, json, 0, jsonSize, 16)
    const headerString = json.toString('utf8')
    let header: unknown
    try {
      header = JSON.parse(headerString)
    } catch {
      throw invalid(path, 'the header is not JSON')
    }
    if (!v.is(DirectorySchema, header)) throw invalid(path, 'the header root is not a directory')
    const dataStart = 8 + headerPickleSize
    const files: AsarFile[] = []
    collectFiles(path, header.files, '', files, fileSize - dataStart)
    return { path, header, headerString, dataStart, fileSize, files }
  } finally {
    closeSync(fd)
  }
}

function collectFiles(archivePath: string, directory: Record<string, unknown>, prefix: string, out: AsarFile[], dataSize: number): void {
  for (const [name, node] of Object.entries(directory)) {
    if (name === '.' || name === '..' || name.includes('/') || name.includes('\\')) throw invalid(archivePath, `bad entry name "${name}"`)
    const path = prefix ? `${prefix}/${name}` : name
    if (v.is(DirectorySchema, node)) collectFiles(archivePath, node.files, path, out, dataSize)
    else if (v.is(PackedEntrySchema, node)) {
      if (Number(node.offset) + node.size > dataSize) throw invalid(archivePath, `${path} runs past the end of the file`)
      out.push({ path, entry: node as PackedEntry })
    } else if (!v.is(UnpackedEntrySchema, node) && !v.is(LinkEntrySchema, node)) throw invalid(archivePath, `entry ${path} is neither a directory, a file nor a link`)
  }
}

export function readEntry(archive: AsarArchive, entry: PackedEntry): Buffer {
  const fd = openSync(archive.path, 'r')
  try {
    const bytes = Buffer.alloc(entry.size)
    if (entry.size > 0) readSync(fd, bytes, 0, entry.size, archive.dataStart + Number(entry.offset))
    return bytes
  } finally {
    closeSync(fd)
  }
}

const sha256 = (bytes: Uint8Array): string => new Bun.CryptoHasher('sha256').update(bytes).digest('hex')

/** @electron/asar's integrity: whole-file SHA-256 plus one per 4 MiB block; an empty file has one block. */
export function computeIntegrity(bytes: Uint8Array): FileIntegrity {
  const blocks: string[] = []
  for (let start = 0; start < bytes.length || blocks.length === 0; start += INTEGRITY_BLOCK_SIZE) {
    blocks.push(sha256(bytes.subarray(start, start + INTEGRITY_BLOCK_SIZE)))
  }
  return { algorithm: 'SHA256', hash: sha256(bytes), blockSize: INTEGRITY_BLOCK_SIZE, blocks }
}

/** SHA-256 of the header JSON string: the value ElectronAsarIntegrity holds. */
export const headerHash = (headerString: string): string => sha256(Buffer.from(headerString, 'utf8'))

const align4 = (n: number): number => (n + 3) & ~3

/** The 16-byte prefix plus padded JSON: size pickle, then the header pickle around one string. */
export function pickleHeader(headerString: string): Buffer {
  const json = Buffer.from(headerString, 'utf8')
  const padded = align4(json.length)
  const out = Buffer.alloc(16 + padded)
  out.writeUInt32LE(4, 0)
  out.writeUInt32LE(8 + padded, 4)
  out.writeUInt32LE(4 + padded, 8)
  out.writeInt32LE(json.length, 12)
  json.copy(out, 16)
  return out
}

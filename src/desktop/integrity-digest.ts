import { closeSync, existsSync, fstatSync, openSync, readSync, realpathSync, writeSync, fsyncSync } from 'node:fs'
import { join } from 'node:path'
import { ShimError } from '../errors.ts'
import { copyThroughTemp } from './atomic.ts'

/**
 * Newer Electron builds also pin the ElectronAsarIntegrity dictionary itself:
 * a slot in the Electron Framework binary holds a 32-byte sentinel, a `used`
 * byte, a `version` byte and a SHA-256 digest (spec §2.3; electron
 * shell/common/asar/integrity_digest.mm). `used` 0 fails open; version 1 is
 * the only one defined; anything else fails closed, so we refuse it.
 */

export const DIGEST_SENTINEL = Buffer.from('AGbevlPCksUGKNL8TSn7wGmJEuJsXb2A', 'latin1')
const DIGEST_SIZE = 32

export interface DigestSlot { offset: number; used: boolean; version: number; digest: Buffer }

export interface DigestStatus { binary: string | null; slots: DigestSlot[] }

export function frameworkBinary(appPath: string): string {
  return join(appPath, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework')
}

const SCAN_CHUNK = 8 * 1024 * 1024

/** Every sentinel in the binary (a universal binary has one per architecture). */
export function readDigestSlots(appPath: string): DigestStatus {
  const path = frameworkBinary(appPath)
  if (!existsSync(path)) return { binary: null, slots: [] }
  const binary = realpathSync(path)
  const fd = openSync(binary, 'r')
  const slots: DigestSlot[] = []
  try {
    const size = fstatSync(fd).size
    const overlap = DIGEST_SENTINEL.length + 2 + DIGEST_SIZE
    const buffer = Buffer.alloc(SCAN_CHUNK + overlap)
    for (let base = 0; base < size; base += SCAN_CHUNK) {
      const read = readSync(fd, buffer, 0, buffer.length, base)
      const view = buffer.subarray(0, read)
      for (let at = view.indexOf(DIGEST_SENTINEL); at >= 0 && at < SCAN_CHUNK; at = view.indexOf(DIGEST_SENTINEL, at + 1)) {
        const after = at + DIGEST_SENTINEL.length
        if (after + 2 + DIGEST_SIZE > view.length) continue
        slots.push({ offset: base + at, used: view[after] === 1, version: view[after + 1]!, digest: Buffer.from(view.subarray(after + 2, after + 2 + DIGEST_SIZE)) })
      }
    }
  } finally {
    closeSync(fd)
  }
  return { binary, slots }
}

/** SHA-256 over key, algorithm, hash of each entry, keys sorted (@electron/asar 4.1 integrity-digest). */
export function computeIntegrityDigest(integrity: Record<string, { algorithm: string; hash: string }>): Buffer {
  const hasher = new Bun.CryptoHasher('sha256')
  for (const key of Object.keys(integrity).sort()) {
    hasher.update(key)
    hasher.update(integrity[key]!.algorithm)
    hasher.update(integrity[key]!.hash)
  }
  return Buffer.from(hasher.digest())
}

/** Refuses (before any change) a slot we would have to update but do not understand. */
export function checkDigestSlots(status: DigestStatus, version: string): void {
  const unknown = status.slots.find((slot) => slot.used && slot.version !== 1)
  if (unknown) throw new ShimError('config', `Codex ${version}'s Electron Framework uses integrity digest version ${unknown.version}, which codex-shim does not know; this Desktop build is not supported yet. Nothing was changed.`)
}

/** Writes `digest` into every used slot, through a temp copy of the binary and a rename. */
export function writeDigest(status: DigestStatus, digest: Buffer): number {
  const used = status.slots.filter((slot) => slot.used)
  if (!status.binary || used.length === 0 || used.every((slot) => slot.digest.equals(digest))) return 0
  copyThroughTemp(status.binary, status.binary, (temp) => {
    const fd = openSync(temp, 'r+')
    try {
      for (const slot of used) writeSync(fd, digest, 0, DIGEST_SIZE, slot.offset + DIGEST_SENTINEL.length + 2)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  })
  return used.length
}

import { sha256 } from '../sha256.ts'

/**
 * Constant-time comparison of a presented secret with the expected one.
 * Both sides are hashed first so the comparison does not leak the length.
 */
export function sameSecret(given: string | null | undefined, expected: string): boolean {
  if (!given || !expected) return false
  const digest = (value: string) => sha256().update(value).digest()
  return crypto.timingSafeEqual(digest(given), digest(expected))
}

/** 32 random bytes as hex: the per-process page token, and each page's script nonce. */
export function randomHex(bytes = 32): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString('hex')
}

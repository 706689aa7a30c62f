/**
 * The credentials we sent to an upstream, and their removal from what it
 * sends back. Some upstreams quote the request's headers in an error body or a
 * mid-stream error event ("invalid header Authorization: Bearer sk-…"); relayed
 * as is, our key would reach the client and the log.
 */

export const REDACTED = '[redacted]'

// Headers we set that carry no secret. Everything else we send (the key, each
// `extra_headers` value, a login token) is treated as one.
const PUBLIC_HEADERS = new Set(['content-type', 'accept', 'content-length', 'content-encoding', 'user-agent', 'anthropic-version', 'anthropic-beta', 'openai-beta', 'originator', 'version', 'session_id', 'conversation_id', 'x-session-affinity'])

// Shorter values ("1", "true", "gpt") are settings, not secrets, and removing them
// from upstream text would mangle it.
const MIN_SECRET_LENGTH = 8

/** The secret values in a set of outgoing headers: `Bearer <key>` yields the key, the rest yield their value. */
export function secretsOf(headers: Record<string, string>): string[] {
  const secrets: string[] = []
  for (const [name, raw] of Object.entries(headers)) {
    if (PUBLIC_HEADERS.has(name.toLowerCase())) continue
    const value = raw.trim()
    const token = name.toLowerCase() === 'authorization' ? value.replace(/^[A-Za-z]+\s+/, '') : value
    if (token.length >= MIN_SECRET_LENGTH && !secrets.includes(token)) secrets.push(token)
  }
  // Longest first: a secret that contains another is removed whole.
  return secrets.sort((a, b) => b.length - a.length)
}

// Requests to one upstream send the same headers every time: their secrets are worked out once.
// Keyed by every header name and value, so a changed key (an env var, a refreshed token) is a new entry.
const secretsByHeaders = new Map<string, readonly string[]>()
const MAX_CACHED_HEADER_SETS = 256

/** `secretsOf`, remembered per set of header values; the array is shared, so it is frozen. */
export function sentSecrets(headers: Record<string, string>): readonly string[] {
  let key = ''
  for (const name in headers) key += `${name}\u0000${headers[name]}\u0000`
  let secrets = secretsByHeaders.get(key)
  if (secrets === undefined) {
    secrets = Object.freeze(secretsOf(headers))
    // Bounded: tokens that rotate would otherwise grow it for good.
    if (secretsByHeaders.size >= MAX_CACHED_HEADER_SETS) secretsByHeaders.clear()
    secretsByHeaders.set(key, secrets)
  }
  return secrets
}

/** `text` with every secret replaced by `[redacted]`. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text
  for (const secret of secrets) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED)
  return out
}

// What each upstream response (and its body stream) was sent with: readers that
// never see the request (the error reader, the stream watchdogs) look it up here.
const sentWith = new WeakMap<object, readonly string[]>()

export function rememberSecrets(response: Response, secrets: readonly string[]): void {
  if (!secrets.length) return
  sentWith.set(response, secrets)
  if (response.body) sentWith.set(response.body, secrets)
}

/** The secrets sent for this response or body; empty for bodies we did not fetch (subprocesses, tests). */
export function secretsFor(responseOrBody: object): readonly string[] {
  return sentWith.get(responseOrBody) ?? []
}

/** What a scrubber needs about its secrets, built once per (shared) list. */
interface Needles {
  needles: Buffer[]
  longest: number
  /** 1 for each byte value that occurs in some secret: a chunk whose last byte is not one cannot end in a secret's start. */
  alphabet: Uint8Array
  firstBytes: Uint8Array
}
const compiled = new WeakMap<readonly string[], Needles>()

function needlesOf(secrets: readonly string[]): Needles {
  let found = compiled.get(secrets)
  if (!found) {
    const needles = secrets.map((secret) => Buffer.from(secret))
    const alphabet = new Uint8Array(256)
    const firstBytes = new Uint8Array(256)
    for (const needle of needles) {
      for (const byte of needle) alphabet[byte] = 1
      firstBytes[needle[0]!] = 1
    }
    found = { needles, longest: Math.max(...needles.map((needle) => needle.length)), alphabet, firstBytes }
    compiled.set(secrets, found)
  }
  return found
}

const indexOf = Buffer.prototype.indexOf

/**
 * A byte-stream scrubber: each chunk comes back with the secrets replaced. A
 * chunk's last bytes that could begin a secret are held for the next chunk, so
 * a secret split across two reads is still caught (SSE chunks end in a blank
 * line, which no secret starts with, so in practice nothing is held).
 */
export function byteScrubber(secrets: readonly string[]) {
  const { needles, longest, alphabet, firstBytes } = needlesOf(secrets)
  const replacement = Buffer.from(REDACTED)
  let held: Buffer | null = null
  return {
    push(chunk: Uint8Array): Uint8Array {
      let bytes: Uint8Array = held ? Buffer.concat([held, chunk]) : chunk
      held = null
      bytes = replaceAll(bytes, needles, replacement)
      // The common chunk ends in a byte no secret contains (a newline): nothing to hold.
      if (!bytes.length || !alphabet[bytes[bytes.length - 1]!]) return bytes
      const keep = heldTail(bytes, needles, longest, firstBytes)
      if (keep) {
        held = Buffer.from(bytes.subarray(bytes.length - keep))
        bytes = bytes.subarray(0, bytes.length - keep)
      }
      return bytes
    },
    /** What is still held at the end of the stream (an unfinished prefix, not a secret). */
    flush(): Uint8Array | null {
      const rest = held
      held = null
      return rest
    },
  }
}

function replaceAll(bytes: Uint8Array, needles: Buffer[], replacement: Buffer): Uint8Array {
  let out = bytes
  for (const needle of needles) {
    let at = indexOf.call(out, needle)
    if (at < 0) continue
    const parts: Uint8Array[] = []
    let copied = 0
    while (at >= 0) {
      parts.push(out.subarray(copied, at), replacement)
      copied = at + needle.length
      at = indexOf.call(out, needle, copied)
    }
    parts.push(out.subarray(copied))
    out = Buffer.concat(parts)
  }
  return out
}

/** Length of the longest tail of `bytes` that is a proper prefix of a secret. */
function heldTail(bytes: Uint8Array, needles: Buffer[], longest: number, firstBytes: Uint8Array): number {
  const from = Math.max(0, bytes.length - longest + 1)
  for (let start = from; start < bytes.length; start++) {
    if (!firstBytes[bytes[start]!]) continue
    const length = bytes.length - start
    if (needles.some((needle) => needle.length > length && startsWith(bytes, start, needle, length))) return length
  }
  return 0
}

function startsWith(bytes: Uint8Array, start: number, needle: Buffer, length: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[start + i] !== needle[i]) return false
  return true
}

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

/**
 * A byte-stream scrubber: each chunk comes back with the secrets replaced. A
 * chunk's last bytes that could begin a secret are held for the next chunk, so
 * a secret split across two reads is still caught (SSE chunks end in a blank
 * line, which no secret starts with, so in practice nothing is held).
 */
export function byteScrubber(secrets: readonly string[]) {
  const needles = secrets.map((secret) => Buffer.from(secret))
  const replacement = Buffer.from(REDACTED)
  const longest = Math.max(...needles.map((needle) => needle.length))
  const firstBytes = new Set(needles.map((needle) => needle[0]!))
  let held: Buffer | null = null
  return {
    push(chunk: Uint8Array): Uint8Array {
      let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      if (held) bytes = Buffer.concat([held, bytes])
      held = null
      bytes = replaceAll(bytes, needles, replacement)
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

function replaceAll(bytes: Buffer, needles: Buffer[], replacement: Buffer): Buffer {
  let out = bytes
  for (const needle of needles) {
    let at = out.indexOf(needle)
    if (at < 0) continue
    const parts: Buffer[] = []
    let copied = 0
    while (at >= 0) {
      parts.push(out.subarray(copied, at), replacement)
      copied = at + needle.length
      at = out.indexOf(needle, copied)
    }
    parts.push(out.subarray(copied))
    out = Buffer.concat(parts)
  }
  return out
}

/** Length of the longest tail of `bytes` that is a proper prefix of a secret. */
function heldTail(bytes: Buffer, needles: Buffer[], longest: number, firstBytes: Set<number>): number {
  const from = Math.max(0, bytes.length - longest + 1)
  for (let start = from; start < bytes.length; start++) {
    if (!firstBytes.has(bytes[start]!)) continue
    const tail = bytes.subarray(start)
    if (needles.some((needle) => needle.length > tail.length && needle[0] === tail[0] && needle.subarray(0, tail.length).equals(tail))) return tail.length
  }
  return 0
}

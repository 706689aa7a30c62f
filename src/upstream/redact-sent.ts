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

/**
 * The secret values in a set of outgoing headers (`Bearer <key>` yields the key, the rest yield
 * their value) and in the URL they went to: a `user:password@` part, which fetch sends as a Basic
 * authorization header of its own, and query values (`?key=…`). Each also in the escaped forms a
 * JSON encoder may quote it in (`\/`, `\u002B`): the client's parser would turn those back into the key.
 */
export function secretsOf(headers: Record<string, string>, url?: string): string[] {
  const found: string[] = []
  for (const [name, raw] of Object.entries(headers)) {
    if (PUBLIC_HEADERS.has(name.toLowerCase())) continue
    const value = raw.trim()
    found.push(name.toLowerCase() === 'authorization' ? value.replace(/^[A-Za-z]+\s+/, '') : value)
  }
  if (url) found.push(...urlSecrets(url))
  const secrets: string[] = []
  for (const secret of found) {
    if (secret.length < MIN_SECRET_LENGTH) continue
    for (const form of escapedForms(secret)) if (!secrets.includes(form)) secrets.push(form)
  }
  // Longest first: a secret that contains another is removed whole.
  return secrets.sort((a, b) => b.length - a.length)
}

const SECRET_PARAM = /key|token|secret|sig|pass|auth|credential/i

function urlSecrets(url: string): string[] {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return []
  }
  const secrets: string[] = []
  if (parsed.username || parsed.password) {
    const user = decodeURIComponent(parsed.username)
    const password = decodeURIComponent(parsed.password)
    secrets.push(user, password, Buffer.from(`${user}:${password}`).toString('base64'), parsed.username, parsed.password)
  }
  // Credentials by their parameter's name (`key=` for Gemini); `api-version=2024-10-21` is not one.
  for (const [name, value] of parsed.searchParams) if (SECRET_PARAM.test(name)) secrets.push(value)
  return secrets
}

const hex = (char: string, upper: boolean) => {
  const code = char.charCodeAt(0).toString(16).padStart(4, '0')
  return `\\u${upper ? code.toUpperCase() : code}`
}

/**
 * The secret as JSON encoders may write it: escaped for JSON at all, with `/` as `\/` (PHP), with
 * HTML-sensitive characters as `\u00XX` (.NET's `+`), and with every sign as `\u00xx`.
 */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1)
  const forms = [secret, json, json.replaceAll('/', '\\/'), json.replace(/[+<>&'`]/g, (char) => hex(char, true))]
  for (const upper of [true, false]) forms.push(secret.replace(/[^A-Za-z0-9\-_.]/g, (char) => hex(char, upper)))
  return forms.filter((form, index) => forms.indexOf(form) === index)
}

// Requests to one upstream send the same headers every time: their secrets are worked out once.
// Keyed by every header name and value, so a changed key (an env var, a refreshed token) is a new entry.
const secretsByHeaders = new Map<string, readonly string[]>()
const MAX_CACHED_HEADER_SETS = 256

/** `secretsOf`, remembered per set of header values and URL; the array is shared, so it is frozen. */
export function sentSecrets(headers: Record<string, string>, url = ''): readonly string[] {
  let key = url
  for (const name in headers) key += `\u0000${name}\u0000${headers[name]}`
  let secrets = secretsByHeaders.get(key)
  if (secrets === undefined) {
    secrets = Object.freeze(secretsOf(headers, url))
    // Bounded: tokens that rotate would otherwise grow it for good.
    if (secretsByHeaders.size >= MAX_CACHED_HEADER_SETS) secretsByHeaders.clear()
    secretsByHeaders.set(key, secrets)
  }
  return secrets
}

/**
 * `text` with every secret replaced by `[redacted]`. A JSON text with escapes is also read and
 * its strings checked as decoded, whatever an encoder escaped: if one held a secret, the text
 * comes back re-encoded without it.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  const out = redactPlain(text, secrets)
  if (!secrets.length || !out.includes('\\')) return out
  let json: unknown
  try {
    json = JSON.parse(out)
  } catch {
    return out
  }
  let changed = false
  const walk = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const clean = redactPlain(value, secrets)
      if (clean !== value) changed = true
      return clean
    }
    if (Array.isArray(value)) return value.map(walk)
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, entry]) => [redactPlain(key, secrets), walk(entry)]))
    return value
  }
  const walked = walk(json)
  return changed ? JSON.stringify(walked) : out
}

function redactPlain(text: string, secrets: readonly string[]): string {
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

import TOML from '@iarna/toml'
import { isDeepStrictEqual } from 'node:util'
import { ConfigEditError } from './config-edit-error.ts'

/**
 * The managed block in `$CODEX_HOME/config.toml`. Stringifying a whole file
 * with a TOML library drops comments, so the block is spliced in as text and
 * the result is parsed to prove it valid and otherwise unchanged.
 *
 * Layout: a top block (before any table) holding `model`, `model_provider`,
 * `model_catalog_json`, and a provider block appended at the end. Top-level
 * lines we displace are recorded inside the top block and put back, at their
 * original line, by `removeManagedBlock`, so enable → disable is byte-identical.
 */

export const BEGIN = '# >>> codex-shim managed >>>'
export const END = '# <<< codex-shim managed <<<'
const STATE_PREFIX = '# codex-shim state: '
export const PROVIDER_ID = 'codex_shim'
const OWNED_TOP_KEYS = ['model', 'model_provider', 'model_catalog_json'] as const

export interface ManagedBlockOptions {
  model: string
  port: number
  host?: string
  catalogPath: string
  /** The provider's display name (Desktop shows it beside the model); "Codex Shim" when absent. */
  providerName?: string
  /**
   * The proxy requires a token (CODEX_SHIM_TOKEN): Codex reads it from that variable (`env_key`)
   * instead of sending the placeholder, which such a proxy refuses (401).
   */
  tokenEnv?: boolean
}

/** Where Codex finds the proxy's token when one is required. */
export const TOKEN_ENV = 'CODEX_SHIM_TOKEN'

const DEFAULT_PROVIDER_NAME = 'Codex Shim'

/**
 * The provider's display name as written. Codex treats a provider named
 * "OpenAI" as OpenAI itself and switches to remote compaction (spec §a.3), so
 * that name, in any case, is never written; nor are line breaks.
 */
export function providerDisplayName(name: string | undefined): string {
  const clean = name?.replace(/[\r\n\t]+/g, ' ').trim().slice(0, 80)
  return clean && clean.toLowerCase() !== 'openai' ? clean : DEFAULT_PROVIDER_NAME
}

interface BlockState {
  /** Displaced top-level lines with their 0-based line index in the unmanaged file. */
  displaced: { index: number; line: string }[]
  /** True when the unmanaged file did not end with a newline. */
  noFinalNewline: boolean
}

export { ConfigEditError }

/**
 * A TOML basic string. JSON's escapes are TOML's, but JSON leaves DEL (U+007F) bare, which TOML
 * forbids: a display name holding one made the whole block fail to parse.
 */
export function tomlString(value: string): string {
  return JSON.stringify(value).replace(/\u007f/g, '\\u007f')
}

function parse(text: string, what: string): Record<string, unknown> {
  try {
    return TOML.parse(text) as Record<string, unknown>
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ConfigEditError(`${what} is not valid TOML (${detail}). Fix it by hand first; nothing was changed.`)
  }
}

function splitLines(text: string): string[] {
  return text.length ? text.split('\n') : []
}

/**
 * For each line, whether it starts a top-level statement (not inside a
 * multi-line string, array or inline table begun on an earlier line). A small
 * scanner over TOML's strings and brackets is enough: we only need table
 * headers and top-level `key =` lines.
 */
function statementStarts(lines: string[]): boolean[] {
  const starts: boolean[] = []
  let multiline: string | null = null
  let depth = 0
  for (const line of lines) {
    const start = multiline === null && depth === 0
    starts.push(start)
    // A table header's own brackets are not a value.
    const header = start && /^\s*\[/.test(line)
    for (let i = header ? line.indexOf(']') + 1 : 0; i < line.length; i++) {
      if (multiline) {
        if (line.startsWith(multiline, i)) {
          multiline = null
          i += 2
        } else if (multiline === '"""' && line[i] === '\\') i++
        continue
      }
      const char = line[i]
      if (char === '#') break
      const triple = line.slice(i, i + 3)
      if (triple === '"""' || triple === "'''") {
        multiline = triple
        i += 2
      } else if (char === '"' || char === "'") {
        for (i++; i < line.length && line[i] !== char; i++) if (char === '"' && line[i] === '\\') i++
      } else if (char === '[' || char === '{') depth++
      else if ((char === ']' || char === '}') && depth > 0) depth--
    }
  }
  return starts
}

/** Index of the first table header (`[x]` or `[[x]]`), or -1. */
function firstTableLine(lines: string[]): number {
  const starts = statementStarts(lines)
  return lines.findIndex((line, i) => starts[i] && /^\s*\[/.test(line))
}

function ownedKeyOf(line: string): string | null {
  const match = line.match(/^\s*"?([A-Za-z0-9_]+)"?\s*=/)
  return match && (OWNED_TOP_KEYS as readonly string[]).includes(match[1]!) ? match[1]! : null
}

/**
 * Whether each line is one of our markers. A marker counts only where a
 * statement could start: the same text inside a multi-line string is the
 * user's data, and must never make us delete what follows it.
 */
function markerLines(lines: string[]): ('begin' | 'end' | null)[] {
  const starts = statementStarts(lines)
  return lines.map((line, i) => (!starts[i] ? null : line === BEGIN ? 'begin' : line === END ? 'end' : null))
}


// Notepad saves UTF-8 with a byte-order mark, which Codex's TOML parser skips: read without it, written back with it.
const BOM = '\uFEFF'

function toLf(text: string): string {
  return (text.startsWith(BOM) ? text.slice(1) : text).replace(/\r\n/g, '\n')
}

const bomOf = (text: string) => (text.startsWith(BOM) ? BOM : '')

/**
 * CRLF files are valid TOML, but the TOML parser rejects a CR in comments and
 * our line logic splits on LF: edits work on LF text, and this gives the result
 * the original's line endings. A file with one kind keeps it throughout. In a
 * file with both (a Windows editor and a Unix one took turns), each line the
 * edit kept ends as it did, matched in order, and the lines of our blocks end
 * as most of the file's lines do.
 */
function withLineEndings(original: string, edited: string): string {
  const pieces = (original.startsWith(BOM) ? original.slice(1) : original).split('\n')
  const ended = pieces.slice(0, -1)
  const crlf = ended.filter((line) => line.endsWith('\r')).length
  if (crlf === 0) return edited
  if (crlf === ended.length) return edited.replace(/\n/g, '\r\n')
  const dominant = crlf * 2 >= ended.length ? '\r\n' : '\n'
  const contents = ended.map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line))
  const lines = edited.split('\n')
  const markers = markerLines(lines)
  let from = 0
  let ours = false
  return lines
    .map((line, i) => {
      if (i === lines.length - 1) return line
      if (markers[i] === 'begin') ours = true
      let ending = dominant
      const kept = ours ? -1 : contents.indexOf(line, from)
      if (kept >= 0) {
        ending = ended[kept]!.endsWith('\r') ? '\r\n' : '\n'
        from = kept + 1
      }
      if (markers[i] === 'end') ours = false
      return line + ending
    })
    .join('')
}

/** Parses config.toml text as Codex does, whatever its line endings. */
export function parseConfigToml(text: string): Record<string, unknown> {
  return TOML.parse(toLf(text)) as Record<string, unknown>
}

/** The lines inside our blocks (markers excluded). */
function managedLines(text: string): string[] {
  const lines = toLf(text).split('\n')
  const markers = markerLines(lines)
  const inside: string[] = []
  let open = false
  lines.forEach((line, i) => {
    if (markers[i] === 'begin') open = true
    else if (markers[i] === 'end') open = false
    else if (open) inside.push(line)
  })
  return inside
}

export function hasManagedBlock(text: string): boolean {
  return markerLines(toLf(text).split('\n')).includes('begin')
}

/**
 * Removes our blocks and restores what they displaced: the inverse of
 * `applyManagedBlock`. Text without a block is returned unchanged.
 */
export function removeManagedBlock(text: string): string {
  if (!hasManagedBlock(text)) return text
  return bomOf(text) + withLineEndings(text, removeOurs(toLf(text)))
}

/** removeFromLf, proved: every setting but ours (the top keys, our provider table) reads the same after as before. */
function removeOurs(text: string): string {
  const removed = removeFromLf(text)
  let before: Record<string, unknown>
  try {
    before = TOML.parse(text) as Record<string, unknown>
  } catch {
    return removed // a file Codex cannot read either: nothing to compare with
  }
  const after = parse(removed, 'config.toml without the codex-shim block')
  if (!isDeepStrictEqual(withoutOurs(before), withoutOurs(after))) {
    throw new ConfigEditError('Refusing to write config.toml: removing the codex-shim block would change settings that are not codex-shim\'s. Please report this with your config (secrets removed); nothing was changed.')
  }
  return removed
}

/** A parsed config without what our blocks set, as plain JSON for comparing. */
function withoutOurs(config: Record<string, unknown>): unknown {
  const rest: Record<string, unknown> = JSON.parse(JSON.stringify(config))
  for (const key of OWNED_TOP_KEYS) delete rest[key]
  const providers = rest.model_providers as Record<string, unknown> | undefined
  if (providers) {
    delete providers[PROVIDER_ID]
    if (!Object.keys(providers).length) delete rest.model_providers
  }
  return rest
}

/**
 * Whether a line inside our markers is one we wrote. Codex edits config.toml with a library that
 * puts what it adds (an MCP server, a trusted project, a new top-level key) before the closing
 * marker at the end of the file, so our blocks can come to hold lines that are not ours: those
 * stay. Ours are the top block's comment, state line and keys, and our provider table (its header
 * up to the next table header), whatever values they have been edited to.
 */
function ourLines(lines: string[], markers: ('begin' | 'end' | null)[]): boolean[] {
  const starts = statementStarts(lines)
  const ours: boolean[] = []
  let inside = false
  let inOurTable = false
  let statementIsOurs = false
  for (const [i, line] of lines.entries()) {
    if (markers[i] === 'begin' || markers[i] === 'end') {
      inside = markers[i] === 'begin'
      inOurTable = false
      ours.push(true)
      continue
    }
    if (!inside) {
      ours.push(false)
      continue
    }
    if (starts[i]) {
      if (/^\s*\[/.test(line)) inOurTable = line.trim() === `[model_providers.${PROVIDER_ID}]`
      statementIsOurs = inOurTable || line.startsWith(STATE_PREFIX) || line.startsWith(WRITTEN_BY) || ownedKeyOf(line) !== null
    }
    ours.push(statementIsOurs)
  }
  return ours
}

/**
 * Where a displaced line goes back: its old line, never after the first table. Only the line's
 * index is remembered, so a value spanning lines that the user added above it since (a """
 * string, an array) can put that index inside the value; the line then goes just after the value.
 */
function restoreAt(lines: string[], index: number): number {
  const limit = firstTableLine(lines)
  const at = Math.min(index, limit === -1 ? lines.length : limit)
  const start = statementStarts(lines).indexOf(true, at)
  // No statement starts there or after: the index is inside a value that runs to the end of the file.
  return start === -1 ? lines.length : start
}

function removeFromLf(text: string): string {
  const lines = text.split('\n')
  const markers = markerLines(lines)
  const ours = ourLines(lines, markers)
  const kept: string[] = []
  let state: BlockState = { displaced: [], noFinalNewline: false }
  let inside = false
  for (const [i, line] of lines.entries()) {
    if (markers[i] === 'begin') {
      inside = true
      continue
    }
    if (markers[i] === 'end') {
      inside = false
      continue
    }
    if (inside && line.startsWith(STATE_PREFIX)) {
      try {
        state = JSON.parse(line.slice(STATE_PREFIX.length)) as BlockState
      } catch {
        // a hand-edited state line: restore nothing rather than guess
      }
    }
    if (inside && ours[i]) continue
    kept.push(line)
  }
  if (inside) throw new ConfigEditError(`config.toml has "${BEGIN}" without "${END}". Remove the partial block by hand; nothing was changed.`)
  // The provider block was appended after a separating newline we added.
  let out = kept.join('\n')
  if (state.noFinalNewline && out.endsWith('\n')) out = out.slice(0, -1)
  // Put displaced lines back where they were, in their order.
  const restored = splitLines(out)
  let next = 0
  for (const { index, line } of [...state.displaced].sort((a, b) => a.index - b.index)) {
    const at = restoreAt(restored, Math.max(index, next))
    restored.splice(at, 0, line)
    next = at + 1
  }
  if (state.displaced.length && out === '') return restored.join('\n') + (state.noFinalNewline ? '' : '\n')
  return restored.join('\n')
}

const WRITTEN_BY = '# Written by `codex-shim enable`'

function topBlock(options: ManagedBlockOptions, state: BlockState): string[] {
  return [
    BEGIN,
    `${WRITTEN_BY}; \`codex-shim disable\` removes it and restores what was here.`,
    `${STATE_PREFIX}${JSON.stringify(state)}`,
    `model = ${tomlString(options.model)}`,
    `model_provider = ${tomlString(PROVIDER_ID)}`,
    `model_catalog_json = ${tomlString(options.catalogPath)}`,
    END,
  ]
}

/**
 * Where Codex reaches the proxy. A wildcard bind (0.0.0.0, ::) is no address to send to, and the
 * proxy's Host check refuses `[::]`: loopback stands in. Shared by `enable` and `codex-shim codex`.
 */
export function proxyBaseUrl(options: { port: number; host?: string }): string {
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1'
  const hostPart = host.includes(':') ? `[${host}]` : host
  return `http://${hostPart}:${options.port}/v1`
}

/** The provider table. Never named "OpenAI": that switches Codex to remote compaction (spec §a.3). */
export function providerTable(options: { port: number; host?: string; providerName?: string; tokenEnv?: boolean }): string[] {
  return [
    `[model_providers.${PROVIDER_ID}]`,
    `name = ${tomlString(providerDisplayName(options.providerName))}`,
    `base_url = ${tomlString(proxyBaseUrl(options))}`,
    'wire_api = "responses"',
    // Not a secret: a proxy without CODEX_SHIM_TOKEN takes any key. One that requires it gets it from
    // Codex's environment, never from this file.
    options.tokenEnv ? `env_key = ${tomlString(TOKEN_ENV)}` : 'experimental_bearer_token = "codex-shim"',
    'request_max_retries = 4',
    'stream_max_retries = 5',
    'stream_idle_timeout_ms = 600000',
  ]
}

/**
 * Adds (or replaces) our block. Idempotent: applying twice leaves one block.
 * Throws ConfigEditError, changing nothing, when the file is not valid TOML or
 * already defines our provider table outside the block.
 */
export function applyManagedBlock(text: string, options: ManagedBlockOptions): string {
  return bomOf(text) + withLineEndings(text, applyToLf(toLf(text), options))
}

function applyToLf(text: string, options: ManagedBlockOptions): string {
  const original = hasManagedBlock(text) ? removeOurs(text) : text
  const before = parse(original, 'config.toml')
  const providers = before.model_providers as Record<string, unknown> | undefined
  if (providers && PROVIDER_ID in providers) {
    throw new ConfigEditError(`config.toml already defines [model_providers.${PROVIDER_ID}] outside the codex-shim block. Remove or rename that table, then run enable again.`)
  }

  const lines = splitLines(original)
  const noFinalNewline = original.length > 0 && !original.endsWith('\n')
  if (!noFinalNewline && lines.length) lines.pop() // the empty string after the final newline
  const limit = firstTableLine(lines)
  const displaced: BlockState['displaced'] = []
  const remaining: string[] = []
  const starts = statementStarts(lines)
  lines.forEach((line, index) => {
    if ((limit === -1 || index < limit) && starts[index] && ownedKeyOf(line)) displaced.push({ index, line })
    else remaining.push(line)
  })

  const state: BlockState = { displaced, noFinalNewline }
  const body = remaining.length ? `${remaining.join('\n')}\n` : ''
  const result = `${topBlock(options, state).join('\n')}\n${body}${BEGIN}\n${providerTable(options).join('\n')}\n${END}\n`

  // Prove it: valid TOML, our keys set, everything else exactly as before. The file itself parsed, so a
  // failure here is our block meeting a form it cannot join (model_providers as an inline table, dotted keys).
  let after: Record<string, unknown>
  try {
    after = TOML.parse(result) as Record<string, unknown>
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new ConfigEditError(`codex-shim's settings cannot be added to this config.toml as it is written (${detail}): most likely model_providers, model, model_provider or model_catalog_json is set as an inline table, a dotted or quoted key. Write providers as [model_providers.<name>] tables and those keys as plain \`key = value\` lines, then run it again; nothing was changed.`)
  }
  const expectBefore = { ...before }
  for (const key of OWNED_TOP_KEYS) delete expectBefore[key]
  const actual = { ...after }
  for (const key of OWNED_TOP_KEYS) delete actual[key]
  const actualProviders = { ...(actual.model_providers as Record<string, unknown>) }
  delete actualProviders[PROVIDER_ID]
  if (Object.keys(actualProviders).length) actual.model_providers = actualProviders
  else delete actual.model_providers
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(actual)), JSON.parse(JSON.stringify(expectBefore)))) {
    throw new ConfigEditError('Refusing to write config.toml: the edit would change settings outside the codex-shim block. Please report this with your config (secrets removed).')
  }
  if (after.model !== options.model || after.model_provider !== PROVIDER_ID) {
    throw new ConfigEditError('Refusing to write config.toml: the managed keys did not parse back as written.')
  }
  return result
}

/** A string value our block sets (`model`, `model_catalog_json`), or null when there is no block. */
function managedString(text: string, key: string): string | null {
  const prefix = `${key} = `
  const line = managedLines(text).find((entry) => entry.startsWith(prefix) && entry.endsWith('"'))
  if (!line) return null
  try {
    return JSON.parse(line.slice(prefix.length)) as string
  } catch {
    return null
  }
}

/**
 * What makes Codex ignore our block: the active profile (`profile = "work"`) setting its own model
 * provider or model, which Codex puts above the top-level keys. A sentence saying so, or null.
 */
export function profileOverride(text: string): string | null {
  let config: Record<string, any>
  try {
    config = parseConfigToml(text)
  } catch {
    return null
  }
  const name = config.profile
  if (typeof name !== 'string') return null
  const profile = config.profiles?.[name]
  const keys = ['model_provider', 'model'].filter((key) => profile && typeof profile === 'object' && key in profile)
  if (!keys.length) return null
  return `the active profile "${name}" (profile = "${name}" in config.toml) sets ${keys.join(' and ')}, which Codex uses instead of codex-shim's; remove ${keys.length > 1 ? 'them' : 'it'} from [profiles.${name}], or unset profile`
}

/** The model in our block, or null when there is no block. */
export function managedModel(text: string): string | null {
  return managedString(text, 'model')
}

export function managedCatalogPath(text: string): string | null {
  return managedString(text, 'model_catalog_json')
}

/** The port our provider block points at, or null. */
export function managedPort(text: string): number | null {
  const baseUrl = managedString(text, 'base_url')
  const match = baseUrl?.match(/^http:\/\/.*:(\d+)\/v1$/)
  return match ? Number(match[1]) : null
}

/** The host our provider block points at (`enable --host`), brackets removed, or null. */
export function managedHost(text: string): string | null {
  const baseUrl = managedString(text, 'base_url')
  const match = baseUrl?.match(/^http:\/\/(\[[^\]]+\]|[^:/]+):\d+\/v1$/)
  return match ? match[1]!.replace(/^\[|\]$/g, '') : null
}

/** Whether our block has Codex send the token from CODEX_SHIM_TOKEN (`enable` with one set). */
export function managedTokenEnv(text: string): boolean {
  return managedString(text, 'env_key') === TOKEN_ENV
}

/** The provider display name in our block, or null. */
export function managedProviderName(text: string): string | null {
  return managedString(text, 'name')
}

import { parseJson } from '../sse/parse.ts'
import { CUSTOM_INPUT_FIELD } from './flatten-tools.ts'

/**
 * `{"input":"…"}` → the raw text; a model that sent raw text anyway is taken at its word.
 * Defined as the streaming extractor run over the whole text at once, so a
 * streamed call and an unwrapped one always agree, however the text was split.
 */
export function unwrapCustomInput(argumentsText: string): string {
  const extractor = new CustomInputExtractor()
  return extractor.push(argumentsText) + extractor.finish()
}

/** The rules for arguments that are not `{"input": "…"}` first: judged once the call is complete. */
function unwrapWhole(argumentsText: string): string {
  const parsed = parseJson(argumentsText)
  if (parsed.ok && parsed.value && typeof parsed.value === 'object') {
    const value = (parsed.value as Record<string, unknown>)[CUSTOM_INPUT_FIELD]
    if (typeof value === 'string') return value
    const strings = Object.values(parsed.value as Record<string, unknown>).filter((v): v is string => typeof v === 'string')
    if (strings.length === 1) return strings[0]!
  }
  if (parsed.ok && typeof parsed.value === 'string') return parsed.value
  return argumentsText
}

type Phase = 'object' | 'key' | 'colon' | 'value-start' | 'value' | 'after' | 'fallback'

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }
const MAX_KEY = 64
const isSpace = (code: number) => code === 32 || code === 9 || code === 10 || code === 13
const isHex = (code: number) => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102)
const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff

/**
 * Freeform tool input travels upstream JSON-wrapped (`{"input": "<patch>"}`);
 * this decodes the string value of `input` as the arguments arrive, so Codex
 * sees the patch grow instead of all at once. Escapes and surrogate pairs
 * may be split anywhere: a partial escape waits for its end, and a high
 * surrogate waits for its pair. Arguments of another shape (raw text, other
 * keys first) are held and judged whole by `finish`, as before. Either way
 * the concatenation of everything returned is `unwrapCustomInput(all)`.
 * Text after the value's closing quote is ignored, and a value cut off
 * before it is taken as far as it went.
 */
export class CustomInputExtractor {
  private phase: Phase = 'object'
  /** The arguments so far, kept while their shape is undecided (or, for the fallback, all of them). */
  private raw = ''
  private key = ''
  private keyOpen = false
  private keyEscaped = false
  /** A started escape inside the value: `\`, `\u`, `\u00`, … */
  private escape = ''
  /** A high surrogate that must not leave before its pair. */
  private held = ''

  /** Characters buffered here rather than emitted: what the caller should count against its memory cap. */
  get bufferedLength(): number {
    return this.raw.length
  }

  /** The next piece of the arguments; returns the decoded text it completes (often ''). */
  push(text: string): string {
    if (!text || this.phase === 'after') return ''
    if (this.phase === 'fallback') {
      this.raw += text
      return ''
    }
    if (this.phase === 'value') return this.release(this.value(text, 0))
    this.raw += text
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i)
      switch (this.phase) {
        case 'object':
          if (isSpace(code)) continue
          if (code === 123 /* { */) this.phase = 'key'
          else return this.fallback()
          continue
        case 'key':
          if (!this.keyOpen) {
            if (isSpace(code)) continue
            if (code !== 34 /* " */) return this.fallback()
            this.keyOpen = true
            continue
          }
          if (code === 34 && !this.keyEscaped) {
            const name = parseJson(`"${this.key}"`)
            if (!name.ok || name.value !== CUSTOM_INPUT_FIELD) return this.fallback()
            this.phase = 'colon'
            continue
          }
          this.keyEscaped = code === 92 && !this.keyEscaped
          this.key += text[i]
          if (this.key.length > MAX_KEY) return this.fallback()
          continue
        case 'colon':
          if (isSpace(code)) continue
          if (code !== 58 /* : */) return this.fallback()
          this.phase = 'value-start'
          continue
        case 'value-start':
          if (isSpace(code)) continue
          if (code !== 34) return this.fallback()
          this.phase = 'value'
          this.raw = '' // from here on the decoded value is the answer: nothing to fall back to
          return this.release(this.value(text, i + 1))
        default:
          return ''
      }
    }
    return ''
  }

  /** The arguments are complete: whatever is still owed. */
  finish(): string {
    if (this.phase === 'after') return ''
    if (this.phase === 'value') {
      this.phase = 'after'
      const rest = this.held + this.escape // an escape cut off by the end stays as it was written
      this.held = this.escape = ''
      return rest
    }
    const whole = this.raw
    this.raw = ''
    this.phase = 'after'
    return unwrapWhole(whole)
  }

  private fallback(): string {
    this.phase = 'fallback'
    return ''
  }

  /** Decodes value text from `from`; stops at the closing quote. */
  private value(text: string, from: number): string {
    const out: string[] = []
    let i = from
    while (i < text.length) {
      if (this.escape) {
        i = this.continueEscape(text, i, out)
        continue
      }
      let j = i
      while (j < text.length) {
        const code = text.charCodeAt(j)
        if (code === 34 || code === 92) break
        j++
      }
      if (j > i) out.push(text.slice(i, j))
      if (j === text.length) break
      if (text.charCodeAt(j) === 34) {
        this.phase = 'after'
        break
      }
      this.escape = '\\'
      i = j + 1
    }
    return out.join('')
  }

  private continueEscape(text: string, i: number, out: string[]): number {
    if (this.escape === '\\') {
      const char = text[i]!
      if (char === 'u') {
        this.escape = '\\u'
        return i + 1
      }
      // Not JSON, but not ours to drop either: an unknown escape is kept as written.
      out.push(ESCAPES[char] ?? `\\${char}`)
      this.escape = ''
      return i + 1
    }
    while (i < text.length && this.escape.length < 6 && isHex(text.charCodeAt(i))) this.escape += text[i++]
    if (this.escape.length === 6) {
      out.push(String.fromCharCode(parseInt(this.escape.slice(2), 16)))
      this.escape = ''
    } else if (i < text.length) {
      out.push(this.escape) // `\u12` followed by a non-hex character: kept as written
      this.escape = ''
    }
    return i
  }

  /** Holds back a trailing high surrogate until its pair arrives, so no delta carries half a character. */
  private release(decoded: string): string {
    let text = this.held + decoded
    this.held = ''
    if (this.phase === 'value' && text && isHighSurrogate(text.charCodeAt(text.length - 1))) {
      this.held = text[text.length - 1]!
      text = text.slice(0, -1)
    }
    return text
  }
}

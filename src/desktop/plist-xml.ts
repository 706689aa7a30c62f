/**
 * A small XML property-list reader and writer: enough for Info.plist and
 * entitlements. The reader remembers where each string's text sits so one
 * value can be replaced without touching any other byte of the file.
 */

export type PlistValue = string | number | boolean | Date | Uint8Array | PlistValue[] | { [key: string]: PlistValue }

/** Where a `<string>`'s content sits in the source text (`end` exclusive). */
export interface TextRange { start: number; end: number }

interface Node { value: PlistValue; range?: TextRange; children?: Map<string, Node> | Node[] }

export class PlistError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlistError'
  }
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }

function decodeText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16))
    if (name.startsWith('#')) return String.fromCodePoint(Number.parseInt(name.slice(1), 10))
    return ENTITIES[name] ?? whole
  })
}

export const encodeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

class Reader {
  position = 0
  constructor(readonly source: string) {}

  /** Skips whitespace, comments, the XML declaration and the DOCTYPE. */
  skipMisc(): void {
    for (;;) {
      const rest = /^\s*/.exec(this.source.slice(this.position, this.position + 4096))![0].length
      this.position += rest
      if (this.source.startsWith('<!--', this.position)) this.position = this.after('-->')
      else if (this.source.startsWith('<?', this.position)) this.position = this.after('?>')
      else if (this.source.startsWith('<!DOCTYPE', this.position)) this.position = this.after('>')
      else return
    }
  }

  after(token: string): number {
    const index = this.source.indexOf(token, this.position)
    if (index < 0) throw new PlistError(`unterminated markup: expected "${token}"`)
    return index + token.length
  }

  /** Reads `<name ...>` or `<name/>`; returns the tag name and whether it closed itself. */
  openTag(): { name: string; empty: boolean } {
    this.skipMisc()
    const match = /^<([A-Za-z]+)[^>]*?(\/?)>/.exec(this.source.slice(this.position, this.position + 256))
    if (!match) throw new PlistError(`expected a tag at offset ${this.position}`)
    this.position += match[0].length
    return { name: match[1]!, empty: match[2] === '/' }
  }

  closeTag(name: string): void {
    this.skipMisc()
    const tag = `</${name}>`
    if (!this.source.startsWith(tag, this.position)) throw new PlistError(`expected ${tag} at offset ${this.position}`)
    this.position += tag.length
  }

  peekClose(): boolean {
    this.skipMisc()
    return this.source.startsWith('</', this.position)
  }

  /** Raw text up to the closing tag, with its range. */
  text(name: string): TextRange {
    const start = this.position
    const end = this.source.indexOf(`</${name}>`, start)
    if (end < 0) throw new PlistError(`unterminated <${name}>`)
    this.position = end + name.length + 3
    return { start, end }
  }
}

function readNode(reader: Reader): Node {
  const { name, empty } = reader.openTag()
  switch (name) {
    case 'dict': {
      const children = new Map<string, Node>()
      const value: Record<string, PlistValue> = {}
      if (!empty) {
        while (!reader.peekClose()) {
          const key = reader.openTag()
          if (key.name !== 'key') throw new PlistError(`expected <key> in <dict>, got <${key.name}>`)
          const keyText = key.empty ? '' : decodeText(sliceOf(reader, reader.text('key')))
          const child = readNode(reader)
          children.set(keyText, child)
          value[keyText] = child.value
        }
        reader.closeTag('dict')
      }
      return { value, children }
    }
    case 'array': {
      const children: Node[] = []
      if (!empty) {
        while (!reader.peekClose()) children.push(readNode(reader))
        reader.closeTag('array')
      }
      return { value: children.map((child) => child.value), children }
    }
    case 'string': {
      if (empty) return { value: '' } // <string/> has no text to splice into
      const range = reader.text('string')
      return { value: decodeText(sliceOf(reader, range)), range }
    }
    case 'integer':
    case 'real': {
      const text = empty ? '0' : sliceOf(reader, reader.text(name)).trim()
      const number = Number(text)
      if (!Number.isFinite(number)) throw new PlistError(`<${name}> holds "${text}", not a number`)
      return { value: number }
    }
    case 'true':
    case 'false':
      if (!empty) reader.closeTag(name)
      return { value: name === 'true' }
    case 'date':
      return { value: new Date(empty ? 0 : sliceOf(reader, reader.text('date')).trim()) }
    case 'data':
      return { value: empty ? new Uint8Array() : Uint8Array.from(Buffer.from(sliceOf(reader, reader.text('data')).replace(/\s+/g, ''), 'base64')) }
    default:
      throw new PlistError(`unknown plist element <${name}>`)
  }
}

const sliceOf = (reader: Reader, range: TextRange): string => reader.source.slice(range.start, range.end)

function parseTree(xml: string): Node {
  const reader = new Reader(xml)
  const plist = reader.openTag()
  if (plist.name !== 'plist') throw new PlistError('not an XML property list (no <plist> root)')
  const root = readNode(reader)
  reader.closeTag('plist')
  return root
}

export function parsePlistXml(xml: string): PlistValue {
  return parseTree(xml).value
}

/** The text range of the string at `keyPath` (dictionary keys), or null when there is none. */
export function findStringRange(xml: string, keyPath: readonly string[]): TextRange | null {
  let node: Node | undefined = parseTree(xml)
  for (const key of keyPath) {
    node = node.children instanceof Map ? node.children.get(key) : undefined
    if (!node) return null
  }
  return typeof node.value === 'string' && node.range ? node.range : null
}

/** Replaces one string value in place; every other byte of the file stays as it was. */
export function replaceStringValue(xml: string, keyPath: readonly string[], value: string): string {
  const range = findStringRange(xml, keyPath)
  if (!range) throw new PlistError(`no string at ${keyPath.join(' → ')}`)
  return xml.slice(0, range.start) + encodeText(value) + xml.slice(range.end)
}

function writeValue(value: PlistValue, indent: string): string {
  if (typeof value === 'string') return `${indent}<string>${encodeText(value)}</string>\n`
  if (typeof value === 'boolean') return `${indent}<${value}/>\n`
  if (typeof value === 'number') return Number.isInteger(value) ? `${indent}<integer>${value}</integer>\n` : `${indent}<real>${value}</real>\n`
  if (value instanceof Date) return `${indent}<date>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</date>\n`
  if (value instanceof Uint8Array) return `${indent}<data>${Buffer.from(value).toString('base64')}</data>\n`
  if (Array.isArray(value)) {
    if (value.length === 0) return `${indent}<array/>\n`
    return `${indent}<array>\n${value.map((item) => writeValue(item, `${indent}\t`)).join('')}${indent}</array>\n`
  }
  const entries = Object.entries(value)
  if (entries.length === 0) return `${indent}<dict/>\n`
  return `${indent}<dict>\n${entries.map(([key, item]) => `${indent}\t<key>${encodeText(key)}</key>\n${writeValue(item, `${indent}\t`)}`).join('')}${indent}</dict>\n`
}

/** Apple's XML plist layout (tabs, the standard DOCTYPE). */
export function serializePlistXml(value: PlistValue): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n${writeValue(value, '')}</plist>\n`
}

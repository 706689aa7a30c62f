/**
 * What `plutil -lint` checks for an XML property list, for tests on Linux:
 * the XML is well formed, the root is <plist version="1.0"> with one value,
 * and every <dict> alternates <key> and a value, keys unique. Returns the
 * problems found (empty when the plist is valid).
 */
type Node = { name: string; attributes: Record<string, string>; children: Node[]; text: string }

const SCALARS = new Set(['string', 'integer', 'real', 'date', 'data'])
const EMPTY = new Set(['true', 'false'])

function parseXml(source: string): Node {
  let text = source.replace(/^\uFEFF/, '')
  const prolog = /^\s*<\?xml[^?]*\?>/.exec(text)
  if (!prolog) throw new Error('missing <?xml …?> declaration')
  text = text.slice(prolog[0].length)
  const root: Node = { name: '#document', attributes: {}, children: [], text: '' }
  const stack: Node[] = [root]
  let position = 0
  while (position < text.length) {
    const open = text.indexOf('<', position)
    const chunk = open === -1 ? text.slice(position) : text.slice(position, open)
    if (chunk.trim()) {
      if (stack.length === 1) throw new Error(`text outside the root element: ${JSON.stringify(chunk.trim().slice(0, 20))}`)
      if (/&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(chunk)) throw new Error(`bad entity in ${JSON.stringify(chunk.slice(0, 30))}`)
      stack.at(-1)!.text += chunk
    }
    if (open === -1) break
    if (text.startsWith('<!--', open)) {
      const end = text.indexOf('-->', open + 4)
      if (end === -1) throw new Error('unterminated comment')
      position = end + 3
      continue
    }
    if (text.startsWith('<!DOCTYPE', open)) {
      if (stack.length !== 1 || root.children.length) throw new Error('DOCTYPE after the root element')
      const end = text.indexOf('>', open)
      const doctype = text.slice(open, end + 1)
      if (!doctype.includes('-//Apple//DTD PLIST 1.0//EN')) throw new Error('DOCTYPE is not the Apple plist DTD')
      position = end + 1
      continue
    }
    const end = text.indexOf('>', open)
    if (end === -1) throw new Error('unterminated tag')
    const tag = text.slice(open + 1, end)
    position = end + 1
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim()
      const top = stack.pop()
      if (!top || top === root || top.name !== name) throw new Error(`</${name}> does not close <${top?.name ?? 'nothing'}>`)
      continue
    }
    const selfClosing = tag.endsWith('/')
    const match = /^([A-Za-z_][\w.-]*)((?:\s+[\w:.-]+\s*=\s*"[^"<]*")*)\s*\/?$/.exec(tag)
    if (!match) throw new Error(`malformed tag <${tag}>`)
    const attributes = Object.fromEntries([...match[2]!.matchAll(/([\w:.-]+)\s*=\s*"([^"]*)"/g)].map((pair) => [pair[1]!, pair[2]!]))
    const node: Node = { name: match[1]!, attributes, children: [], text: '' }
    if (stack.length === 1 && root.children.length) throw new Error('more than one root element')
    stack.at(-1)!.children.push(node)
    if (!selfClosing) stack.push(node)
  }
  if (stack.length !== 1) throw new Error(`<${stack.at(-1)!.name}> is never closed`)
  if (root.children.length !== 1) throw new Error('no root element')
  return root.children[0]!
}

function checkValue(node: Node, path: string, problems: string[]): void {
  if (SCALARS.has(node.name)) {
    if (node.children.length) problems.push(`${path}: <${node.name}> holds elements`)
    if (node.name === 'integer' && !/^\s*[+-]?\d+\s*$/.test(node.text)) problems.push(`${path}: <integer> is not a number`)
    return
  }
  if (EMPTY.has(node.name)) {
    if (node.children.length || node.text.trim()) problems.push(`${path}: <${node.name}/> must be empty`)
    return
  }
  if (node.name === 'array') {
    node.children.forEach((child, index) => checkValue(child, `${path}[${index}]`, problems))
    return
  }
  if (node.name === 'dict') {
    const seen = new Set<string>()
    for (let index = 0; index < node.children.length; index += 2) {
      const key = node.children[index]!
      const value = node.children[index + 1]
      if (key.name !== 'key') {
        problems.push(`${path}: expected <key>, found <${key.name}>`)
        return
      }
      if (seen.has(key.text)) problems.push(`${path}: duplicate key ${key.text}`)
      seen.add(key.text)
      if (!value) problems.push(`${path}.${key.text}: key without a value`)
      else if (value.name === 'key') return void problems.push(`${path}.${key.text}: key followed by another key`) // the pairing is lost from here on
      else checkValue(value, `${path}.${key.text}`, problems)
    }
    return
  }
  problems.push(`${path}: <${node.name}> is not a plist element`)
}

export function lintPlist(source: string): string[] {
  let root: Node
  try {
    root = parseXml(source)
  } catch (error) {
    return [`not well-formed: ${(error as Error).message}`]
  }
  if (!/^\s*<\?xml[^?]*\?>\s*<!DOCTYPE plist /.test(source.replace(/<!--[\s\S]*?-->/g, ''))) return ['missing <!DOCTYPE plist …>']
  if (root.name !== 'plist') return [`root element is <${root.name}>, expected <plist>`]
  if (root.attributes.version !== '1.0') return ['<plist> needs version="1.0"']
  if (root.children.length !== 1) return [`<plist> holds ${root.children.length} values, expected 1`]
  const problems: string[] = []
  checkValue(root.children[0]!, 'plist', problems)
  return problems
}

/** The top-level dict as plain data, for asserting on keys. */
export function plistTopDict(source: string): Record<string, unknown> {
  const toValue = (node: Node): unknown => {
    switch (node.name) {
      case 'string':
        return node.text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&')
      case 'integer':
        return Number(node.text)
      case 'true':
        return true
      case 'false':
        return false
      case 'array':
        return node.children.map(toValue)
      case 'dict': {
        const entries: [string, unknown][] = []
        for (let index = 0; index < node.children.length; index += 2) entries.push([node.children[index]!.text, toValue(node.children[index + 1]!)])
        return Object.fromEntries(entries)
      }
      default:
        return node.text
    }
  }
  return toValue(parseXml(source).children[0]!) as Record<string, unknown>
}

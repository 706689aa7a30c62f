import { ShimError } from '../errors.ts'

/** How deep a request body may nest, counted from the body itself (`{"messages":[{"content":…}]}` is 4). */
export const MAX_JSON_DEPTH = 64

/** Path segments shown in the error: enough to find the field, not 100k of them. */
const SHOWN_SEGMENTS = 8

type Frame = { value: unknown; depth: number; key: string | number; parent: Frame | null }

/**
 * Throws a 400 when `value` nests deeper than `limit` levels. Translators,
 * JSON.stringify and structuredClone recurse, so an absurdly deep body would
 * otherwise end as a stack overflow (a 500) after seconds of work.
 * Iterative and stops at the first frame past the limit, so the cost is one
 * pass over the body at most, and nothing for a body that is merely large.
 */
export function assertJsonDepth(value: unknown, options: { limit?: number; numbers?: 'brackets' | 'dots' } = {}): void {
  const limit = options.limit ?? MAX_JSON_DEPTH
  if (typeof value !== 'object' || value === null) return
  const stack: Frame[] = [{ value, depth: 1, key: '', parent: null }]
  while (stack.length) {
    const frame = stack.pop()!
    const node = frame.value
    if (frame.depth > limit) {
      const path = pathOf(frame, options.numbers ?? 'brackets')
      throw new ShimError('bad_request', `Invalid request: ${path}: nested deeper than ${limit} levels; codex-shim accepts at most ${limit} levels of JSON nesting.`, { param: path.replace(/…$/, '') })
    }
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) {
        const child = node[i]
        if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, key: i, parent: frame })
      }
    } else {
      for (const key in node as Record<string, unknown>) {
        const child = (node as Record<string, unknown>)[key]
        if (typeof child === 'object' && child !== null) stack.push({ value: child, depth: frame.depth + 1, key, parent: frame })
      }
    }
  }
}

/** `messages[1].content[0].input.a[0][0]…` (or `messages.1.content.0…` in Anthropic's style), first segments only. */
function pathOf(frame: Frame, numbers: 'brackets' | 'dots'): string {
  const keys: (string | number)[] = []
  for (let at: Frame | null = frame; at?.parent; at = at.parent) keys.push(at.key)
  keys.reverse()
  let out = ''
  for (const key of keys.slice(0, SHOWN_SEGMENTS)) {
    if (typeof key === 'number' && numbers === 'brackets') out += `[${key}]`
    else out += out ? `.${key}` : String(key)
  }
  return keys.length > SHOWN_SEGMENTS ? `${out}…` : out
}

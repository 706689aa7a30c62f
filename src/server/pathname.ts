import { charTable } from './char-table.ts'

/**
 * The path of an absolute request URL when it is plain (letters, digits,
 * `-_.~/`, no dot segments), which is its pathname as URL would give it;
 * null for anything URL must normalise. Every request needs its path, few need
 * the whole parsed URL.
 */
export function plainPathname(href: string): string | null {
  const scheme = href.indexOf('://')
  if (scheme < 0) return null
  const start = href.indexOf('/', scheme + 3)
  if (start < 0) return null
  let end = href.length
  for (let at = start; at < href.length; at++) {
    const code = href.charCodeAt(at)
    if (code === 0x3f || code === 0x23) {
      end = at
      break
    }
    if (!PLAIN_PATH_CHARS[code]) return null
  }
  const path = href.slice(start, end)
  return path.includes('/.') ? null : path
}

const PLAIN_PATH_CHARS = charTable('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~/')

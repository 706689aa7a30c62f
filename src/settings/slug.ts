/**
 * What a model name may be: the one rule for slugs in settings, aliases, the
 * router's name and `discover --prefix`.
 */

const isSlugChar = (char: string) => (char >= 'a' && char <= 'z') || (char >= '0' && char <= '9') || char === '.' || char === '_' || char === '-'

/**
 * Lower-case, safe characters only: what Codex and Cursor accept as a model
 * name. Each run of other characters becomes one "-"; the slug starts with a
 * letter or digit and does not end in "-". Read by hand, not with regular
 * expressions: it runs on the proxy's start, where a process's first
 * `replace` with one costs ~0.15 ms (test/settings/normalize-by-hand.test.ts
 * holds it to the expressions).
 */
export function slugify(value: string): string {
  const lower = value.trim().toLowerCase()
  let slug = ''
  let inRun = false
  for (let index = 0; index < lower.length; index++) {
    const char = lower[index]!
    if (isSlugChar(char)) {
      if (inRun) slug += '-'
      slug += char
      inRun = false
    } else inRun = true
  }
  if (inRun) slug += '-'
  let start = 0
  while (start < slug.length && (slug[start] === '.' || slug[start] === '_' || slug[start] === '-')) start++
  let end = slug.length
  while (end > start && slug[end - 1] === '-') end--
  return slug.slice(start, end) || 'model'
}

/** A name slugify would keep as it is: a letter or digit, then letters, digits, ".", "_" or "-" (by hand, like slugify). */
export function isSlug(name: string): boolean {
  if (!name || name[0] === '.' || name[0] === '_' || name[0] === '-') return false
  for (let index = 0; index < name.length; index++) if (!isSlugChar(name[index]!)) return false
  return true
}

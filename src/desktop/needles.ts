import { readEntry, type AsarArchive } from './asar.ts'

/**
 * The two edits Codex Desktop needs (spec §2.6). Each needle is a pattern over
 * minified JS that ignores the minifier's variable names, must match exactly
 * once in the whole archive, and leaves a comment marker so a patched file is
 * recognised without guessing.
 */
export interface Needle {
  id: 'picker' | 'sidebar'
  label: string
  /** A literal every candidate file contains; files without it are not searched. */
  hint: string
  /** Global regex; the whole match is replaced. */
  pattern: RegExp
  replace(match: RegExpExecArray): string
  marker: string
}

const IDENT = String.raw`[A-Za-z_$][\w$]*`

export const NEEDLES: readonly Needle[] = [
  {
    id: 'picker',
    label: 'model picker allowlist filter (useHiddenModels)',
    hint: 'useHiddenModels',
    // `c.useHiddenModels&&o!==\`amazonBedrock\`` (26.519) or the same test inside a
    // ternary (26.810+); becomes false, so every catalog model with visibility "list" shows.
    pattern: new RegExp(String.raw`(?<![\w$.!])${IDENT}\.useHiddenModels&&(?:!${IDENT}&&)?${IDENT}!==(["'\x60])amazonBedrock\1`, 'g'),
    replace: () => '!1/*codex-shim:picker*/',
    marker: '/*codex-shim:picker*/',
  },
  {
    id: 'sidebar',
    label: 'sidebar recent-threads provider filter (modelProviders:null)',
    hint: 'listRecentThreads',
    // The manager's listRecentThreads builds the `thread/list` params with
    // modelProviders:null (current provider only); [] lists every provider's
    // threads. The RequestClient method of the same name does not go through
    // this.params.requestClient, which keeps the match unique.
    pattern: new RegExp(String.raw`listRecentThreads\(\{[^{}()]*\}\)\{(?:(?!listRecentThreads|modelProviders:)[^]){0,600}?this\.params\.requestClient(?:(?!listRecentThreads|modelProviders:)[^]){0,400}?modelProviders:null`, 'g'),
    replace: (match) => `${match[0].slice(0, -'null'.length)}[]/*codex-shim:sidebar*/`,
    marker: '/*codex-shim:sidebar*/',
  },
]

export interface NeedleMatch { path: string; index: number; text: string; replacement: string; before: string; after: string }

export type NeedleState =
  | { state: 'unpatched'; match: NeedleMatch }
  | { state: 'patched'; path: string }
  | { state: 'missing' }
  | { state: 'ambiguous'; count: number; paths: string[] }

export interface NeedleReport { needle: Needle; result: NeedleState }

const CONTEXT = 60

/** Every match of `needle` in one file's text, with some context on each side. */
export function scanText(needle: Needle, text: string, path = ''): NeedleMatch[] {
  return [...text.matchAll(needle.pattern)].map((match) => {
    const end = match.index + match[0].length
    return {
      path,
      index: match.index,
      text: match[0],
      replacement: needle.replace(match as RegExpExecArray),
      before: text.slice(Math.max(0, match.index - CONTEXT), match.index),
      after: text.slice(end, end + CONTEXT),
    }
  })
}

/** Searches every packed .js file that mentions the needle's hint. */
export function findNeedles(archive: AsarArchive, needles: readonly Needle[] = NEEDLES): { reports: NeedleReport[]; sources: Map<string, string> } {
  // One read per .js file; only files that mention a needle (or carry its marker) are kept.
  const sources = new Map<string, string>()
  const literals = needles.flatMap((needle) => [needle.hint, needle.marker])
  for (const file of archive.files) {
    if (!file.path.endsWith('.js')) continue
    const bytes = readEntry(archive, file.entry)
    if (literals.some((literal) => bytes.includes(literal))) sources.set(file.path, bytes.toString('utf8'))
  }
  const reports = needles.map((needle): NeedleReport => {
    const matches: NeedleMatch[] = []
    const marked: string[] = []
    for (const [path, text] of sources) {
      if (text.includes(needle.marker)) marked.push(path)
      if (text.includes(needle.hint)) matches.push(...scanText(needle, text, path))
    }
    if (matches.length === 1 && marked.length === 0) return { needle, result: { state: 'unpatched', match: matches[0]! } }
    if (matches.length === 0 && marked.length === 1) return { needle, result: { state: 'patched', path: marked[0]! } }
    if (matches.length === 0 && marked.length === 0) return { needle, result: { state: 'missing' } }
    return { needle, result: { state: 'ambiguous', count: matches.length + marked.length, paths: [...new Set([...matches.map((match) => match.path), ...marked])] } }
  })
  return { reports, sources }
}

/** Applies the unpatched needles; returns archive path → new bytes. */
export function applyNeedles(reports: readonly NeedleReport[], sources: ReadonlyMap<string, string>): Map<string, Buffer> {
  const edited = new Map<string, string>()
  // Later matches first within one file, so earlier indexes stay valid.
  const matches = reports.flatMap((report) => (report.result.state === 'unpatched' ? [report.result.match] : [])).sort((a, b) => b.index - a.index)
  for (const match of matches) {
    const text = edited.get(match.path) ?? sources.get(match.path)!
    edited.set(match.path, text.slice(0, match.index) + match.replacement + text.slice(match.index + match.text.length))
  }
  return new Map([...edited].map(([path, text]) => [path, Buffer.from(text, 'utf8')]))
}

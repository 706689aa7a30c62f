import type { UrlCitation } from '../../canonical/types.ts'
import type { ChatAnnotation } from './api.ts'

/** Chat Completions' url_citation: the Responses fields, nested. */
export type ChatCitation = { type: 'url_citation'; url_citation: { url: string; title: string; start_index: number; end_index: number } }

/** A citation's range past this is nonsense (an upstream's 1e300): clamped, as a negative one is to 0. */
const MAX_INDEX = 0x7fffffff

/** An upstream's range index as a whole number from 0 to MAX_INDEX; 0 for anything that is not a number. */
function citationIndex(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.min(MAX_INDEX, Math.floor(value))) : 0
}

/**
 * A Responses url_citation as Chat Completions nests it, its range moved to where its text sits in
 * the content. Other annotation kinds (file citations) have no Chat form.
 */
export function chatCitation(annotation: unknown, offset: number): ChatCitation | null {
  const source = annotation as Partial<UrlCitation> | null
  if (source?.type !== 'url_citation' || typeof source.url !== 'string') return null
  const at = (value: unknown) => offset + citationIndex(value)
  return { type: 'url_citation', url_citation: { url: source.url, title: typeof source.title === 'string' ? source.title : '', start_index: at(source.start_index), end_index: at(source.end_index) } }
}

/** A chat annotation as a Responses url_citation on a message whose text starts at `offset` of the content; null for other kinds. */
export function urlCitation(annotation: ChatAnnotation | null | undefined, offset: number): UrlCitation | null {
  const cited = annotation?.type === 'url_citation' ? annotation.url_citation : undefined
  if (typeof cited?.url !== 'string') return null
  const at = (value: unknown) => Math.max(0, citationIndex(value) - offset)
  return { type: 'url_citation', url: cited.url, title: typeof cited.title === 'string' ? cited.title : '', start_index: at(cited.start_index), end_index: at(cited.end_index) }
}

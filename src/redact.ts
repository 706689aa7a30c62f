/**
 * URLs from settings may carry secrets: `https://user:password@host`, or a
 * key in the query (`?key=`, `?api_key=`, `?token=`, an OAuth `#access_token=`).
 * Anything we print (doctor, list, logs) shows the URL with every userinfo,
 * query value and fragment value replaced by `***`; keys stay, so the user
 * still sees which parameter is set.
 *
 * Works on the text itself, not through `new URL()`, so the rest prints
 * exactly as the user wrote it (no added slash, no re-encoding) and a URL
 * that does not parse is still redacted.
 */

const MASK = '***'

/** `a=1&b&c=3` → `a=***&***&c=***`: a bare word could itself be a key. */
function maskParameters(text: string): string {
  if (!text) return text
  return text
    .split('&')
    .map((part) => {
      if (!part) return part
      const equals = part.indexOf('=')
      return equals === -1 ? MASK : `${part.slice(0, equals)}=${MASK}`
    })
    .join('&')
}

export function redactUrl(url: string): string {
  // scheme://userinfo@ … the userinfo ends at the last "@" before the path.
  const authority = url.match(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)/)
  let out = url
  if (authority) {
    const [whole, scheme, hostPart] = authority as unknown as [string, string, string]
    const at = hostPart.lastIndexOf('@')
    if (at !== -1) out = `${scheme}${MASK}@${hostPart.slice(at + 1)}${url.slice(whole.length)}`
  }
  const hash = out.indexOf('#')
  const fragment = hash === -1 ? null : out.slice(hash + 1)
  const beforeHash = hash === -1 ? out : out.slice(0, hash)
  const question = beforeHash.indexOf('?')
  const base = question === -1 ? beforeHash : beforeHash.slice(0, question)
  const query = question === -1 ? null : beforeHash.slice(question + 1)
  return `${base}${query === null ? '' : `?${maskParameters(query)}`}${fragment === null ? '' : `#${maskParameters(fragment)}`}`
}

/** Redacts every http(s) URL inside free text (a log line, an error message). */
export function redactUrlsIn(text: string): string {
  // Only a userinfo (`@`), a query (`?`) or a fragment (`#`) is ever masked: text with none of
  // them (every request's own line, the start-up line) comes back as it is, without the regular
  // expressions (a process's first costs ~0.1 ms, and the daemon logs a line before its first answer).
  if (!text.includes('://') || !(text.includes('@') || text.includes('?') || text.includes('#'))) return text
  // The scheme in any case: `HTTPS://` is the same URL to every HTTP client.
  return text.replace(/\bhttps?:\/\/[^\s"'<>`]+/gi, (match) => {
    // Sentence punctuation after a URL is not part of it.
    const url = match.replace(/[.,;:!?)\]]+$/, '')
    return redactUrl(url) + match.slice(url.length)
  })
}

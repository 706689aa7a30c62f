/**
 * A JSON.parse failure as a message that quotes nothing of the text: the parser names the word it
 * stopped at (`Unexpected identifier "gsk_…"`), and in a settings file or a request body that word
 * can be a key or part of a prompt. The word becomes where it is, by line and column.
 */
export function describeJsonError(text: string, error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/^JSON Parse error: /, '')
  const quoted = /"([^"]*)"/.exec(message)
  if (!quoted) return message
  const at = quoted[1] ? text.indexOf(quoted[1]) : -1
  const word = message.slice(0, quoted.index).trim() || 'a word'
  if (at < 0) return `${word} (not repeated here)`
  const before = text.slice(0, at)
  const line = before.split('\n').length
  const column = at - before.lastIndexOf('\n')
  return `${word} at line ${line}, column ${column}`
}

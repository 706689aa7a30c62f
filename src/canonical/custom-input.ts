import { parseJson } from '../sse/parse.ts'
import { CUSTOM_INPUT_FIELD } from './flatten-tools.ts'

/** `{"input":"…"}` → the raw text; a model that sent raw text anyway is taken at its word. */
export function unwrapCustomInput(argumentsText: string): string {
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

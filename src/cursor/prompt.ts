import type { ContentPart, ResponsesItem, ResponsesRequest, ToolOutput } from '../canonical/types.ts'
import { compactionText } from '../canonical/compaction.ts'

/**
 * A canonical request as one text prompt for `cursor-agent --print`, which
 * has no system-prompt flag and no message list (spec integrations §1.2):
 * each item becomes a role section, as the original's bridge renders them.
 */

/** Beyond this the oldest turns are left out (cursor-agent reads the prompt from stdin whole). */
export const DEFAULT_MAX_PROMPT_BYTES = 400 * 1024

export const IMAGE_NOTE = '[image omitted: cursor-agent takes a text prompt only]'

export interface PromptOptions {
  maxBytes?: number
}

interface Section {
  label: string
  body: string
  /** Instructions, the newest environment context and the newest user turn are never left out. */
  pinned: boolean
}

function partText(part: ContentPart): string {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return part.text
    case 'refusal':
      return part.refusal
    case 'input_image':
      return IMAGE_NOTE
    case 'input_file':
      return `[file${part.filename ? ` ${part.filename}` : ''} omitted: cursor-agent takes a text prompt only]`
    default: {
      const never: never = part
      return `[${String((never as { type?: unknown }).type)} omitted]`
    }
  }
}

function contentText(content: string | ContentPart[] | ToolOutput): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map(partText).filter(Boolean).join('\n')
}

function itemSection(item: ResponsesItem): Omit<Section, 'pinned'> | null {
  switch (item.type) {
    case 'message': {
      const message = item as Extract<ResponsesItem, { type: 'message' }>
      const body = contentText(message.content)
      return body ? { label: message.role.toUpperCase(), body } : null
    }
    case 'function_call': {
      const call = item as Extract<ResponsesItem, { type: 'function_call' }>
      const name = call.namespace ? `${call.namespace}.${call.name}` : call.name
      return { label: `ASSISTANT TOOL CALL ${name} ${call.call_id}`, body: call.arguments || '{}' }
    }
    case 'custom_tool_call': {
      const call = item as Extract<ResponsesItem, { type: 'custom_tool_call' }>
      return { label: `ASSISTANT TOOL CALL ${call.name} ${call.call_id}`, body: call.input }
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const output = item as { call_id: string; output: ToolOutput }
      return { label: `TOOL RESULT ${output.call_id}`, body: contentText(output.output) || '(empty)' }
    }
    case 'compaction': {
      const summary = compactionText((item as { encrypted_content?: string }).encrypted_content)
      return { label: 'USER', body: summary ?? '[Earlier conversation was compacted by the client; its summary cannot be read here.]' }
    }
    default:
      // Reasoning is the model's own scratch work; web_search_call and the like have no text form.
      return null
  }
}

const isRole = (item: ResponsesItem, roles: string[]) => item.type === 'message' && roles.includes((item as { role?: string }).role ?? '')

function sectionsOf(items: ResponsesItem[], instructions: string | null | undefined): Section[] {
  const lastUser = items.findLastIndex((item) => isRole(item, ['user']) && !contentText((item as { content: string | ContentPart[] }).content).includes('<environment_context>'))
  const lastEnvironment = items.findLastIndex((item) => isRole(item, ['user']) && contentText((item as { content: string | ContentPart[] }).content).includes('<environment_context>'))
  const sections: Section[] = []
  if (instructions) sections.push({ label: 'SYSTEM', body: instructions, pinned: true })
  items.forEach((item, index) => {
    const section = itemSection(item)
    if (section) sections.push({ ...section, pinned: isRole(item, ['system', 'developer']) || index === lastUser || index === lastEnvironment })
  })
  return sections
}

const bytesOf = (text: string) => Buffer.byteLength(text, 'utf8')
const SEPARATOR = '\n\n'
const NOTE_BYTES = 160
const render = (section: Section) => `[${section.label}]\n${section.body}`

/**
 * Joins sections under `maxBytes`: the oldest unpinned sections go first, and
 * the prompt says what was left out; if pinned ones alone are too big, the
 * largest is cut in its middle (a bounded prompt beats a failed run).
 */
function fit(sections: Section[], maxBytes: number): string {
  const sizes = sections.map((section) => bytesOf(render(section)) + SEPARATOR.length)
  let total = sizes.reduce((sum, size) => sum + size, 0)
  const dropped = new Set<number>()
  let droppedBytes = 0
  for (let i = 0; i < sections.length && total > maxBytes; i++) {
    if (sections[i]!.pinned) continue
    if (!dropped.size) total += NOTE_BYTES // the note that says what was cut takes room too
    dropped.add(i)
    total -= sizes[i]!
    droppedBytes += sizes[i]!
  }
  const kept: Section[] = []
  let noted = false
  sections.forEach((section, index) => {
    if (!dropped.has(index)) return void kept.push(section)
    if (noted) return
    noted = true
    kept.push({ label: 'NOTE', body: `codex-shim left out the ${dropped.size} oldest conversation section(s) (${Math.ceil(droppedBytes / 1024)} KB) to keep this prompt under ${Math.floor(maxBytes / 1024)} KB.`, pinned: true })
  })
  let text = kept.map(render).join(SEPARATOR)
  while (bytesOf(text) > maxBytes) {
    const largest = kept.reduce((best, section) => (section.body.length > best.body.length ? section : best))
    const keep = Math.floor(largest.body.length / 4)
    if (keep < 64) break
    largest.body = `${largest.body.slice(0, keep)}\n[… ${largest.body.length - 2 * keep} characters cut by codex-shim …]\n${largest.body.slice(-keep)}`
    text = kept.map(render).join(SEPARATOR)
  }
  return text
}

function itemsOf(request: ResponsesRequest): ResponsesItem[] {
  return typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : request.input
}

/** The whole conversation, for a fresh cursor-agent chat. */
export function renderPrompt(request: ResponsesRequest, options: PromptOptions = {}): string {
  const text = fit(sectionsOf(itemsOf(request), request.instructions), options.maxBytes ?? DEFAULT_MAX_PROMPT_BYTES)
  return text || 'Continue.'
}

/**
 * Only what is new since a turn of `previousItemsCount` items, for a
 * `--resume`d chat that already holds the rest. The previous answer comes
 * back first in the new input (assistant messages and reasoning items that
 * cursor-agent wrote itself): it is skipped, cursor-agent remembers it.
 */
export function renderIncremental(previousItemsCount: number, request: ResponsesRequest, options: PromptOptions = {}): string {
  const items = itemsOf(request).slice(previousItemsCount)
  let start = 0
  while (start < items.length && (items[start]!.type === 'reasoning' || isRole(items[start]!, ['assistant']))) start++
  const text = fit(sectionsOf(items.slice(start), null), options.maxBytes ?? DEFAULT_MAX_PROMPT_BYTES)
  return text || 'Continue.'
}

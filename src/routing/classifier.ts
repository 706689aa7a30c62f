import type { ContentPart, MessageItem, ResponsesItem, ResponsesRequest } from '../canonical/types.ts'
import { parseJson } from '../sse/parse.ts'
import type { RouterCandidate } from './router-settings.ts'

/**
 * The classifier call: one small request asking a cheap model to score each
 * candidate for the task at hand, and a lenient reader for its answer. Pure:
 * no I/O here (router.ts sends it). The candidates' cards go in, their costs
 * never do: the price decides only among models that clear the threshold.
 */

/** What the router reads from a request. */
export interface TaskText {
  /** The latest user turn's text. */
  task: string
  /** Earlier turns, most recent last, bounded (CONTEXT_LIMIT). */
  context: string
  /** The latest user turn carries an image. */
  image: boolean
  /** User messages in the input: a new one starts a new task. */
  userTurns: number
  /** The first user message's text: the thread key for clients that send no thread id. */
  first: string
}

export const CONTEXT_LIMIT = 2_000
const TASK_LIMIT = 8_000

// Codex sends its environment and AGENTS.md as user messages (spec/codex-wire.md §b.3): context, not the task.
const INJECTED = /^\s*(<environment_context>|<user_instructions>|# AGENTS\.md instructions|<INSTRUCTIONS>)/

function isUserMessage(item: ResponsesItem): item is MessageItem {
  const message = item as Partial<MessageItem>
  return (item.type === 'message' || item.type === undefined) && message.role === 'user' && message.content !== undefined
}

function isAssistantMessage(item: ResponsesItem): item is MessageItem {
  const message = item as Partial<MessageItem>
  return (item.type === 'message' || item.type === undefined) && message.role === 'assistant' && message.content !== undefined
}

function contentText(content: MessageItem['content']): string {
  if (typeof content === 'string') return content
  return content
    .map((part: ContentPart) => (part.type === 'input_text' || part.type === 'output_text' ? part.text : ''))
    // Codex wraps each image in `<image name=[Image #1] …>` … `</image>` text parts.
    .filter((text) => text && !/^\s*<\/?image\b[^>]*>\s*$/.test(text))
    .join('\n')
    .trim()
}

function hasImage(content: MessageItem['content']): boolean {
  return typeof content !== 'string' && content.some((part) => part.type === 'input_image')
}

/** The task, its earlier context, and whether it carries an image. */
export function readTask(request: ResponsesRequest): TaskText {
  const items: ResponsesItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : (request.input ?? [])
  const users = items.filter(isUserMessage)
  const real = users.filter((item) => !INJECTED.test(contentText(item.content)))
  const latest = real.at(-1) ?? users.at(-1)
  const earlier: string[] = []
  for (const item of items) {
    if (item === latest) break
    if (isUserMessage(item) && !INJECTED.test(contentText(item.content))) earlier.push(`user: ${contentText(item.content)}`)
    else if (isAssistantMessage(item)) earlier.push(`assistant: ${contentText(item.content)}`)
  }
  const context = earlier.join('\n')
  return {
    task: latest ? contentText(latest.content).slice(0, TASK_LIMIT) : '',
    // The most recent context matters most: keep the end.
    context: context.length > CONTEXT_LIMIT ? `…${context.slice(-(CONTEXT_LIMIT - 1))}` : context,
    image: latest ? hasImage(latest.content) : false,
    userTurns: users.length,
    first: (real[0] ?? users[0]) ? contentText((real[0] ?? users[0])!.content) : '',
  }
}

const INSTRUCTIONS = [
  'You route coding tasks to models. For each candidate model below, rate from 0 to 1 how likely it is to complete the task well on its own.',
  'Judge only from the task and the model descriptions. Answer with JSON only, no prose:',
  '{"scores": {"<slug>": <number 0-1>, …}} with one entry per candidate slug.',
].join('\n')

/** The classifier's request: the task, bounded context, and the candidates' cards (never their costs). */
export function buildClassifierRequest(task: Pick<TaskText, 'task' | 'context' | 'image'>, candidates: readonly RouterCandidate[], classifierSlug: string): ResponsesRequest {
  const cards = candidates.map((candidate) => `- ${candidate.slug}: ${candidate.card.replace(/\s+/g, ' ').trim() || '(no description)'}`).join('\n')
  const text = [
    'Candidates:',
    cards,
    '',
    ...(task.context ? ['Earlier in the conversation (summary):', task.context, ''] : []),
    `Task${task.image ? ' (includes an image)' : ''}:`,
    task.task || '(empty)',
  ].join('\n')
  return {
    model: classifierSlug,
    instructions: INSTRUCTIONS,
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
    stream: true,
    store: false,
    max_output_tokens: 300,
  }
}

/** Every balanced `{…}` in the text, outermost first, in order. */
function jsonObjects(text: string): string[] {
  const found: string[] = []
  for (let start = text.indexOf('{'); start !== -1; start = text.indexOf('{', start + 1)) {
    let depth = 0
    let inString = false
    for (let i = start; i < text.length; i++) {
      const char = text[i]
      if (inString) {
        if (char === '\\') i++
        else if (char === '"') inString = false
      } else if (char === '"') inString = true
      else if (char === '{') depth++
      else if (char === '}' && --depth === 0) {
        found.push(text.slice(start, i + 1))
        break
      }
    }
  }
  return found
}

function toScore(value: unknown): number | null {
  const number = typeof value === 'number' ? value : typeof value === 'string' && value.trim() ? Number(value) : NaN
  return Number.isFinite(number) ? Math.min(1, Math.max(0, number)) : null
}

/**
 * The classifier's scores, read leniently: fenced JSON, JSON inside prose,
 * `{"scores": {…}}` or a bare `{slug: score}` object. Scores are clamped to
 * [0, 1]; unknown slugs are ignored. Null when no candidate got a score.
 */
export function parseScores(text: string, candidates: readonly Pick<RouterCandidate, 'slug'>[]): Record<string, number> | null {
  const slugs = new Set(candidates.map((candidate) => candidate.slug))
  const fenced = [...text.matchAll(/```(?:json)?\s*([\s\S]*?)```/gi)].map((match) => match[1]!)
  for (const source of [...fenced, text]) {
    for (const candidate of jsonObjects(source)) {
      const parsed = parseJson(candidate)
      if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object') continue
      const object = parsed.value as Record<string, unknown>
      const table = object.scores && typeof object.scores === 'object' ? (object.scores as Record<string, unknown>) : object
      const scores: Record<string, number> = {}
      for (const [slug, value] of Object.entries(table)) {
        const score = slugs.has(slug) ? toScore(value) : null
        if (score !== null) scores[slug] = score
      }
      if (Object.keys(scores).length) return scores
    }
  }
  return null
}

/**
 * A fake classifier: a Chat Completions upstream (the chat fake's validation
 * included) that reads the router's prompt the way a model would: the
 * candidates and their cards, then the task. It scores by keywords in the
 * task, and misbehaves on cue, also by keyword:
 *   "typo", "rename"               → the fast candidate high, the frontier one lower
 *   "refactor", "debug across"     → the fast candidate low, the frontier one high
 *   "hang"                         → never answers (the router must time out)
 *   "explode"                      → HTTP 500
 *   "slow"                         → answers, one small chunk at a time with pauses
 *   "garbage"                      → prose with no JSON
 *   "fenced"                       → JSON in a ```json fence with prose around it
 *   "overscore"                    → scores outside [0, 1] and an unknown slug
 */
import { startFakeChatUpstream, stream, textReply, type FakeChatUpstream, type Json } from './chat-upstream.ts'

export interface RouterPrompt {
  candidates: { slug: string; card: string }[]
  task: string
  /** Everything the classifier was sent, for assertions (no prices, bounded context). */
  text: string
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content
  return Array.isArray(content) ? content.map((part: Json) => (part.type === 'text' ? part.text : '')).join('\n') : ''
}

/** The candidates (`- slug: card` lines) and the task (after the `Task…:` line) from the router's prompt. */
export function readRouterPrompt(body: Json): RouterPrompt {
  const text = (body.messages as Json[]).map((message) => messageText(message.content)).join('\n')
  const listed = text.match(/Candidates:\n((?:- .+\n?)+)/)?.[1] ?? ''
  const candidates = listed
    .split('\n')
    .filter(Boolean)
    .map((line) => line.match(/^- ([^:]+): (.*)$/))
    .filter((match): match is RegExpMatchArray => Boolean(match))
    .map((match) => ({ slug: match[1]!, card: match[2]! }))
  const task = text.match(/\nTask[^\n]*:\n([\s\S]*)$/)?.[1] ?? ''
  return { candidates, task, text }
}

const FAST = /\b(fast|small|single-file|cheap)\b/i
const FRONTIER = /\b(frontier|hard|multi-file|strong)\b/i

/** Scores a model would plausibly give: by the task's keywords and each card's wording. */
export function scoreByKeywords(prompt: RouterPrompt): Record<string, number> {
  const simple = /\b(typo|rename)\b/i.test(prompt.task)
  const hard = /\brefactor|debug across\b/i.test(prompt.task)
  const scores: Record<string, number> = {}
  for (const candidate of prompt.candidates) {
    const fast = FAST.test(candidate.card)
    const frontier = FRONTIER.test(candidate.card)
    scores[candidate.slug] = hard ? (frontier ? 0.9 : 0.2) : simple ? (fast ? 0.9 : 0.6) : 0.5
  }
  return scores
}

/** The classifier fake; `requests` records what the router sent. */
export function startClassifierUpstream(): FakeChatUpstream {
  return startFakeChatUpstream((body) => {
    const prompt = readRouterPrompt(body)
    const task = prompt.task
    if (/\bhang\b/i.test(task)) return { kind: 'hang' }
    if (/\bexplode\b/i.test(task)) return { kind: 'error', status: 500, body: { error: { message: 'The server had an error while processing your request.', type: 'server_error' } } }
    if (/\bgarbage\b/i.test(task)) return stream(textReply('Honestly, I would probably pick the first one. Hard to say!'))
    const scores = scoreByKeywords(prompt)
    if (/\boverscore\b/i.test(task)) {
      const [first, second] = prompt.candidates
      return stream(textReply(JSON.stringify({ scores: { ...(first && { [first.slug]: 1.7 }), ...(second && { [second.slug]: -0.4 }), 'ghost-model': 0.99 } })))
    }
    const json = JSON.stringify({ scores })
    if (/\bfenced\b/i.test(task)) return stream(textReply(`Here is my assessment:\n\`\`\`json\n${json}\n\`\`\`\nLet me know.`))
    if (/\bslow\b/i.test(task)) return stream(textReply(json, { size: 3 }), { delayMs: 5 })
    return stream(textReply(json))
  })
}

/**
 * cursor-agent's own tool calls, as text for a reasoning summary. These tools
 * already ran inside cursor-agent (spec integrations §1.8), so Codex must see
 * them as narration, never as function calls it would run again.
 */

/** Results are cut here (the henry701 fork uses the same bound). */
export const MAX_RESULT_CHARS = 4096
const MAX_ARGUMENT_CHARS = 300

export interface CursorToolCall {
  /** `shell`, `read`, `edit`, … from the `<kind>ToolCall` key; a generic call's own name. */
  kind: string
  args: Record<string, unknown>
  /** `result` once completed: `{success:{…}}`, otherwise an error-shaped object. */
  result?: unknown
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

/** `tool_call: {shellToolCall: {args, result}}` or `tool_call: {function: {name, arguments}}`. */
export function readToolCall(toolCall: unknown): CursorToolCall {
  if (!isRecord(toolCall)) return { kind: 'tool', args: {} }
  for (const [key, value] of Object.entries(toolCall)) {
    if (!key.endsWith('ToolCall') || !isRecord(value)) continue
    return { kind: key.slice(0, -'ToolCall'.length) || 'tool', args: isRecord(value.args) ? value.args : {}, result: value.result }
  }
  const generic = toolCall.function
  if (isRecord(generic)) {
    let args: Record<string, unknown> = {}
    if (isRecord(generic.arguments)) args = generic.arguments
    else if (typeof generic.arguments === 'string') args = { arguments: generic.arguments }
    return { kind: typeof generic.name === 'string' && generic.name ? generic.name : 'tool', args, result: toolCall.result ?? generic.result }
  }
  return { kind: 'tool', args: {} }
}

function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… [${text.length - limit} more characters]`
}

/** Inline code that survives backticks inside it (CommonMark: a longer fence). */
function code(text: string): string {
  const flat = truncate(text.replace(/\s*\n\s*/g, ' '), MAX_ARGUMENT_CHARS)
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  return longest ? `${fence} ${flat} ${fence}` : `${fence}${flat}${fence}`
}

function block(text: string): string {
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(longest + 1)
  return `${fence}\n${text.endsWith('\n') ? text : `${text}\n`}${fence}\n`
}

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

/** What the call works on: the command, the path, the pattern. */
function target(call: CursorToolCall): string {
  const { args } = call
  switch (call.kind) {
    case 'shell': {
      const where = text(args.workingDirectory)
      return `${code(text(args.command))}${where ? ` in ${code(where)}` : ''}`
    }
    case 'grep':
      return [args.pattern, args.path].filter((part) => typeof part === 'string' && part).map((part) => code(part as string)).join(' in ')
    case 'glob':
      return [args.globPattern, args.targetDirectory].filter((part) => typeof part === 'string' && part).map((part) => code(part as string)).join(' in ')
    default: {
      for (const key of ['path', 'command', 'pattern', 'query', 'url', 'directory']) if (text(args[key])) return code(text(args[key]))
      const rest = Object.keys(args).length ? JSON.stringify(args) : ''
      return rest ? code(rest) : ''
    }
  }
}

/** The opening line of the summary, written when the call starts. */
export function describeToolStart(call: CursorToolCall): string {
  const what = target(call)
  return `**cursor-agent · ${call.kind}**${what ? ` ${what}` : ''}\n`
}

function successText(call: CursorToolCall, success: Record<string, unknown>): string {
  switch (call.kind) {
    case 'shell': {
      const parts = [`exit code ${String(success.exitCode ?? '?')}`]
      const out = text(success.stdout)
      const err = text(success.stderr)
      const room = Math.max(0, MAX_RESULT_CHARS - 100)
      if (out) parts.push(block(truncate(out, room)))
      if (err) parts.push(`stderr:\n${block(truncate(err, Math.max(200, room - out.length)))}`)
      return parts.join('\n')
    }
    case 'read': {
      const lines = typeof success.totalLines === 'number' ? `${success.totalLines} line${success.totalLines === 1 ? '' : 's'}` : 'read'
      const cut = success.exceededLimit === true ? ' (cut at the read limit)' : ''
      return `${lines}${cut}`
    }
    case 'write':
      return [typeof success.linesCreated === 'number' && `${success.linesCreated} lines written`, typeof success.fileSize === 'number' && `${success.fileSize} bytes`].filter(Boolean).join(', ') || 'written'
    case 'edit': {
      const counts = [typeof success.linesAdded === 'number' && `+${success.linesAdded}`, typeof success.linesRemoved === 'number' && `-${success.linesRemoved}`].filter(Boolean).join(' ')
      const diff = text(success.diffString)
      return `${counts || 'edited'}${diff ? `\n${block(truncate(diff, MAX_RESULT_CHARS))}` : ''}`
    }
    default: {
      const body = JSON.stringify(success)
      return body && body !== '{}' ? block(truncate(body, MAX_RESULT_CHARS)) : 'done'
    }
  }
}

function errorText(result: unknown): string {
  const error = isRecord(result) && 'error' in result ? result.error : result
  const message = isRecord(error) ? (text(error.errorMessage) || text(error.message) || JSON.stringify(error)) : typeof error === 'string' ? error : JSON.stringify(error ?? null)
  return `**Error:** ${truncate(message, MAX_RESULT_CHARS)}\n`
}

/** The result part of the summary, written when the call completes. */
export function describeToolResult(call: CursorToolCall): string {
  const result = call.result
  if (result === undefined) return '_(no result reported)_\n'
  if (isRecord(result) && isRecord(result.success)) {
    const body = successText(call, result.success)
    return `\n${body.endsWith('\n') ? body : `${body}\n`}`
  }
  return `\n${errorText(result)}`
}

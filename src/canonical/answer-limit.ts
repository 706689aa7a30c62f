import type { ResponseError } from './types.ts'

/** What one translated answer may hold in memory (text, arguments, items) before it is cut off. */
export const DEFAULT_MAX_ANSWER_BYTES = 64 * 1024 * 1024

/** The `response.failed` code for an answer past the cap; each client dialect renders it as its error event. */
export const ANSWER_TOO_LARGE_CODE = 'max_answer_bytes_exceeded'

/** `CODEX_SHIM_MAX_ANSWER_BYTES` when it is a positive number, else the default. */
export function maxAnswerBytes(env: Record<string, string | undefined> = process.env): number {
  const configured = Number(env.CODEX_SHIM_MAX_ANSWER_BYTES)
  return Number.isFinite(configured) && configured > 0 ? Math.floor(configured) : DEFAULT_MAX_ANSWER_BYTES
}

function size(limit: number): string {
  return limit >= 1024 * 1024 ? `${Math.round((limit / 1024 / 1024) * 10) / 10} MiB` : limit >= 1024 ? `${Math.round((limit / 1024) * 10) / 10} KiB` : `${limit} bytes`
}

/**
 * A hostile or runaway upstream can stream without end; the answer object
 * (`response.completed`, a non-streamed body) holds everything, so past the
 * cap the answer fails instead of growing the process without bound.
 */
export function answerTooLarge(limit: number): ResponseError {
  return {
    code: ANSWER_TOO_LARGE_CODE,
    message: `The upstream's answer exceeded the ${size(limit)} that codex-shim holds for one answer (CODEX_SHIM_MAX_ANSWER_BYTES); raise it if this answer is expected.`,
  }
}

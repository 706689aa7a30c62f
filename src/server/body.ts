import { ShimError } from '../errors.ts'

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

export function maxBodyBytes(): number {
  const configured = Number(process.env.CODEX_SHIM_MAX_BODY_BYTES)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_BODY_BYTES
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads a JSON request body with a size limit. Accepts `content-encoding: zstd`
 * (the built-in ChatGPT provider compresses; custom providers do not, but it
 * costs nothing to accept) and rejects non-UTF-8 bytes with a 400.
 */
export async function readJsonBody(request: Request, limit = maxBodyBytes()): Promise<unknown> {
  return (await readBody(request, limit)).json
}

/** The parsed body and its text (for passthrough routes that forward the original bytes). */
export async function readBody(request: Request, limit = maxBodyBytes()): Promise<{ json: unknown; text: string }> {
  const declared = Number(request.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit)
  let bytes: Uint8Array = new Uint8Array(await request.arrayBuffer())
  if (bytes.byteLength > limit) throw tooLarge(limit)
  const encoding = request.headers.get('content-encoding')?.trim().toLowerCase()
  if (encoding === 'zstd') {
    try {
      bytes = Bun.zstdDecompressSync(bytes)
    } catch {
      throw new ShimError('bad_request', 'The body says content-encoding: zstd but does not decompress.')
    }
    if (bytes.byteLength > limit) throw tooLarge(limit)
  } else if (encoding && encoding !== 'identity') {
    throw new ShimError('unsupported_media_type', `Unsupported content-encoding "${encoding}"; send identity or zstd.`)
  }
  let text: string
  try {
    text = utf8.decode(bytes)
  } catch {
    throw new ShimError('bad_request', 'The request body is not valid UTF-8.')
  }
  if (!text.trim()) throw new ShimError('bad_request', 'The request body is empty; expected a JSON object.')
  try {
    return { json: JSON.parse(text), text }
  } catch (error) {
    const detail = error instanceof Error ? error.message : 'parse error'
    throw new ShimError('bad_request', `The request body is not valid JSON (${detail}).`)
  }
}

function tooLarge(limit: number): ShimError {
  return new ShimError('payload_too_large', `The request body exceeds ${Math.round(limit / 1024 / 1024)} MiB. Raise CODEX_SHIM_MAX_BODY_BYTES if this is intended.`)
}

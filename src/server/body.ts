import { ShimError } from '../errors.ts'
import { describeJsonError } from '../json-error.ts'

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024

export function maxBodyBytes(): number {
  const configured = Number(process.env.CODEX_SHIM_MAX_BODY_BYTES)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_BODY_BYTES
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** `content-encoding` values we decode, as DecompressionStream names them. */
const DECODERS = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  zstd: 'zstd',
} as const satisfies Record<string, string>

type Decoder = (typeof DECODERS)[keyof typeof DECODERS]

/**
 * A JSON request body, parsed, and its text (fast paths forward the original
 * bytes), read with a size limit. Accepts `content-encoding` zstd (the
 * built-in ChatGPT provider compresses), gzip and deflate, and rejects
 * non-UTF-8 bytes with a 400.
 */
export async function readBody(request: Request, limit = maxBodyBytes()): Promise<{ json: unknown; text: string; bytes: number }> {
  const declared = request.headers.get('content-length')
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit)
  const decoder = decoderFor(request.headers.get('content-encoding'))
  // The common case (identity, with a length Bun has already checked) is one native read;
  // a chunked body is counted as it arrives, and a compressed one is inflated as a stream
  // that stops at the limit: a small bomb must not inflate in full before it is measured.
  const bytes = decoder || declared === null ? await readCounted(request, limit, decoder) : await readWhole(request, limit)
  const text = await utf8Text(bytes)
  if (!text.trim()) throw new ShimError('bad_request', 'The request body is empty; expected a JSON object.')
  try {
    // `bytes`, the body's UTF-8 size after any decompression: the ledger's estimates count ~4 bytes a
    // token, where the text's length would count a CJK prompt's characters (a third of its bytes).
    return { json: JSON.parse(text), text, bytes: bytes.byteLength }
  } catch (error) {
    throw new ShimError('bad_request', `The request body is not valid JSON (${describeJsonError(text, error)}).`)
  }
}

/**
 * Bun makes a string of a body's bytes ~3× faster through a Response than through TextDecoder once
 * the body is a few KB (65 KB: 14 against 47 µs; 300 KB: 65 against 230 µs; a Codex turn is tens to
 * hundreds of KB), and a little slower below that, where a Response's own cost shows. The Response
 * would replace bad bytes rather than refuse them, so they are checked first (simdutf, ~1 µs per
 * 65 KB). Both drop a leading byte-order mark. `isUtf8` loads with the first large body: node:buffer
 * stays off the start path.
 */
const RESPONSE_DECODE_FROM = 4096
let isUtf8: ((bytes: Uint8Array) => boolean) | undefined

async function utf8Text(bytes: Uint8Array): Promise<string> {
  if (bytes.byteLength < RESPONSE_DECODE_FROM) {
    try {
      return utf8.decode(bytes)
    } catch {
      throw notUtf8()
    }
  }
  isUtf8 ??= (await import('node:buffer')).isUtf8
  if (!isUtf8(bytes)) throw notUtf8()
  return new Response(bytes).text()
}

const notUtf8 = () => new ShimError('bad_request', 'The request body is not valid UTF-8.')

function decoderFor(header: string | null): Decoder | null {
  const encoding = header?.trim().toLowerCase()
  if (!encoding || encoding === 'identity') return null
  if (Object.hasOwn(DECODERS, encoding)) return DECODERS[encoding as keyof typeof DECODERS]
  throw new ShimError('unsupported_media_type', `Unsupported content-encoding "${encoding}"; send identity, gzip, deflate or zstd.`)
}

async function readWhole(request: Request, limit: number): Promise<Uint8Array> {
  try {
    return new Uint8Array(await request.arrayBuffer())
  } catch (error) {
    throw inputError(error, limit)
  }
}

/** The body, decoded if `decoder` says so, read chunk by chunk and abandoned once past `limit`. */
async function readCounted(request: Request, limit: number, decoder: Decoder | null): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array()
  const failure: { input?: unknown } = {}
  const source: ReadableStream<Uint8Array> = decoder ? trackInput(request.body, failure).pipeThrough(new DecompressionStream(decoder) as unknown as TransformStream<Uint8Array, Uint8Array>) : request.body
  const reader = source.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    let result: Awaited<ReturnType<typeof reader.read>>
    try {
      result = await reader.read()
    } catch (error) {
      if (!decoder || 'input' in failure) throw inputError(failure.input ?? error, limit)
      throw new ShimError('bad_request', `The body says content-encoding: ${request.headers.get('content-encoding')?.trim()} but does not decompress.`)
    }
    if (result.done) break
    size += result.value.byteLength
    if (size > limit) {
      reader.cancel().catch(() => {})
      throw tooLarge(limit)
    }
    chunks.push(result.value)
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/** The request body as it comes, noting a failure of the connection itself (not of the decoder). */
function trackInput(body: ReadableStream<Uint8Array>, failure: { input?: unknown }): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { value, done } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (error) {
        failure.input = error
        controller.error(error)
      }
    },
    cancel: (reason) => reader.cancel(reason),
  })
}

/** A failure while the client was still sending: over Bun's own size limit, or the upload stopped. */
function inputError(error: unknown, limit: number): ShimError {
  if (error instanceof ShimError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (/maxRequestBodySize/i.test(message)) return tooLarge(limit)
  return new ShimError('bad_request', 'The client stopped sending the request body before it was complete (the upload was cut off or timed out).', { status: 408, code: 'request_body_incomplete' })
}

function tooLarge(limit: number): ShimError {
  const size = limit >= 1024 * 1024 ? `${Math.round(limit / 1024 / 1024)} MiB` : `${limit} bytes`
  return new ShimError('payload_too_large', `The request body exceeds ${size} (after decompression). Raise CODEX_SHIM_MAX_BODY_BYTES if this is intended.`, { code: 'request_too_large' })
}

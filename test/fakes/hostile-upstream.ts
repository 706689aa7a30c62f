/**
 * A deliberately hostile upstream: it answers with whatever the test scripts
 * (a redirect, an error page that quotes our request headers, a compression
 * bomb) and records every request it got, headers included, so a test can
 * prove what reached it and what did not.
 */

export interface RecordedRequest {
  method: string
  path: string
  headers: Record<string, string>
}

export type HostileAnswer = (request: Request, url: URL) => Response | Promise<Response>

export function startHostileUpstream(answer: HostileAnswer) {
  const requests: RecordedRequest[] = []
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      requests.push({ method: request.method, path: url.pathname + url.search, headers: Object.fromEntries(request.headers) })
      // A real API reads the body before answering; so does this one.
      if (request.body) await request.arrayBuffer()
      return answer(request, url)
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, host: `127.0.0.1:${server.port}`, requests, stop: () => server.stop(true) }
}

/** Every header of the request as text, the way a verbose error page quotes it. */
export function quoteHeaders(request: Request): string {
  return [...request.headers].map(([name, value]) => `${name}: ${value}`).join('; ')
}

/**
 * `bytes` zeros compressed as one stream, built chunk by chunk (the inflated
 * size is never in memory): a bomb whose compressed size is about 1/1000th.
 */
export async function compressedZeros(format: 'gzip' | 'deflate', bytes: number): Promise<Uint8Array> {
  const block = new Uint8Array(1024 * 1024)
  let left = bytes
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left <= 0) return controller.close()
      const size = Math.min(left, block.length)
      left -= size
      controller.enqueue(block.subarray(0, size))
    },
  })
  return new Uint8Array(await new Response(source.pipeThrough(new CompressionStream(format) as unknown as TransformStream<Uint8Array, Uint8Array>)).arrayBuffer())
}

/** A body that hands out `bytes` in `chunkSize` pieces and counts how many were asked for. */
export function countedBody(bytes: Uint8Array, chunkSize: number) {
  let offset = 0
  const counter = { pulled: 0, total: Math.ceil(bytes.length / chunkSize) }
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) return controller.close()
      counter.pulled++
      controller.enqueue(bytes.slice(offset, offset + chunkSize))
      offset += chunkSize
    },
  })
  return { body, counter }
}

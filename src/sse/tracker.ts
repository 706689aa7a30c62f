/**
 * What the server wants to know about a streamed answer as it is sent: its
 * bytes, its first token, and its end (or the client's leaving). A stream that
 * reports these itself is marked, so the server does not wrap it in another
 * stream layer just to count (one stream, one pull per chunk, not two).
 */
export interface StreamTracker {
  /**
   * `size` bytes went to the client. `firstToken` is true on the bytes that hold the answer's first
   * token (text, reasoning, a tool call), for the time to it: an error event or a stream's preamble
   * holds none. A producer that cannot tell leaves it out, and its first bytes count.
   */
  chunk(size: number, firstToken?: boolean): void
  /** The answer ended; `outcome` says why when it was not a normal end (`client-closed`). */
  end(outcome?: string): void
}

const tracked = new WeakSet<ReadableStream<Uint8Array>>()

/** Marks a body whose producer reports to its tracker. */
export function markTracked(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  tracked.add(body)
  return body
}

export function isTracked(body: ReadableStream<Uint8Array>): boolean {
  return tracked.has(body)
}

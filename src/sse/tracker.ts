/**
 * What the server wants to know about a streamed answer as it is sent: its
 * bytes, its first byte, and its end (or the client's leaving). A stream that
 * reports these itself is marked, so the server does not wrap it in another
 * stream layer just to count (one stream, one pull per chunk, not two).
 */
export interface StreamTracker {
  /** `size` bytes went to the client. */
  chunk(size: number): void
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

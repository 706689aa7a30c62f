// Bun's native hasher rather than node:crypto: importing node:crypto costs a proxy 2.5–3.5 ms
// the first time (measured in the compiled binary), and these run on the request path.

/** SHA-256 of text or bytes, as hex (the one-shot hasher: no hasher object per call). */
export function sha256Hex(data: string | Uint8Array): string {
  return Bun.SHA256.hash(data, 'hex')
}

/** An incremental SHA-256, for a digest built from many parts. */
export function sha256(): Bun.CryptoHasher {
  return new Bun.CryptoHasher('sha256')
}

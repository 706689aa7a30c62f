/**
 * An estimate of a Messages request's input tokens, for `count_tokens` (Claude Code sizes its
 * context with it, and compacts or stops by it). About four characters per token for text, JSON
 * and tools; media by what Anthropic charges for them, not by their base64, which would make one
 * screenshot a "200,000-token" prompt.
 */

const CHARS_PER_TOKEN = 4
/** Anthropic scales an image to at most 1568 px on its long edge and charges width × height / 750: about 1,600 at most. */
const MAX_IMAGE_TOKENS = 1600
const LONG_EDGE = 1568
/** Per PDF page: its text and its image, "typically 1,500–3,000 tokens" by Anthropic's account; the middle of that. */
const TOKENS_PER_PAGE = 2250

type Block = Record<string, unknown> & { type?: unknown }

export function estimateInputTokens(request: { system?: unknown; messages?: unknown; tools?: unknown }): number {
  let tokens = request.tools === undefined ? 0 : textTokens(JSON.stringify(request.tools))
  tokens += contentTokens(request.system)
  for (const message of Array.isArray(request.messages) ? request.messages : []) tokens += contentTokens((message as { content?: unknown })?.content) + 3
  return tokens
}

function textTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN)
}

function contentTokens(content: unknown): number {
  if (typeof content === 'string') return textTokens(content)
  if (!Array.isArray(content)) return 0
  let tokens = 0
  for (const block of content as Block[]) tokens += blockTokens(block)
  return tokens
}

function blockTokens(block: Block): number {
  switch (block?.type) {
    case 'image':
      return imageTokens(block.source)
    case 'document':
      return documentTokens(block.source)
    case 'tool_result':
      return contentTokens(block.content) + 10
    case 'thinking':
      return textTokens(String(block.thinking ?? ''))
    default: {
      // Text, tool calls, search results: their JSON, less a base64 payload where one rides along.
      const { source: _source, signature: _signature, cache_control: _cache, ...rest } = block ?? {}
      return textTokens(JSON.stringify(rest))
    }
  }
}

function base64Of(source: unknown): string | null {
  const data = (source as { type?: unknown; data?: unknown } | null)?.data
  return (source as { type?: unknown })?.type === 'base64' && typeof data === 'string' ? data : null
}

function imageTokens(source: unknown): number {
  const data = base64Of(source)
  const size = data ? imageSize(Buffer.from(data.slice(0, 64 * 1024), 'base64')) : null
  if (!size) return MAX_IMAGE_TOKENS
  const scale = Math.min(1, LONG_EDGE / Math.max(size.width, size.height))
  return Math.min(MAX_IMAGE_TOKENS, Math.ceil((size.width * scale * size.height * scale) / 750))
}

/** A PNG's, GIF's or JPEG's pixel size from its first bytes; null for anything else. */
export function imageSize(bytes: Uint8Array): { width: number; height: number } | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.length >= 24 && view.getUint32(0) === 0x89504e47) return { width: view.getUint32(16), height: view.getUint32(20) }
  if (bytes.length >= 10 && bytes[0] === 0x47 && bytes[1] === 0x49 && bytes[2] === 0x46) return { width: view.getUint16(6, true), height: view.getUint16(8, true) }
  if (bytes.length >= 4 && view.getUint16(0) === 0xffd8) {
    // JPEG: walk the segments to the first start-of-frame, which holds the size.
    for (let at = 2; at + 9 < bytes.length; ) {
      if (bytes[at] !== 0xff) return null
      const marker = bytes[at + 1]!
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) }
      at += 2 + view.getUint16(at + 2)
    }
  }
  return null
}

function documentTokens(source: unknown): number {
  const data = base64Of(source)
  if (data) {
    const pdf = Buffer.from(data, 'base64').toString('latin1')
    const pages = pdf.match(/\/Type\s*\/Page(?![s\w])/g)?.length ?? 0
    return pages ? pages * TOKENS_PER_PAGE : textTokens(pdf)
  }
  // Text and content documents are their text; a URL or file id is not read here.
  return textTokens(JSON.stringify(source ?? ''))
}

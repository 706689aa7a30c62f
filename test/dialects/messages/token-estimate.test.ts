import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import { estimateInputTokens, imageSize } from '../../../src/dialects/messages/token-estimate.ts'
import { startFakeChatUpstream, stream, textReply } from '../../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../../support/shim.ts'

/**
 * count_tokens counted an image's base64 as text: one 600 KB screenshot came to ~200,000
 * tokens, where Anthropic charges at most ~1,600, and Claude Code compacted or stopped by it.
 */
function png(width: number, height: number, padding = 0): string {
  const bytes = Buffer.alloc(33 + padding)
  bytes.writeUInt32BE(0x89504e47, 0)
  bytes.writeUInt32BE(0x0d0a1a0a, 4)
  bytes.writeUInt32BE(13, 8)
  bytes.write('IHDR', 12, 'latin1')
  bytes.writeUInt32BE(width, 16)
  bytes.writeUInt32BE(height, 20)
  return bytes.toString('base64')
}

function jpeg(width: number, height: number): Buffer {
  // SOI, an APP0 segment of 16 bytes, then SOF0 with its height and width.
  const app0 = Buffer.from([0xff, 0xe0, 0x00, 0x10, ...Buffer.alloc(14)])
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03])
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.alloc(16)])
}

describe('estimateInputTokens', () => {
  test('an image is charged by its size, at most ~1,600, whatever its base64 length', () => {
    const big = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(4000, 3000, 600_000) } }] }] }
    expect(estimateInputTokens(big)).toBeLessThanOrEqual(1600 + 10)
    const small = { messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(200, 150) } }] }] }
    expect(estimateInputTokens(small)).toBe(40 + 3)
  })

  test('image sizes from PNG, GIF and JPEG headers', () => {
    expect(imageSize(Buffer.from(png(640, 480), 'base64'))).toEqual({ width: 640, height: 480 })
    expect(imageSize(Buffer.from([0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x20, 0x03, 0x58, 0x02]))).toEqual({ width: 800, height: 600 })
    expect(imageSize(jpeg(1024, 768))).toEqual({ width: 1024, height: 768 })
    expect(imageSize(Buffer.from('not an image'))).toBeNull()
  })

  test('a PDF by its pages; text and tools by their characters', () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Pages /Count 2 >>\n2 0 obj << /Type /Page >>\n3 0 obj << /Type/Page >>\n' + 'x'.repeat(200_000)).toString('base64')
    expect(estimateInputTokens({ messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } }] }] })).toBe(2 * 2250 + 3)
    expect(estimateInputTokens({ system: 'x'.repeat(400), messages: [{ role: 'user', content: 'y'.repeat(40) }] })).toBe(100 + 10 + 3)
  })
})

describe('through the proxy', () => {
  const chatUp = startFakeChatUpstream(() => stream(textReply('x')))
  const shim = startShim(settingsFrom([chatModel(chatUp.url)]))
  const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
  afterAll(() => {
    shim.close()
    chatUp.close()
  })

  test('the Anthropic SDK\'s countTokens: a screenshot and a question', async () => {
    const { input_tokens } = await client.messages.countTokens({ model: 'fake', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: png(1920, 1080, 600_000) } }, { type: 'text', text: 'what is this?' }] }] })
    expect(input_tokens).toBeGreaterThan(1000)
    expect(input_tokens).toBeLessThan(1700)
    expect(chatUp.requests).toHaveLength(0)
  })
})

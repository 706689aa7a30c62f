/**
 * Anthropic reads an image's first bytes and refuses one whose media_type says otherwise ("The image
 * was specified using the image/png media type, but the image appears to be a image/jpeg image").
 * A screenshot saved as .png that is a JPEG, labelled by its name, failed that turn and, as the
 * image stays in the history, every later one. The bytes decide the type sent.
 */
import { expect, test } from 'bun:test'
import type { ResponsesRequest } from '../../../src/canonical/types.ts'
import { translateFor } from '../../support/anthropic-translate.ts'

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]).toString('base64')
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1]).toString('base64')
const WEBP = Buffer.from('RIFF\x10\x00\x00\x00WEBPVP8 ', 'latin1').toString('base64')

const withImage = (url: string, inToolResult = false): ResponsesRequest => ({
  model: 'x',
  input: inToolResult
    ? [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look' }] },
        { type: 'function_call', call_id: 'call_1', name: 'screenshot', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: [{ type: 'input_image', image_url: url }] },
      ]
    : [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: url }] }],
  tools: [{ type: 'function', name: 'screenshot', parameters: { type: 'object', properties: {} } }],
})

test('a JPEG labelled image/png goes as image/jpeg, in a message and in a tool result', () => {
  for (const inToolResult of [false, true]) {
    const { body, refusal } = translateFor(withImage(`data:image/png;base64,${JPEG}`, inToolResult), 'claude-sonnet-4-5')
    expect(refusal).toBeNull()
    expect(JSON.stringify(body)).toContain('"media_type":"image/jpeg"')
  }
})

test('a PNG labelled image/jpeg, and a WebP labelled image/heic (a type Anthropic does not take), go as what they are', () => {
  expect(translateFor(withImage(`data:image/jpeg;base64,${PNG}`), 'claude-sonnet-4-5')).toMatchObject({ refusal: null })
  expect(JSON.stringify(translateFor(withImage(`data:image/jpeg;base64,${PNG}`), 'claude-sonnet-4-5').body)).toContain('"media_type":"image/png"')
  expect(JSON.stringify(translateFor(withImage(`data:image/heic;base64,${WEBP}`), 'claude-sonnet-4-5').body)).toContain('"media_type":"image/webp"')
})

test('bytes that are none of the four keep the label they came with', () => {
  expect(JSON.stringify(translateFor(withImage('data:image/png;base64,AAAA'), 'claude-sonnet-4-5').body)).toContain('"media_type":"image/png"')
})

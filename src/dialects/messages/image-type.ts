import { MESSAGES_IMAGE_TYPES } from './api.ts'

type ImageType = (typeof MESSAGES_IMAGE_TYPES)[number]

/**
 * The image type base64 data really is, from its first bytes, or null when it is none of the four
 * Anthropic takes. Anthropic reads the bytes and refuses an image whose media_type says otherwise,
 * and clients label images by file name (a JPEG saved as .png is common). Only the first 24
 * characters are decoded: 18 bytes, enough for every signature.
 */
export function imageTypeOf(base64: string): ImageType | null {
  let head: string
  try {
    head = atob(base64.slice(0, 24).replace(/\s/g, ''))
  } catch {
    return null
  }
  if (head.startsWith('\x89PNG\r\n\x1a\n')) return 'image/png'
  if (head.startsWith('\xff\xd8\xff')) return 'image/jpeg'
  if (head.startsWith('GIF8')) return 'image/gif'
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP') return 'image/webp'
  return null
}

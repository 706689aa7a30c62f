import { describe, expect, test } from 'bun:test'
import { findStringRange, parsePlistXml, PlistError, replaceStringValue, serializePlistXml } from '../../src/desktop/plist-xml.ts'

// Hand-written in Apple's layout: comments, entities, every value type, an empty <string/>.
const INFO = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<!-- made by hand -->
<dict>
	<key>CFBundleIdentifier</key>
	<string>com.openai.codex</string>
	<key>Copyright</key>
	<string>&#169; OpenAI &amp; friends &lt;3</string>
	<key>ElectronAsarIntegrity</key>
	<dict>
		<key>Resources/app.asar</key>
		<dict>
			<key>algorithm</key>
			<string>SHA256</string>
			<key>hash</key>
			<string>aaaa</string>
		</dict>
	</dict>
	<key>LSUIElement</key>
	<false/>
	<key>Count</key>
	<integer>42</integer>
	<key>Ratio</key>
	<real>1.5</real>
	<key>Types</key>
	<array>
		<string>public.folder</string>
		<true/>
	</array>
	<key>Blob</key>
	<data>
	aGVsbG8=
	</data>
	<key>When</key>
	<date>2026-05-28T00:00:00Z</date>
	<key>Empty</key>
	<string/>
	<key>NoDict</key>
	<dict/>
</dict>
</plist>
`

describe('XML plist reader', () => {
  test('reads every value type and decodes entities', () => {
    const value = parsePlistXml(INFO) as Record<string, unknown>
    expect(value.CFBundleIdentifier).toBe('com.openai.codex')
    expect(value.Copyright).toBe('© OpenAI & friends <3')
    expect(value.ElectronAsarIntegrity).toEqual({ 'Resources/app.asar': { algorithm: 'SHA256', hash: 'aaaa' } })
    expect(value.LSUIElement).toBe(false)
    expect(value.Count).toBe(42)
    expect(value.Ratio).toBe(1.5)
    expect(value.Types).toEqual(['public.folder', true])
    expect(Buffer.from(value.Blob as Uint8Array).toString()).toBe('hello')
    expect((value.When as Date).toISOString()).toBe('2026-05-28T00:00:00.000Z')
    expect(value.Empty).toBe('')
    expect(value.NoDict).toEqual({})
  })

  test('broken input is a PlistError, not a crash', () => {
    expect(() => parsePlistXml('<plist><dict><key>a</key><string>x</dict></plist>')).toThrow(PlistError)
    expect(() => parsePlistXml('<html></html>')).toThrow('no <plist> root')
  })
})

describe('XML plist writer', () => {
  test('replaceStringValue changes the hash and not one other byte', () => {
    const path = ['ElectronAsarIntegrity', 'Resources/app.asar', 'hash']
    const range = findStringRange(INFO, path)!
    const updated = replaceStringValue(INFO, path, 'b'.repeat(64))
    expect(updated.slice(0, range.start)).toBe(INFO.slice(0, range.start))
    expect(updated.slice(range.start + 64)).toBe(INFO.slice(range.end))
    expect((parsePlistXml(updated) as any).ElectronAsarIntegrity['Resources/app.asar'].hash).toBe('b'.repeat(64))
  })

  test('a missing key or an empty <string/> is refused', () => {
    expect(() => replaceStringValue(INFO, ['ElectronAsarIntegrity', 'Resources/other.asar', 'hash'], 'x')).toThrow(PlistError)
    expect(() => replaceStringValue(INFO, ['Empty'], 'x')).toThrow(PlistError)
  })

  test('serialize then parse gives the same value (entitlements-shaped data)', () => {
    const entitlements = {
      'com.apple.security.cs.allow-jit': true,
      'com.apple.security.device.audio-input': false,
      'com.apple.security.temporary-exception.mach-lookup.global-name': ['a & b', '<c>'],
      nested: { n: 3, r: 0.25, none: [], empty: {} },
    }
    const xml = serializePlistXml(entitlements)
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist')).toBe(true)
    expect(parsePlistXml(xml)).toEqual(entitlements)
  })
})

import { describe, expect, test } from 'bun:test'
import { NEEDLES, scanText } from '../../src/desktop/needles.ts'
import { PICKER_AFTER, PICKER_BEFORE, REQUEST_CLIENT, SIDEBAR_AFTER, SIDEBAR_BEFORE } from './_bundle.ts'

const picker = NEEDLES.find((needle) => needle.id === 'picker')!
const sidebar = NEEDLES.find((needle) => needle.id === 'sidebar')!

function patch(needle: typeof picker, text: string): string {
  const [match, ...rest] = scanText(needle, text)
  expect(rest).toHaveLength(0)
  return text.slice(0, match!.index) + match!.replacement + text.slice(match!.index + match!.text.length)
}

/** The patched code must still parse as JavaScript. */
const parses = (code: string) => expect(() => new Function(code)).not.toThrow()

describe('picker needle (useHiddenModels check becomes false)', () => {
  test.each([
    // Shapes seen in Desktop builds (spec §2.6 and later), with the names changed.
    ['26.519 local', 'let q=Z.useHiddenModels&&$e!==`amazonBedrock`,d;', 'let q=!1/*codex-shim:picker*/,d;'],
    ['ternary filter', 'n.filter(e=>i7.useHiddenModels&&r!==`amazonBedrock`?i7.availableModels.has(e.model):!e.hidden)', 'n.filter(e=>!1/*codex-shim:picker*/?i7.availableModels.has(e.model):!e.hidden)'],
    ['extra negated guard', 'let s=p.useHiddenModels&&!b&&t!=="amazonBedrock",x;', 'let s=!1/*codex-shim:picker*/,x;'],
    ['synthetic bundle', PICKER_BEFORE, PICKER_AFTER],
  ])('%s', (_name, before, after) => {
    expect(patch(picker, before)).toBe(after)
    parses(patch(picker, before))
  })

  test('a negated or member-qualified use is not touched', () => {
    expect(scanText(picker, 'let a=!c.useHiddenModels&&o!==`amazonBedrock`;')).toHaveLength(0)
    expect(scanText(picker, 'let a=x.c.useHiddenModels&&o!==`amazonBedrock`;')).toHaveLength(0)
    expect(scanText(picker, 'let a=c.useHiddenModels&&o!==`openai`;')).toHaveLength(0)
  })

  test('the patched text carries the marker, so a second pass finds nothing to do', () => {
    const once = patch(picker, PICKER_BEFORE)
    expect(once).toContain(picker.marker)
    expect(scanText(picker, once)).toHaveLength(0)
  })
})

describe('sidebar needle (modelProviders:null becomes [])', () => {
  test.each([
    ['params object (26.6xx)', SIDEBAR_BEFORE, SIDEBAR_AFTER],
    [
      'inline sendRequest (26.519)',
      'class W{listRecentThreads({cursor:a,limit:b}){return this.params.requestClient.sendRequest(`thread/list`,{limit:b,cursor:a,sortKey:this.params.requestClient.getCompatibleThreadSortKey(this.k),modelProviders:null,archived:!1})}}',
      'class W{listRecentThreads({cursor:a,limit:b}){return this.params.requestClient.sendRequest(`thread/list`,{limit:b,cursor:a,sortKey:this.params.requestClient.getCompatibleThreadSortKey(this.k),modelProviders:[]/*codex-shim:sidebar*/,archived:!1})}}',
    ],
  ])('%s', (_name, before, after) => {
    expect(patch(sidebar, before)).toBe(after)
    parses(patch(sidebar, before))
  })

  test("the RequestClient's own listRecentThreads (no this.params.requestClient) is left alone", () => {
    expect(scanText(sidebar, REQUEST_CLIENT)).toHaveLength(0)
    expect(scanText(sidebar, `${REQUEST_CLIENT}${SIDEBAR_BEFORE}`)).toHaveLength(1)
  })

  test('two managers in one file match twice (the caller refuses that as ambiguous)', () => {
    expect(scanText(sidebar, `${SIDEBAR_BEFORE};${SIDEBAR_BEFORE}`)).toHaveLength(2)
  })

  test('the search after listRecentThreads is bounded (about 1000 characters)', () => {
    const far = `listRecentThreads({cursor:a}){return this.q(a)}${'x'.repeat(2000)}this.params.requestClient.x({modelProviders:null})`
    expect(scanText(sidebar, far)).toHaveLength(0)
  })
})

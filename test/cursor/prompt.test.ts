import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { encodeSummary } from '../../src/canonical/compaction.ts'
import type { ResponsesRequest } from '../../src/canonical/types.ts'
import { IMAGE_NOTE, renderIncremental, renderPrompt } from '../../src/cursor/prompt.ts'
import { expectGolden } from '../support/golden.ts'
import { codexRequest } from './_requests.ts'

const golden = (name: string) => join(import.meta.dir, 'golden', name)

describe('cursor prompt rendering', () => {
  test('a Codex turn becomes role sections (golden): tools as calls and results, images as a note, reasoning left out', () => {
    const request = { ...codexRequest(), instructions: 'Base instructions.' }
    const prompt = renderPrompt(request)
    expectGolden(golden('codex-turn.prompt.txt'), prompt)
    expect(prompt.startsWith('[SYSTEM]\nBase instructions.\n\n[DEVELOPER]\n')).toBe(true)
    expect(prompt).toContain(IMAGE_NOTE)
    expect(prompt).not.toContain('iVBORw0KGgo')
    expect(prompt).not.toContain('secret scratch work')
  })

  test('a string input is one user section; an empty conversation is "Continue."', () => {
    expect(renderPrompt({ model: 'm', input: 'hello' })).toBe('[USER]\nhello')
    expect(renderPrompt({ model: 'm', input: [] })).toBe('Continue.')
  })

  test('our compaction summary is expanded; an opaque one becomes a note', () => {
    const request: ResponsesRequest = {
      model: 'm',
      input: [
        { type: 'compaction', encrypted_content: encodeSummary('We fixed the parser.') },
        { type: 'compaction', encrypted_content: 'gAAAA-opaque' },
        { type: 'message', role: 'user', content: 'go on' },
      ],
    }
    expectGolden(golden('compaction.prompt.txt'), renderPrompt(request))
  })

  test('over the limit, the oldest turns are cut first and the prompt says so (golden)', () => {
    const input: ResponsesRequest['input'] = [{ type: 'message', role: 'developer', content: 'Rules stay.' }]
    for (let i = 1; i <= 6; i++) {
      input.push({ type: 'message', role: 'user', content: `question ${i} ${'q'.repeat(300)}` })
      input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: `answer ${i} ${'a'.repeat(300)}` }] })
    }
    input.push({ type: 'message', role: 'user', content: 'the newest question' })
    const request: ResponsesRequest = { model: 'm', input }
    const prompt = renderPrompt(request, { maxBytes: 2048 })
    expectGolden(golden('cut-oldest.prompt.txt'), prompt)
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(2048)
    expect(prompt).toContain('Rules stay.')
    expect(prompt).toContain('the newest question')
    expect(prompt).toContain('answer 6')
    expect(prompt).not.toContain('question 1 ')
    expect(prompt).toMatch(/\[NOTE\]\ncodex-shim left out the \d+ oldest conversation section\(s\)/)
    // The note stands where the cut is: after the pinned rules, before what was kept.
    expect(prompt.indexOf('Rules stay.')).toBeLessThan(prompt.indexOf('[NOTE]'))
    expect(prompt.indexOf('[NOTE]')).toBeLessThan(prompt.indexOf('answer 6'))
  })

  test('a single section larger than the limit is cut in its middle, keeping the prompt bounded', () => {
    const huge = `${'head '.repeat(2000)}${'tail '.repeat(2000)}`
    const prompt = renderPrompt({ model: 'm', input: [{ type: 'message', role: 'user', content: huge }] }, { maxBytes: 4096 })
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(4096)
    expect(prompt.startsWith('[USER]\nhead ')).toBe(true)
    expect(prompt.endsWith('tail ')).toBe(true)
    expect(prompt).toContain('characters cut by codex-shim')
  })

  test('renderIncremental sends only the new items, skipping the previous answer cursor-agent already has', () => {
    const request = codexRequest()
    const items = request.input as ResponsesRequest['input'] & unknown[]
    // The previous turn ended after the function/custom tool items; its answer and the new question follow.
    const previous = items.length - 2
    expect(renderIncremental(previous, request)).toBe('[USER]\nThanks. Now add a test.')
    expect(renderIncremental(items.length, request)).toBe('Continue.')
  })
})

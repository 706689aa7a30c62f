import { describe, expect, test } from 'bun:test'
import { describeToolResult, describeToolStart, MAX_RESULT_CHARS, readToolCall } from '../../src/cursor/tool-summary.ts'

describe('cursor tool call summaries', () => {
  test('shell: the command (backticks survive), exit code, stdout and stderr', () => {
    const call = readToolCall({ shellToolCall: { args: { command: 'echo `date`', workingDirectory: '/w' }, result: { success: { exitCode: 2, stdout: 'out\n', stderr: 'bad\n' } } } })
    expect(describeToolStart(call)).toBe('**cursor-agent · shell** `` echo `date` `` in `/w`\n')
    expect(describeToolResult(call)).toBe('\nexit code 2\n```\nout\n```\n\nstderr:\n```\nbad\n```\n')
  })

  test('write, grep, unknown kinds and a generic function call', () => {
    const write = readToolCall({ writeToolCall: { args: { path: 'a.ts', fileText: 'x' }, result: { success: { path: 'a.ts', linesCreated: 3, fileSize: 40 } } } })
    expect(describeToolStart(write) + describeToolResult(write)).toBe('**cursor-agent · write** `a.ts`\n\n3 lines written, 40 bytes\n')
    expect(describeToolStart(readToolCall({ grepToolCall: { args: { pattern: 'TODO', path: 'src' } } }))).toBe('**cursor-agent · grep** `TODO` in `src`\n')
    expect(describeToolStart(readToolCall({ fancyToolCall: { args: { depth: 2 } } }))).toBe('**cursor-agent · fancy** `{"depth":2}`\n')
    expect(describeToolStart(readToolCall({ function: { name: 'web_fetch', arguments: '{"url":"https://example.com"}' } }))).toBe('**cursor-agent · web_fetch** `{"arguments":"{\\"url\\":\\"https://example.com\\"}"}`\n')
  })

  test('results are bounded; a missing result says so', () => {
    const big = readToolCall({ shellToolCall: { args: { command: 'cat big' }, result: { success: { exitCode: 0, stdout: 'x'.repeat(50_000) } } } })
    const text = describeToolResult(big)
    expect(text.length).toBeLessThan(MAX_RESULT_CHARS + 200)
    expect(text).toContain('more characters]')
    expect(describeToolResult(readToolCall({ readToolCall: { args: { path: 'a' } } }))).toBe('_(no result reported)_\n')
  })
})

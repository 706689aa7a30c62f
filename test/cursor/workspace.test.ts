import { describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResponsesItem } from '../../src/canonical/types.ts'
import { resolveWorkspace, workspaceFromInput } from '../../src/cursor/workspace.ts'
import { ShimError } from '../../src/errors.ts'
import { environmentContext } from './_requests.ts'

const root = mkdtempSync(join(tmpdir(), 'cursor-workspace-'))
const project = join(root, 'project & co')
const other = join(root, 'other')
const setting = join(root, 'setting')
for (const dir of [project, other, setting]) mkdirSync(dir)

describe('cursor workspace', () => {
  test('the newest <environment_context> cwd wins over CODEX_SHIM_CURSOR_WORKSPACE, XML entities decoded', () => {
    const input: ResponsesItem[] = [environmentContext(other), { type: 'message', role: 'user', content: 'hi' }, environmentContext(project.replace('&', '&amp;'))]
    expect(workspaceFromInput(input)).toBe(project)
    expect(resolveWorkspace({ input }, { env: { CODEX_SHIM_CURSOR_WORKSPACE: other } })).toEqual({ path: project, source: 'environment_context' })
  })

  test("the model's setting wins over both; one that names no directory is an error, not a move", () => {
    const input = [environmentContext(project)]
    expect(resolveWorkspace({ input }, { env: { CODEX_SHIM_CURSOR_WORKSPACE: other }, setting })).toEqual({ path: setting, source: 'setting' })
    expect(() => resolveWorkspace({ input }, { env: {}, setting: join(root, 'gone') })).toThrow(/"workspace" setting is not a directory on this machine/)
  })

  test('only a user message part that starts with the block counts: quoted or pasted ones do not', () => {
    const block = `<environment_context><cwd>${other}</cwd></environment_context>`
    expect(workspaceFromInput([{ type: 'message', role: 'user', content: `Here is a log:\n${block}` }])).toBeNull()
    expect(workspaceFromInput([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'see' }, { type: 'input_text', text: `quoted ${block}` }] }])).toBeNull()
    expect(workspaceFromInput([{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: block }] }])).toBeNull()
    expect(workspaceFromInput([{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: block }] }])).toBeNull()
    expect(workspaceFromInput([{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_text', text: `  ${block}` }] }])).toBe(other)
  })

  test('string parts and plain string content are both read; no block means none', () => {
    expect(workspaceFromInput([{ type: 'message', role: 'user', content: `<environment_context><cwd>${other}</cwd></environment_context>` }])).toBe(other)
    expect(workspaceFromInput([{ type: 'message', role: 'user', content: 'no context here <cwd>/etc</cwd>' }])).toBeNull()
    expect(workspaceFromInput('a string input')).toBeNull()
  })

  test('without a cwd: the model setting, then CODEX_SHIM_CURSOR_WORKSPACE', () => {
    expect(resolveWorkspace({ input: 'hi' }, { env: { CODEX_SHIM_CURSOR_WORKSPACE: other }, setting })).toEqual({ path: setting, source: 'setting' })
    expect(resolveWorkspace({ input: 'hi' }, { env: { CODEX_SHIM_CURSOR_WORKSPACE: other } })).toEqual({ path: other, source: 'env' })
  })

  test('a cwd that does not exist here gives way to a configured directory', () => {
    const input = [environmentContext('/nonexistent/remote/checkout')]
    expect(resolveWorkspace({ input }, { env: { CODEX_SHIM_CURSOR_WORKSPACE: other } })).toEqual({ path: other, source: 'env' })
  })

  test('no source at all is a config error naming the settings, never the daemon cwd', () => {
    let error: unknown
    try {
      resolveWorkspace({ input: 'hi' }, { env: {} })
    } catch (caught) {
      error = caught
    }
    expect(error).toBeInstanceOf(ShimError)
    expect((error as ShimError).kind).toBe('config')
    expect((error as ShimError).message).toContain('CODEX_SHIM_CURSOR_WORKSPACE')
    expect((error as ShimError).message).toContain('"workspace" setting')
  })

  test('a named directory that does not exist (or is relative) is a bad request naming it', () => {
    expect(() => resolveWorkspace({ input: [environmentContext('/nonexistent/dir')] }, { env: {} })).toThrow(/"\/nonexistent\/dir" from the client's <environment_context> cwd is not a directory/)
    expect(() => resolveWorkspace({ input: 'hi' }, { env: { CODEX_SHIM_CURSOR_WORKSPACE: 'relative/dir' } })).toThrow(/is not an absolute path/)
  })
})

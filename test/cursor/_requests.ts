import type { ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'

/** Hand-written in the shape Codex 0.169 sends (codex-wire §b.3, §c): preamble, image sequence, tools. */
export function environmentContext(cwd: string): ResponsesItem {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${cwd}</cwd>\n  <shell>bash</shell>\n  <current_date>2026-07-01</current_date>\n</environment_context>` }] }
}

export function codexRequest(cwd = '/work/project'): ResponsesRequest {
  return {
    model: 'cursor-composer-2.5',
    stream: true,
    store: false,
    input: [
      { type: 'message', id: 'msg_base', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex, a coding agent.' }] },
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions>sandbox: workspace-write</permissions instructions>' }] },
      environmentContext(cwd),
      {
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_text', text: '<image name=[Image #1] path="/work/project/shot.png">' },
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'input_text', text: '</image>' },
          { type: 'input_text', text: 'Why does the build fail?' },
        ],
      },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'secret scratch work' }], encrypted_content: 'gAAAA' },
      { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"npm run build"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'error TS2304: Cannot find name x' },
      { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch\n*** Update File: a.ts\n-x\n+y\n*** End Patch' },
      { type: 'custom_tool_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'Success.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Fixed: `x` was undefined.' }] },
      { type: 'message', role: 'user', content: 'Thanks. Now add a test.' },
    ],
  }
}

/** Turn n of a conversation as Codex resends it: preamble, then every earlier turn with its answer. */
export function conversationTurn(turn: number, answers: string[], cwd = '/work/project'): ResponsesRequest {
  const input: ResponsesItem[] = [
    { type: 'message', role: 'developer', content: [{ type: 'input_text', text: `You are Codex. ${'Follow the repository conventions. '.repeat(200)}` }] },
    environmentContext(cwd),
  ]
  for (let i = 1; i <= turn; i++) {
    input.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: `Step ${i}: ${'please refine the parser and keep the tests green; '.repeat(20)}` }] })
    if (i < turn) {
      input.push({ type: 'reasoning', summary: [{ type: 'summary_text', text: `**cursor-agent · shell** \`bun test\`` }] })
      input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: answers[i - 1] ?? `Answer ${i}` }] })
    }
  }
  return { model: 'cursor-composer-2.5', input }
}

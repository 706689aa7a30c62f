#!/usr/bin/env bun
/**
 * A tiny MCP server over stdio (newline-delimited JSON-RPC) with one tool,
 * `echo_tool`. Codex offers it to the model as the namespace `mcp__tiny`.
 */
const decoder = new TextDecoder()
let buffer = ''

function send(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

function handle(message: { id?: number | string; method?: string; params?: any }): void {
  const { id, method, params } = message
  if (id === undefined) return // notifications (initialized, cancelled)
  switch (method) {
    case 'initialize':
      return send({ jsonrpc: '2.0', id, result: { protocolVersion: params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'tiny', version: '1.0.0' } } })
    case 'ping':
      return send({ jsonrpc: '2.0', id, result: {} })
    case 'tools/list':
      return send({
        jsonrpc: '2.0',
        id,
        result: { tools: [{ name: 'echo_tool', description: 'Echo the given text back.', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } }] },
      })
    case 'tools/call':
      return send({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: `echoed: ${params?.arguments?.text ?? ''}` }], isError: false } })
    default:
      return send({ jsonrpc: '2.0', id, error: { code: -32601, message: `unknown method ${method}` } })
  }
}

for await (const chunk of Bun.stdin.stream()) {
  buffer += decoder.decode(chunk, { stream: true })
  let newline: number
  while ((newline = buffer.indexOf('\n')) !== -1) {
    const line = buffer.slice(0, newline).trim()
    buffer = buffer.slice(newline + 1)
    if (line) handle(JSON.parse(line))
  }
}
export {}

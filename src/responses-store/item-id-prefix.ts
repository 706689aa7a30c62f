/**
 * Id prefixes for stored input items that arrived without an id, shaped like
 * the ids the OpenAI API gives them when it lists a response's input items
 * (`msg_…` for messages, `fc_…` for calls, `fco_…` for their outputs).
 */
const ITEM_ID_PREFIX = {
  message: 'msg',
  reasoning: 'rs',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  compaction: 'cmp',
} as const satisfies Record<string, string>

export function itemIdPrefix(type: string): string {
  return Object.hasOwn(ITEM_ID_PREFIX, type) ? ITEM_ID_PREFIX[type as keyof typeof ITEM_ID_PREFIX] : 'item'
}

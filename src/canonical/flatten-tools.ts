import { ShimError } from '../errors.ts'
import type { CustomTool, FunctionTool, ResponsesTool, ToolChoice } from './types.ts'

/**
 * Upstreams other than OpenAI's Responses API know only flat JSON-schema
 * functions. Codex sends two things they lack (spec §b.4, pitfalls 3 and 4):
 * namespaced tools (MCP servers), which must be called back with
 * `{namespace, name}`, and freeform `custom` tools (apply_patch), whose input
 * is raw text. A ToolPlan flattens both on the way out and remembers how to
 * restore them on the way back.
 */

export type ToolOrigin =
  | { kind: 'function'; name: string; namespace?: string }
  | { kind: 'custom'; name: string }

export interface FlatTool {
  /** The name the upstream sees: `[a-zA-Z0-9_-]{1,64}`, unique in the request. */
  name: string
  description: string
  parameters: Record<string, unknown>
  origin: ToolOrigin
  /** A function's `strict` (its arguments held to the schema), for upstreams that take it. */
  strict?: boolean
}

export interface ToolPlan {
  tools: FlatTool[]
  /** Hosted tools we could not offer (web_search, …): the model works without them (see assertChoiceHonoured). */
  dropped: string[]
  /** Flat name → how to report the call to the client. */
  byFlatName: Map<string, FlatTool>
}

const MAX_NAME = 64

/** The field a wrapped custom tool's raw text travels in. */
export const CUSTOM_INPUT_FIELD = 'input'

function sanitize(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_')
}

function shortHash(text: string): string {
  let hash = 2166136261
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619)
  return (hash >>> 0).toString(36)
}

/** Deterministic flat name: also used for history items whose tool is no longer offered. */
export function flatToolName(name: string, namespace?: string): string {
  const joined = sanitize(namespace ? `${namespace}__${name}` : name)
  if (joined.length <= MAX_NAME) return joined
  const hash = shortHash(joined)
  return `${joined.slice(0, MAX_NAME - hash.length - 1)}_${hash}`
}

function customParameters(tool: CustomTool): Record<string, unknown> {
  return {
    type: 'object',
    properties: { [CUSTOM_INPUT_FIELD]: { type: 'string', description: `The raw ${tool.name} input, as plain text.` } },
    required: [CUSTOM_INPUT_FIELD],
    additionalProperties: false,
  }
}

// Codex tells the model a freeform tool takes raw text, "do not wrap … in JSON";
// through a function interface that sentence is wrong, so it is dropped.
const FREEFORM_SENTENCE = /[^.\n]*\bFREEFORM\b[^.\n]*(?:\.|$)/gi

function customDescription(tool: CustomTool): string {
  const parts = [(tool.description ?? '').replace(FREEFORM_SENTENCE, '').trim()]
  parts.push(`Put the raw text in the "${CUSTOM_INPUT_FIELD}" string; it is passed to the tool unchanged.`)
  if (tool.format?.type === 'grammar' && tool.format.definition) {
    parts.push(`The text must match this ${tool.format.syntax ?? ''} grammar:\n${tool.format.definition}`)
  }
  return parts.filter(Boolean).join('\n\n')
}

function functionParameters(tool: FunctionTool): Record<string, unknown> {
  const parameters = tool.parameters
  return parameters && typeof parameters === 'object' ? parameters : { type: 'object', properties: {} }
}

export function flattenTools(tools: ResponsesTool[] | undefined): ToolPlan {
  const plan: ToolPlan = { tools: [], dropped: [], byFlatName: new Map() }
  const add = (base: string, description: string, parameters: Record<string, unknown>, origin: ToolOrigin, strict?: boolean | null) => {
    let name = base
    for (let n = 2; plan.byFlatName.has(name); n++) name = flatToolName(`${base}_${n}`)
    const flat: FlatTool = { name, description, parameters, origin, ...(typeof strict === 'boolean' && { strict }) }
    plan.tools.push(flat)
    plan.byFlatName.set(name, flat)
  }
  for (const tool of tools ?? []) {
    if (tool.type === 'function') {
      const fn = tool as FunctionTool
      add(flatToolName(fn.name), fn.description ?? '', functionParameters(fn), { kind: 'function', name: fn.name }, fn.strict)
    } else if (tool.type === 'custom') {
      const custom = tool as CustomTool
      add(flatToolName(custom.name), customDescription(custom), customParameters(custom), { kind: 'custom', name: custom.name })
    } else if (tool.type === 'namespace') {
      const namespace = tool as { name: string; description?: string; tools?: ResponsesTool[] }
      for (const inner of namespace.tools ?? []) {
        if (inner.type === 'function') {
          const fn = inner as FunctionTool
          const description = [namespace.description, fn.description].filter(Boolean).join('\n\n')
          add(flatToolName(fn.name, namespace.name), description, functionParameters(fn), { kind: 'function', name: fn.name, namespace: namespace.name }, fn.strict)
        } else if (inner.type === 'custom') {
          const custom = inner as CustomTool
          add(flatToolName(custom.name, namespace.name), customDescription(custom), customParameters(custom), { kind: 'custom', name: custom.name })
        } else plan.dropped.push(`${namespace.name}.${inner.type}`)
      }
    } else plan.dropped.push(tool.type)
  }
  return plan
}

/** The flat name a history call item maps to, matching the plan when the tool is offered. */
export function flatNameForCall(plan: ToolPlan, call: { name: string; namespace?: string }, kind: ToolOrigin['kind']): string {
  for (const flat of plan.tools) {
    const origin = flat.origin
    if (origin.kind !== kind || origin.name !== call.name) continue
    if (origin.kind === 'custom' || origin.namespace === call.namespace) return flat.name
  }
  return flatToolName(call.name, call.namespace)
}

/**
 * Hosted tools (web_search, file_search, mcp, …) run on OpenAI's or Anthropic's side and have no
 * equivalent elsewhere: they are left out of the plan, and the model answers without them, as it
 * does when such a tool is offered but not needed (Codex offers web_search whenever it is on).
 * A tool choice that needs one cannot be honoured that way and is refused by name: one that names
 * a tool the plan does not offer, a hosted tool, an `allowed_tools` list, or `required` when every
 * tool offered was hosted.
 */
export function assertChoiceHonoured(choice: ToolChoice | undefined, plan: ToolPlan, upstream: string): void {
  if (choice === undefined || choice === 'auto' || choice === 'none') return
  const refuse = (why: string) => {
    throw new ShimError('bad_request', `Invalid request: tool_choice: ${why} Use "auto", or pick an openai-responses model for hosted tools.`, { param: 'tool_choice' })
  }
  if (choice === 'required') {
    if (!plan.tools.length && plan.dropped.length) refuse(`"required", but the only tools offered (${plan.dropped.join(', ')}) are hosted ones, which ${upstream} cannot run.`)
    return
  }
  if (choice.type === 'function' || choice.type === 'custom') {
    const call = choice as { name: string; namespace?: string }
    if (!plan.byFlatName.has(flatNameForCall(plan, call, choice.type))) refuse(`it names "${call.name}", which is not among the tools offered${plan.dropped.length ? ` (hosted tools such as ${plan.dropped.join(', ')} cannot run on ${upstream})` : ''}.`)
    return
  }
  if (choice.type === 'allowed_tools') refuse(`allowed_tools cannot be translated for ${upstream}; offer only the allowed tools instead.`)
  refuse(`${String(choice.type).slice(0, 64)} is a hosted tool, which ${upstream} cannot run.`)
}

// Said once per model and set of tools, at info: Codex offers web_search on every request while it is on.
const toldDropped = new Set<string>()

/** The line that says which hosted tools a model was offered without; null when it was said before. */
export function droppedToolsNote(slug: string, plan: ToolPlan, upstream: string): string | null {
  return leftOutToolsNote(slug, plan.dropped, upstream)
}

/** The same line for any list of tools left out (a Messages client's server tools); null when said before or empty. */
export function leftOutToolsNote(slug: string, tools: readonly string[], upstream: string): string | null {
  if (!tools.length) return null
  const key = `${slug}\u0000${tools.join(',')}`
  if (toldDropped.has(key)) return null
  if (toldDropped.size > 256) toldDropped.clear()
  toldDropped.add(key)
  return `${slug}: hosted tools with no equivalent on ${upstream} left out (the model answers without them): ${tools.join(', ')}`
}

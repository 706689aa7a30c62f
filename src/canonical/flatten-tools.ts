import type { CustomTool, FunctionTool, ResponsesTool } from './types.ts'

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
}

export interface ToolPlan {
  tools: FlatTool[]
  /** Hosted tools we could not offer (web_search, …), for a debug line. */
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
  const add = (base: string, description: string, parameters: Record<string, unknown>, origin: ToolOrigin) => {
    let name = base
    for (let n = 2; plan.byFlatName.has(name); n++) name = flatToolName(`${base}_${n}`)
    const flat: FlatTool = { name, description, parameters, origin }
    plan.tools.push(flat)
    plan.byFlatName.set(name, flat)
  }
  for (const tool of tools ?? []) {
    if (tool.type === 'function') {
      const fn = tool as FunctionTool
      add(flatToolName(fn.name), fn.description ?? '', functionParameters(fn), { kind: 'function', name: fn.name })
    } else if (tool.type === 'custom') {
      const custom = tool as CustomTool
      add(flatToolName(custom.name), customDescription(custom), customParameters(custom), { kind: 'custom', name: custom.name })
    } else if (tool.type === 'namespace') {
      const namespace = tool as { name: string; description?: string; tools?: ResponsesTool[] }
      for (const inner of namespace.tools ?? []) {
        if (inner.type === 'function') {
          const fn = inner as FunctionTool
          const description = [namespace.description, fn.description].filter(Boolean).join('\n\n')
          add(flatToolName(fn.name, namespace.name), description, functionParameters(fn), { kind: 'function', name: fn.name, namespace: namespace.name })
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

import { statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import type { ContentPart, ResponsesItem } from '../canonical/types.ts'
import { ShimError } from '../errors.ts'

/**
 * Where cursor-agent works (`--workspace`). Its tools edit that directory
 * directly, so it must be the client's project, never the daemon's cwd:
 * 1. the newest `<environment_context><cwd>` in the input (Codex sends one,
 *    spec codex-wire §b.3);
 * 2. `CODEX_SHIM_CURSOR_WORKSPACE`;
 * 3. the model's `workspace` setting.
 * `x-codex-turn-metadata` has no cwd field (§b.1: only `workspaces`, which are
 * repositories with changes), so it is not a source.
 */

export type WorkspaceSource = 'environment_context' | 'env' | 'setting'

export interface Workspace {
  path: string
  source: WorkspaceSource
}

export const WORKSPACE_ENV = 'CODEX_SHIM_CURSOR_WORKSPACE'

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!)
}

function textOf(item: ResponsesItem): string {
  if (item.type !== 'message') return ''
  const content = (item as { content: string | ContentPart[] }).content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (part.type === 'input_text' || part.type === 'output_text' ? part.text : '')).join('\n')
}

/** The cwd of the newest `<environment_context>` block, or null. */
export function workspaceFromInput(input: string | ResponsesItem[]): string | null {
  const items = typeof input === 'string' ? [] : input
  for (let i = items.length - 1; i >= 0; i--) {
    const text = textOf(items[i]!)
    const start = text.lastIndexOf('<environment_context>')
    if (start === -1) continue
    const end = text.indexOf('</environment_context>', start)
    const block = end === -1 ? text.slice(start) : text.slice(start, end)
    const cwd = block.match(/<cwd>([^<]*)<\/cwd>/)?.[1]?.trim()
    if (cwd) return unescapeXml(cwd)
  }
  return null
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

const DESCRIBE: Record<WorkspaceSource, string> = {
  environment_context: "the client's <environment_context> cwd",
  env: WORKSPACE_ENV,
  setting: 'the model\'s "workspace" setting',
}

/**
 * The first source that names an existing absolute directory. A named
 * directory that does not exist here (a client on another machine) gives way
 * to the next source; if none is left, the error names it.
 */
export function resolveWorkspace(request: { input: string | ResponsesItem[] }, options: { env?: Record<string, string | undefined>; setting?: string | null } = {}): Workspace {
  const env = options.env ?? process.env
  const candidates: Workspace[] = []
  const fromInput = workspaceFromInput(request.input)
  if (fromInput) candidates.push({ path: fromInput, source: 'environment_context' })
  if (env[WORKSPACE_ENV]) candidates.push({ path: env[WORKSPACE_ENV]!, source: 'env' })
  if (options.setting) candidates.push({ path: options.setting, source: 'setting' })
  const found = candidates.find((candidate) => isAbsolute(candidate.path) && isDirectory(candidate.path))
  if (found) return found
  const first = candidates[0]
  if (first) {
    const why = isAbsolute(first.path) ? 'is not a directory on this machine' : 'is not an absolute path'
    throw new ShimError('bad_request', `The cursor-agent workspace "${first.path}" from ${DESCRIBE[first.source]} ${why}. Set ${WORKSPACE_ENV} or the model's "workspace" setting to a project directory.`, { param: 'input' })
  }
  throw new ShimError('config', `No workspace for cursor-agent: the request has no <environment_context> cwd. Set ${WORKSPACE_ENV} or the model's "workspace" setting to a project directory.`)
}

import { statSync } from 'node:fs'
import { isAbsolute } from 'node:path'
import type { ContentPart, ResponsesItem } from '../canonical/types.ts'
import { ShimError } from '../errors.ts'

/**
 * Where cursor-agent works (`--workspace`). Its tools edit that directory
 * directly, so it must be the client's project, never the daemon's cwd:
 * 1. the model's `workspace` setting (a model pinned to a folder stays there);
 * 2. the newest `<environment_context><cwd>` Codex sent (spec codex-wire §b.3):
 *    only a user message part that starts with the block counts, so a pasted
 *    log or an answer quoting one cannot move the folder;
 * 3. `CODEX_SHIM_CURSOR_WORKSPACE`, for clients that report no cwd.
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

const BLOCK_START = '<environment_context>'

/** The texts of a user message that are an `<environment_context>` block, as Codex sends it (a part of its own). */
function environmentBlocks(item: ResponsesItem): string[] {
  if (item.type !== 'message' || (item as { role?: string }).role !== 'user') return []
  const content = (item as { content: string | ContentPart[] }).content
  const texts = typeof content === 'string' ? [content] : Array.isArray(content) ? content.map((part) => (part.type === 'input_text' ? part.text : '')) : []
  return texts.filter((text) => text.trimStart().startsWith(BLOCK_START))
}

/** The cwd of the newest `<environment_context>` block, or null. */
export function workspaceFromInput(input: string | ResponsesItem[]): string | null {
  const items = typeof input === 'string' ? [] : input
  for (let i = items.length - 1; i >= 0; i--) {
    const blocks = environmentBlocks(items[i]!)
    for (let j = blocks.length - 1; j >= 0; j--) {
      const text = blocks[j]!
      const end = text.indexOf('</environment_context>')
      const block = end === -1 ? text : text.slice(0, end)
      const cwd = block.match(/<cwd>([^<]*)<\/cwd>/)?.[1]?.trim()
      if (cwd) return unescapeXml(cwd)
    }
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
 * The model's setting if there is one, else the first source that names an
 * existing absolute directory. A cwd that does not exist here (a client on
 * another machine) gives way to the next source; if none is left, the error
 * names it.
 */
export function resolveWorkspace(request: { input: string | ResponsesItem[] }, options: { env?: Record<string, string | undefined>; setting?: string | null } = {}): Workspace {
  const env = options.env ?? process.env
  if (options.setting) {
    // Pinned means pinned: a setting that names no directory here is an error, not a move elsewhere.
    if (isAbsolute(options.setting) && isDirectory(options.setting)) return { path: options.setting, source: 'setting' }
    const why = isAbsolute(options.setting) ? 'is not a directory on this machine' : 'is not an absolute path'
    throw new ShimError('config', `The cursor-agent workspace "${options.setting}" from ${DESCRIBE.setting} ${why}. Point it at a project directory, or remove it to use the client's cwd.`)
  }
  const candidates: Workspace[] = []
  const fromInput = workspaceFromInput(request.input)
  if (fromInput) candidates.push({ path: fromInput, source: 'environment_context' })
  if (env[WORKSPACE_ENV]) candidates.push({ path: env[WORKSPACE_ENV]!, source: 'env' })
  const found = candidates.find((candidate) => isAbsolute(candidate.path) && isDirectory(candidate.path))
  if (found) return found
  const first = candidates[0]
  if (first) {
    const why = isAbsolute(first.path) ? 'is not a directory on this machine' : 'is not an absolute path'
    throw new ShimError('bad_request', `The cursor-agent workspace "${first.path}" from ${DESCRIBE[first.source]} ${why}. Set ${WORKSPACE_ENV} or the model's "workspace" setting to a project directory.`, { param: 'input' })
  }
  throw new ShimError('config', `No workspace for cursor-agent: the request has no <environment_context> cwd. Set ${WORKSPACE_ENV} or the model's "workspace" setting to a project directory.`)
}

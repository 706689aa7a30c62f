import type { ModelSettings } from '../settings/schema.ts'
import type { CursorModel } from './models.ts'
import { cursorSlug } from './models.ts'
import type { CursorStatus } from './status.ts'

/**
 * Far behind configured and ChatGPT models in Codex's catalog, so a Cursor
 * model never becomes Codex's default by accident (the original used 11000).
 */
export const CURSOR_CATALOG_PRIORITY = 11_000

/**
 * The models a usable login offers; none otherwise. `logged-in` lists them.
 * `unknown` (text we do not recognise) is not "logged out": the listing
 * itself is the evidence then. Logged out, the degraded login (its listing
 * is empty anyway), a status that timed out (the CLI hangs) and a failed
 * listing offer nothing. Never throws: this feeds `list` and `/v1/models`.
 */
export async function usableCursorModels(source: { bin(): Promise<string | null>; status(): Promise<CursorStatus>; models(): Promise<CursorModel[]> }): Promise<CursorModel[]> {
  if (!(await source.bin())) return []
  const status = await source.status().catch((): CursorStatus => ({ state: 'unknown', timedOut: true }))
  const listable = status.state === 'logged-in' || (status.state === 'unknown' && !status.timedOut)
  return listable ? await source.models().catch(() => []) : []
}

/** A Cursor model as a route, the way `chatgptModelSettings` does it for the ChatGPT plan. */
export function cursorModelSettings(model: CursorModel, slug = cursorSlug(model)): ModelSettings {
  return {
    slug,
    model: model.id,
    provider: 'cursor-agent',
    provider_label: 'cursor-agent',
    base_url: '',
    display_name: model.name,
    // Print mode takes a text prompt only; images become a note in it (spec integrations §1.8).
    no_image_support: true,
    // Effort is part of a Cursor model id (`gpt-5.5-high`), never a parameter.
    reasoning_efforts: [],
    extra_headers: {},
    source: 'cursor',
  }
}

import { routerModel } from '../routing/router-settings.ts'
import type { ModelSettings, Settings } from '../settings/schema.ts'

/** Used when Codex is not installed; `doctor` warns, since Codex's real prompt is much richer. */
export const FALLBACK_INSTRUCTIONS = [
  'You are a coding agent running in a terminal on the user\'s machine.',
  'Work in the current repository: read files before changing them, make focused edits with the apply_patch tool,',
  'run commands with the shell tools to build and test, and keep going until the task is done.',
  'Finish with a short summary of what you changed and anything left for the user.',
].join(' ')

const EFFORT_DESCRIPTIONS: Record<string, string> = {
  none: 'No reasoning',
  minimal: 'Fastest, minimal reasoning',
  low: 'Fast responses with light reasoning',
  medium: 'Balanced speed and depth',
  high: 'Deeper reasoning for hard problems',
  xhigh: 'Extra deep reasoning',
  max: 'Maximum reasoning depth',
}

export const DEFAULT_CONTEXT_WINDOW = 128_000

/**
 * One Codex catalog entry (`model_catalog_json`, spec §a.4). Choices that
 * matter: the classic request shape (`use_responses_lite: false`, tools in
 * `tools`), the freeform apply_patch tool and the unified shell tool (what
 * Codex sends to its own models), image input unless the model has none.
 */
export function catalogEntry(model: ModelSettings, priority: number, baseInstructions: string): Record<string, unknown> {
  const efforts = model.reasoning_efforts ?? ['low', 'medium', 'high']
  const defaultEffort = model.reasoning_effort ?? (efforts.includes('medium') ? 'medium' : efforts[0])
  return {
    slug: model.slug,
    display_name: model.display_name,
    description: `${model.model} via codex-shim (${model.provider_label})`,
    default_reasoning_level: defaultEffort ?? null,
    supported_reasoning_levels: efforts.map((effort) => ({ effort, description: EFFORT_DESCRIPTIONS[effort] ?? effort })),
    shell_type: 'unified_exec',
    visibility: 'list',
    supported_in_api: true,
    priority,
    base_instructions: baseInstructions,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: 'freeform',
    web_search_tool_type: 'text',
    truncation_policy: { mode: 'tokens', limit: 10_000 },
    context_window: model.max_context_limit ?? DEFAULT_CONTEXT_WINDOW,
    effective_context_window_percent: 95,
    experimental_supported_tools: [],
    input_modalities: model.no_image_support ? ['text'] : ['text', 'image'],
    use_responses_lite: false,
    supports_search_tool: false,
    default_reasoning_summary: 'auto',
  }
}

/** Models in launch order first (the first is Codex's default), then the rest as configured. */
export function orderedModels(settings: Settings): ModelSettings[] {
  const first = settings.launch_models.map((slug) => settings.models.find((model) => model.slug === slug)).filter((model): model is ModelSettings => Boolean(model))
  return [...first, ...settings.models.filter((model) => !first.includes(model))]
}

export function buildCatalog(settings: Settings, baseInstructions: string): { models: Record<string, unknown>[] } {
  const models = orderedModels(settings).map((model, index) => catalogEntry(model, index + 1, baseInstructions))
  // Aliases appear as models of their own, with the pinned effort as their default.
  const aliases = Object.entries(settings.aliases ?? {}).flatMap(([name, alias], index) => {
    const target = settings.models.find((model) => model.slug === alias.slug)
    if (!target) return []
    const entry = catalogEntry({ ...target, slug: name, display_name: alias.display_name ?? `${target.display_name} (${name})`, reasoning_effort: alias.reasoning_effort ?? target.reasoning_effort }, models.length + index + 1, baseInstructions)
    return [{ ...entry, description: `alias of ${alias.slug} via codex-shim` }]
  })
  // The auto router: one entry with the union of its candidates' capabilities (images, context window, efforts).
  const router = routerModel(settings)
  const routed = router ? [{ ...catalogEntry(router, models.length + aliases.length + 1, baseInstructions), description: `${router.display_name}: codex-shim picks a model per task` }] : []
  return { models: [...models, ...aliases, ...routed] }
}

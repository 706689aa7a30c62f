import { isSlug } from '../settings/slug.ts'

/**
 * Slugs and display names for generated entries. The OpenCode Go rules are
 * the original's (spec/integrations.md §3.2 step 5), so slugs stay the same
 * for users coming from the Python codex-shim.
 */

/** Lower-case; every run of other characters becomes one "-"; no "-" at either end. `qwen3.7-max` → `qwen3-7-max`. */
export function slugifyModelId(id: string): string {
  const slug = id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug || 'model'
}

/** Vendor spellings the original applies to the start of a token. */
const VENDOR_NAMES = {
  glm: 'GLM',
  kimi: 'Kimi',
  deepseek: 'DeepSeek',
  qwen: 'Qwen',
  minimax: 'MiniMax',
  mimo: 'MiMo',
} as const satisfies Record<string, string>

/** `kimi-k2.5` → `Kimi K2.5`; `qwen3.7-max` → `Qwen3.7 Max`; `deepseek-v4-pro` → `DeepSeek V4 Pro`. */
export function prettyModelId(id: string): string {
  return id
    .split('-')
    .filter(Boolean)
    .map((token) => {
      const lower = token.toLowerCase()
      const vendor = (Object.keys(VENDOR_NAMES) as (keyof typeof VENDOR_NAMES)[]).find((name) => lower.startsWith(name))
      if (vendor) return VENDOR_NAMES[vendor] + token.slice(vendor.length)
      // Version tokens: v4, k2, m2.5.
      if (/^[a-z]\d+(\.\d+)?$/i.test(token)) return token.toUpperCase()
      return token.charAt(0).toUpperCase() + token.slice(1)
    })
    .join(' ')
}

export function opencodeGoSlug(id: string): string {
  return `ocgo-${slugifyModelId(id)}`
}

export function opencodeGoDisplayName(id: string): string {
  return `OpenCode Go ${prettyModelId(id) || id}`
}

/** Servers we can name from their port alone (all of them default to loopback). */
const LOCAL_PORTS: Record<string, string> = {
  '11434': 'ollama',
  '1234': 'lmstudio',
  '8000': 'vllm',
  '8080': 'llamacpp',
}

/** How a prefix reads in a display name. */
const PREFIX_LABELS: Record<string, string> = {
  ollama: 'Ollama',
  lmstudio: 'LM Studio',
  vllm: 'vLLM',
  llamacpp: 'llama.cpp',
  openrouter: 'OpenRouter',
  deepseek: 'DeepSeek',
  moonshot: 'Moonshot',
  zai: 'Z.ai',
  opencode: 'OpenCode',
  local: 'Local',
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0'])

/**
 * The default slug prefix for a server: `ollama-` for a loopback :11434,
 * `openrouter-` for openrouter.ai, `deepseek-` for api.deepseek.com, `zai-`
 * for api.z.ai, `local-` for another loopback port.
 */
export function prefixForBaseUrl(baseUrl: string): string {
  const url = new URL(baseUrl)
  const host = url.hostname.toLowerCase()
  const port = url.port
  if (LOOPBACK.has(host)) return `${LOCAL_PORTS[port] ?? 'local'}-`
  if (LOCAL_PORTS[port] && !host.includes('.')) return `${LOCAL_PORTS[port]}-`
  const labels = host.split('.').filter(Boolean)
  if (/^\d+$/.test(labels.at(-1) ?? '')) return 'local-' // an IPv4 address on the LAN
  // The registrable name: `api.deepseek.com` → deepseek; a one-letter one keeps its TLD (`z.ai` → zai).
  const name = labels.length >= 2 ? labels.at(-2)! : labels[0]!
  const base = name.length < 3 && labels.length >= 2 ? `${name}${labels.at(-1)}` : name
  return `${slugifyModelId(base)}-`
}

/** `ollama-` → `Ollama`; an unknown prefix reads as itself. */
export function labelForPrefix(prefix: string): string {
  const bare = prefix.replace(/[-._]+$/, '')
  return PREFIX_LABELS[bare] ?? bare
}

/** A prefix as typed: lower-cased and ending in a separator, so `--prefix ollama` gives `ollama-llama3`. */
export function normalizePrefix(prefix: string): string | null {
  const trimmed = prefix.trim().toLowerCase()
  if (!isSlug(trimmed)) return null
  return /[-._]$/.test(trimmed) ? trimmed : `${trimmed}-`
}

/**
 * The latest rate-limit figures the backend reported in `x-codex-*` headers
 * (spec §d.3), kept in memory for `/health` and `codex-shim usage`.
 */
export interface QuotaWindow {
  used_percent: number
  window_minutes: number | null
  resets_at: number | null
}

export interface QuotaSnapshot {
  primary: QuotaWindow | null
  secondary: QuotaWindow | null
  credits: { has_credits: boolean | null; unlimited: boolean | null; balance: string | null } | null
  plan_type: string | null
  active_limit: string | null
  updated_at: string
}

const number = (value: string | null) => (value === null || value === '' || Number.isNaN(Number(value)) ? null : Number(value))
const flag = (value: string | null) => (value === null ? null : ['true', '1'].includes(value.toLowerCase()))

function window(headers: Headers, which: 'primary' | 'secondary'): QuotaWindow | null {
  const used = number(headers.get(`x-codex-${which}-used-percent`))
  if (used === null) return null
  return { used_percent: used, window_minutes: number(headers.get(`x-codex-${which}-window-minutes`)), resets_at: number(headers.get(`x-codex-${which}-reset-at`)) }
}

export function quotaFromHeaders(headers: Headers, planType: string | null = null): QuotaSnapshot | null {
  const primary = window(headers, 'primary')
  const secondary = window(headers, 'secondary')
  const hasCredits = flag(headers.get('x-codex-credits-has-credits'))
  const unlimited = flag(headers.get('x-codex-credits-unlimited'))
  const balance = headers.get('x-codex-credits-balance')
  if (!primary && !secondary && hasCredits === null && unlimited === null && balance === null) return null
  return {
    primary,
    secondary,
    credits: hasCredits === null && unlimited === null && balance === null ? null : { has_credits: hasCredits, unlimited, balance },
    plan_type: planType,
    active_limit: headers.get('x-codex-active-limit'),
    updated_at: new Date().toISOString(),
  }
}

export class QuotaStore {
  latest: QuotaSnapshot | null = null

  record(headers: Headers, planType: string | null): void {
    const snapshot = quotaFromHeaders(headers, planType)
    if (snapshot) this.latest = snapshot
  }
}

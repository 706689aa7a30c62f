/** An on/off environment switch: `1`, `true`, `yes` or `on` (any case) turn it on; anything else, or unset, is off. */
export function envFlag(value: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((value ?? '').trim().toLowerCase())
}

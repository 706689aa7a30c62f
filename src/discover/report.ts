import type { DiscoveryReport, ModelVerdict } from './run.ts'

const ROUTE_FOR: Record<ModelVerdict, (provider: string | undefined) => string> = {
  added: (endpoint) => endpoint ?? '',
  kept: () => 'kept',
  'not-added': () => 'unverified',
  skipped: () => 'skipped',
  'slug-taken': () => 'not added',
}

const NOTE_FOR = {
  added: '',
  kept: 'not verified; previous entry kept',
  'not-added': 'not verified; not added (try again later)',
  skipped: 'refused everywhere',
  'slug-taken': 'slug already used by your entry',
} as const satisfies Record<ModelVerdict, string>

/** The plain-text summary: a table of models, what was removed, and the next step. */
export function reportLines(report: DiscoveryReport): string[] {
  const rows = report.models.map((model) => {
    const endpoint = model.outcome.kind === 'ok' ? model.outcome.endpoint : undefined
    const conflict = report.conflicts.find((entry) => entry.slug === model.slug)
    const note = model.verdict === 'added' ? '' : model.verdict === 'slug-taken' && conflict ? `${NOTE_FOR['slug-taken']} ${conflict.owner}` : `${NOTE_FOR[model.verdict]}: ${model.detail}`
    return [model.verdict === 'skipped' || model.verdict === 'not-added' ? '-' : model.slug, ROUTE_FOR[model.verdict](endpoint), model.model.id, note]
  })
  const counts = countBy(report.models.map((model) => model.verdict))
  const lines = [
    `${report.source}: ${report.models.length} model${report.models.length === 1 ? '' : 's'} listed, ${counts.added ?? 0} ready, ${(counts.kept ?? 0) + (counts['not-added'] ?? 0)} not verified, ${(counts.skipped ?? 0) + (counts['slug-taken'] ?? 0)} skipped.`,
    ...table([['SLUG', 'ROUTE', 'MODEL', 'NOTE'], ...rows]),
  ]
  if (report.removed.length) lines.push(`Removed: ${report.removed.join(', ')} (no longer listed or no longer served).`)
  if (report.imageUnknown.length) {
    lines.push(`Image support unknown for ${report.imageUnknown.join(', ')}: the listing does not say; set "no_image_support": true on any that cannot read images.`)
  }
  if (report.dryRun) {
    lines.push(report.changed ? `Dry run: ${report.settingsPath} not written. Changes:` : `Dry run: ${report.settingsPath} would not change.`)
    if (report.changed) lines.push(report.diff.trimEnd())
  } else if (report.written) {
    lines.push(`Wrote ${report.settingsPath}${report.backup ? ` (backup: ${report.backup})` : ''}.`)
    lines.push('Next: run `codex-shim restart` to load them.')
  } else {
    lines.push(`${report.settingsPath} is already up to date.`)
  }
  return lines
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)))
  return rows.map((row) => `  ${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')}`.trimEnd())
}

function countBy<T extends string>(values: T[]): Partial<Record<T, number>> {
  const counts: Partial<Record<T, number>> = {}
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1
  return counts
}

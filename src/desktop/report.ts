import type { NeedleMatch } from './needles.ts'
import type { PatchReport, Signing } from './patch.ts'
import type { RestoreReport } from './restore.ts'
import type { SignTarget } from './sign.ts'

/** Plain-text lines for patch-app and restore-app (no colour: the commands print them as they are). */

const oneLine = (text: string): string => text.replace(/\s+/g, ' ')

const CONTEXT = 50

/** Narrows a long match to the part that changes, with some code on each side. */
function focus(edit: NeedleMatch): { before: string; old: string; new: string; after: string } {
  let prefix = 0
  while (prefix < edit.text.length && prefix < edit.replacement.length && edit.text[prefix] === edit.replacement[prefix]) prefix++
  let suffix = 0
  while (suffix < edit.text.length - prefix && suffix < edit.replacement.length - prefix && edit.text.at(-1 - suffix) === edit.replacement.at(-1 - suffix)) suffix++
  const before = (edit.before + edit.text.slice(0, prefix)).slice(-CONTEXT)
  const after = (edit.text.slice(edit.text.length - suffix) + edit.after).slice(0, CONTEXT)
  return { before: oneLine(before), old: edit.text.slice(prefix, edit.text.length - suffix), new: edit.replacement.slice(prefix, edit.replacement.length - suffix), after: oneLine(after) }
}

function signingLines(signing: Signing): string[] {
  switch (signing.state) {
    case 'skipped':
      return ['Signing: skipped (--no-sign). macOS will not launch this bundle until it is re-signed.']
    case 'unavailable':
      return [`Signing: needs macOS codesign; on ${signing.platform} only --no-sign runs are possible.`]
    case 'would-sign':
      return ['Would re-sign ad hoc (codesign --force --deep --sign -), then:', ...targetLines(signing.targets)]
    case 'signed':
      return ['Re-signed ad hoc:', ...targetLines(signing.targets)]
    default: {
      const never: never = signing
      return never
    }
  }
}

function targetLines(targets: SignTarget[]): string[] {
  return targets.map((target) => {
    const kept = Object.keys(target.kept)
    const dropped = target.dropped.length > 0 ? `; dropped team-bound: ${target.dropped.join(', ')}` : ''
    return `  ${target.path}: entitlements kept: ${kept.length > 0 ? kept.join(', ') : 'none'}${dropped}`
  })
}

export function patchReportLines(report: PatchReport): string[] {
  const lines = [`Codex Desktop ${report.version} at ${report.appPath}`, `Archive: ${report.asarPath}`]
  switch (report.status) {
    case 'already-patched':
      lines.push('Already patched: both edits are in place; nothing to change.')
      if (report.repaired.length > 0) lines.push(`Finished an interrupted run; updated: ${report.repaired.join(', ')}`)
      if (report.repaired.length > 0 || report.signing.state === 'signed') lines.push(...signingLines(report.signing))
      return lines
    case 'dry-run':
    case 'patched': {
      const verb = report.status === 'dry-run' ? 'Would change' : 'Changed'
      for (const edit of report.edits) {
        const change = focus(edit)
        lines.push(`${verb} the ${edit.label} in ${edit.path}:`)
        lines.push(`  - …${change.before}[${change.old}]${change.after}…`)
        lines.push(`  + …${change.before}[${change.new}]${change.after}…`)
      }
      lines.push(`Header hash (ElectronAsarIntegrity): ${report.headerHash.before} → ${report.headerHash.after}`)
      lines.push(report.plists.length > 0 ? `Info.plist files with that hash: ${report.plists.join(', ')}` : 'No Info.plist pins the header hash.')
      if (report.digestSlots > 0) lines.push(`Electron Framework integrity digest: ${report.digestSlots} slot(s) in use, ${report.status === 'dry-run' ? 'would be recomputed' : 'recomputed'}.`)
      lines.push(...signingLines(report.signing))
      if (report.status === 'dry-run') lines.push('Dry run: nothing was written.')
      else lines.push(`Backup: ${report.backup}`, 'Quit and reopen Codex Desktop to load the patched app. Undo with `codex-shim restore-app`.')
      return lines
    }
    default: {
      const never: never = report.status
      return never
    }
  }
}

export function restoreReportLines(report: RestoreReport): string[] {
  switch (report.status) {
    case 'not-patched': {
      const others = report.otherVersions.length > 0 ? ` Backups for Codex ${report.otherVersions.join(', ')} are kept but never applied to another version.` : ''
      return [`Codex Desktop ${report.version} at ${report.appPath} is not patched by codex-shim; nothing to restore.${others}`]
    }
    case 'restored':
      return [
        `Restored Codex Desktop ${report.version} at ${report.appPath} from ${report.backup}:`,
        ...report.files.map((file) => `  ${file}`),
        ...(report.signed ? ['Re-signed ad hoc:', ...targetLines(report.signed)] : ['Signing: skipped (--no-sign).']),
        'Quit and reopen Codex Desktop to load it.',
      ]
    default: {
      const never: never = report
      return never
    }
  }
}

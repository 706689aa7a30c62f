import { fileAbsent, fileText } from '../file-text.ts'
import { shimPaths } from '../paths.ts'
import { sha256Hex } from '../sha256.ts'
import { writePrivateFile } from '../private-file.ts'

/**
 * The settings texts this build has validated. Building valibot's schemas and
 * running them is most of what a settings file adds to a start (~2 of ~4 ms
 * in the compiled binary), and the file rarely changes between starts; a
 * text this build validated before, byte for byte, is normalised without them
 * (parse-validated.ts). `start` validates in its own process before it spawns
 * the daemon, so the daemon's start is the second.
 *
 * One line per text: the build's id and the SHA-256 of the whole text, so the
 * file says nothing about what the settings hold (an API key written in them
 * cannot be read back from a digest of the file). A text is recorded only when
 * the schemas passed it through unchanged (they trim strings), and only for
 * the binary's own id: from source the code can change under the same id.
 */

/** Texts kept per build: a few settings files used in turn (`--settings`) all stay validated. */
const KEPT = 8

export function validatedKey(text: string, buildId: string): string {
  return `${buildId} ${sha256Hex(text)}`
}

/** The record's lines; none when there is no record or it cannot be read (then the schemas run, as always). */
export async function readValidatedRecord(path = shimPaths.validatedSettings()): Promise<string[]> {
  try {
    const file = Bun.file(path)
    // The first start after an install has none.
    if (await fileAbsent(file)) return []
    return (await fileText(file)).split('\n')
  } catch {
    return []
  }
}

/**
 * Adds a key, dropping other builds' lines and the oldest beyond KEPT. Written
 * as a private file (0600, not atomic): a line cut short matches no key, so a
 * half-written record only costs the next start a validation. A record that
 * cannot be written costs the same, and is not an error.
 */
export function recordValidated(record: readonly string[], key: string, path = shimPaths.validatedSettings()): Promise<void> {
  const build = key.slice(0, key.indexOf(' ') + 1)
  const kept = record.filter((line) => line.startsWith(build) && line !== key).slice(1 - KEPT)
  const write = writePrivateFile(path, `${[...kept, key].join('\n')}\n`).catch(() => {})
  writes = writes.then(() => write)
  return write
}

let writes: Promise<void> = Promise.resolve()

/** Settles once every record write begun so far has ended: a start does not wait for its own (tests do). */
export const recordsWritten = (): Promise<void> => writes

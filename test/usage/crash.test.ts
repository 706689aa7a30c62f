import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freshDir, storedRows } from './_support.ts'

const BATCH = 200

test('kill -9 while appending loses at most the last unflushed batch, and never a flushed row', async () => {
  const dir = freshDir('crash')
  const path = join(dir, 'usage.db')
  const counterPath = join(dir, 'appended.txt')
  const child = Bun.spawn([process.execPath, join(import.meta.dir, '_crash-child.ts'), path, counterPath, String(BATCH)], { stdout: 'pipe', stderr: 'pipe' })
  const reader = child.stdout.getReader()
  const decoder = new TextDecoder()
  let text = ''
  const flushed = () => [...text.matchAll(/^flushed (\d+)$/gm)].map((match) => Number(match[1]))
  while (flushed().length < 4) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`child ended early: ${await new Response(child.stderr).text()}`)
    text += decoder.decode(value)
  }
  child.kill(9)
  await child.exited
  expect(child.signalCode).toBe('SIGKILL')
  const reportedFlushed = flushed().at(-1)!
  const appended = Number(readFileSync(counterPath, 'utf8'))
  const rows = storedRows(path)
  const sequence = rows.map((row) => row.duration_ms)
  // Every batch the child saw committed is there, in order, without gaps.
  expect(rows.length).toBeGreaterThanOrEqual(reportedFlushed)
  expect(sequence).toEqual(Array.from({ length: rows.length }, (_, index) => index + 1))
  // What was lost is what was still in memory: at most one batch.
  expect(appended - rows.length).toBeGreaterThanOrEqual(0)
  expect(appended - rows.length).toBeLessThanOrEqual(BATCH)
  console.log(`crash: appended ${appended}, child reported ${reportedFlushed} flushed, ${rows.length} rows present, lost ${appended - rows.length} (batch ≤ ${BATCH})`)
})

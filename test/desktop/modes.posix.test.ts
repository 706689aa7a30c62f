/** Files patch-app and restore-app replace keep their mode, whatever the umask of the shell that ran it. */
import { expect, test } from 'bun:test'
import { chmodSync, statSync } from 'node:fs'
import { makeCodexApp } from './_bundle.ts'
import { freshShimHome, runDesktop } from './_run.ts'

const mode = (path: string) => statSync(path).mode & 0o777

test('patch-app under umask 077 leaves app.asar and the plists 0644, as they were', async () => {
  const app = await makeCodexApp()
  const home = freshShimHome(app.root)
  for (const path of [app.asar, app.plist, app.helperPlist]) chmodSync(path, 0o644)
  const previous = process.umask(0o077)
  try {
    const run = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(0)
  } finally {
    process.umask(previous)
  }
  // Others (another account on the Mac, a helper running as another user) must still read them.
  expect(mode(app.asar)).toBe(0o644)
  expect(mode(app.plist)).toBe(0o644)
  expect(mode(app.helperPlist)).toBe(0o644)
})

test('restore-app under umask 077 puts the files back with their own mode', async () => {
  const app = await makeCodexApp()
  const home = freshShimHome(app.root)
  for (const path of [app.asar, app.plist, app.helperPlist]) chmodSync(path, 0o644)
  const previous = process.umask(0o077)
  try {
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    expect(runDesktop(['restore-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
  } finally {
    process.umask(previous)
  }
  expect(mode(app.asar)).toBe(0o644)
  expect(mode(app.plist)).toBe(0o644)
  expect(mode(app.helperPlist)).toBe(0o644)

})

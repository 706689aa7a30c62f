// Run by the fsync test (test/files/fsync-off-thread.linux.test.ts) under strace:
// the control page's model switch in a running proxy (the catalog, the
// provider snippet and config.toml written again).
import { writeSync } from 'node:fs'
import { SERVING, SHUTDOWN } from '../support/fsync-trace.ts'
import { enabledHomes, realUiDeps } from './_fixture.ts'

await enabledHomes('fsync')
const { deps } = realUiDeps()
writeSync(2, SERVING)
const switched = await deps.switchModel('deepseek-chat')
writeSync(2, SHUTDOWN)
if (!switched.changed) throw new Error('the switch changed nothing')

#!/usr/bin/env bun
import { defineCommand, runMain } from 'citty'
import { VERSION } from './version.ts'

const main = defineCommand({
  meta: {
    name: 'codex-shim',
    version: VERSION,
    description: 'Use Codex, Cursor and Claude Code with the models you already pay for: a local streaming proxy on 127.0.0.1:8765.',
  },
  subCommands: {
    start: () => import('./commands/start.ts').then((m) => m.default),
    stop: () => import('./commands/stop.ts').then((m) => m.default),
    restart: () => import('./commands/restart.ts').then((m) => m.default),
    status: () => import('./commands/status.ts').then((m) => m.default),
    list: () => import('./commands/list.ts').then((m) => m.default),
    generate: () => import('./commands/generate.ts').then((m) => m.default),
    enable: () => import('./commands/enable.ts').then((m) => m.default),
    disable: () => import('./commands/disable.ts').then((m) => m.default),
    model: () => import('./commands/model/index.ts').then((m) => m.default),
    codex: () => import('./commands/codex.ts').then((m) => m.default),
    app: () => import('./commands/app.ts').then((m) => m.default),
    usage: () => import('./commands/usage.ts').then((m) => m.default),
    doctor: () => import('./commands/doctor.ts').then((m) => m.default),
    _serve: () => import('./commands/_serve.ts').then((m) => m.default),
  },
})

runMain(main)

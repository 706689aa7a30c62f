import { defineCommand } from 'citty'

export default defineCommand({
  meta: { name: 'opencode-go', description: 'OpenCode Go subscription models' },
  subCommands: {
    refresh: () => import('./refresh.ts').then((m) => m.default),
  },
})

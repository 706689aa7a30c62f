import { defineCommand } from 'citty'

export default defineCommand({
  meta: { name: 'model', description: 'Show or switch the model Codex uses through codex-shim' },
  subCommands: {
    list: () => import('./list.ts').then((m) => m.default),
    use: () => import('./use.ts').then((m) => m.default),
  },
})

import { defineCommand } from 'citty'

export default defineCommand({
  meta: { name: 'router', description: 'The auto router: see how it would route a task' },
  subCommands: {
    explain: () => import('./explain.ts').then((m) => m.default),
  },
})

import { defineCommand } from 'citty'

export default defineCommand({
  meta: { name: 'service', description: 'Start the proxy at login: systemd (Linux), launchd (macOS) or Task Scheduler (Windows)' },
  subCommands: {
    install: () => import('./install.ts').then((m) => m.default),
    uninstall: () => import('./uninstall.ts').then((m) => m.default),
    status: () => import('./status.ts').then((m) => m.default),
  },
})

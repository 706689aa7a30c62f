import { ShimError } from '../errors.ts'
import { log } from '../log.ts'

export type TunnelKind = 'cloudflared' | 'ngrok'

export interface Tunnel {
  kind: TunnelKind
  publicUrl: string
  /** The tool's process: recorded in the pid file, so a daemon that dies without stopping it does not leave it running. */
  pid: number
  stop: () => void
  /** Settles when the tunnel tool exits by itself (not through `stop`): its URL reaches nothing any more. */
  lost: Promise<void>
}

/**
 * Whether a command line is the tunnel tool `start --tunnel` ran for this port (tunnelCommand's
 * words): a recorded pid is signalled only while it still is.
 */
export function isOurTunnel(argv: string[], port: number): boolean {
  const tool = argv.some((word) => /(^|[\\/])(cloudflared|ngrok)(\.exe)?$/i.test(word))
  return tool && (argv.includes(`http://127.0.0.1:${port}`) || (argv.includes('http') && argv.includes(String(port))))
}

/** cloudflared first (its quick tunnels need no account), then ngrok. */
export function findTunnel(preferred?: string): { kind: TunnelKind; bin: string } {
  const kinds: TunnelKind[] = preferred === 'ngrok' ? ['ngrok'] : preferred === 'cloudflared' ? ['cloudflared'] : ['cloudflared', 'ngrok']
  for (const kind of kinds) {
    const bin = Bun.which(kind)
    if (bin) return { kind, bin }
  }
  throw new ShimError('config', `--tunnel needs ${kinds.join(' or ')} on PATH, and none was found. Install cloudflared (no account needed) or ngrok, then try again.`)
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/** Polls `read` until it yields a URL, the child exits, or the deadline passes. */
async function waitForUrl(child: ReturnType<typeof Bun.spawn>, read: () => Promise<string | null>, timeoutMs: number, kind: string): Promise<string> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new ShimError('config', `${kind} exited (code ${child.exitCode}) before the tunnel was up. Run it by hand to see why (for ngrok: \`ngrok config check\`).`)
    const url = await read().catch(() => null)
    if (url) return url
    await Bun.sleep(250)
  }
  child.kill()
  throw new ShimError('config', `${kind} did not report a public URL within ${timeoutMs / 1000} s.`)
}

/**
 * Starts a tunnel to the local proxy as a child process and reads its public
 * URL from the tool's local API (cloudflared's `/quicktunnel` metrics route,
 * ngrok's agent API), not from log text.
 */
export async function startTunnel(port: number, preferred?: string, timeoutMs = 20_000): Promise<Tunnel> {
  const { kind, bin } = findTunnel(preferred)
  let child: ReturnType<typeof Bun.spawn>
  let read: () => Promise<string | null>
  if (kind === 'cloudflared') {
    const metrics = await freePort()
    child = Bun.spawn([bin, 'tunnel', '--no-autoupdate', '--url', `http://127.0.0.1:${port}`, '--metrics', `127.0.0.1:${metrics}`], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' })
    read = async () => {
      const body = (await (await fetch(`http://127.0.0.1:${metrics}/quicktunnel`, { signal: AbortSignal.timeout(1000) })).json()) as { hostname?: string }
      return body.hostname ? `https://${body.hostname}` : null
    }
  } else {
    child = Bun.spawn([bin, 'http', String(port), '--log=stdout', '--log-format=json'], { stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' })
    read = async () => {
      // Another ngrok agent may own 4040 (and its tunnels): ours then takes the next free port, and
      // only a tunnel that forwards to our port is ours.
      const ours = (tunnel: { config?: { addr?: string } }) => typeof tunnel.config?.addr === 'string' && new RegExp(`:${port}/?$`).test(tunnel.config.addr)
      for (const apiPort of [4040, 4041, 4042, 4043, 4044, 4045]) {
        const body = (await fetch(`http://127.0.0.1:${apiPort}/api/tunnels`, { signal: AbortSignal.timeout(1000) })
          .then((response) => response.json())
          .catch(() => null)) as { tunnels?: { public_url?: string; config?: { addr?: string } }[] } | null
        const url = body?.tunnels?.filter(ours).map((tunnel) => tunnel.public_url).find((candidate) => candidate?.startsWith('https://'))
        if (url) return url
      }
      return null
    }
  }
  const publicUrl = await waitForUrl(child, read, timeoutMs, kind)
  let stopped = false
  const lost = child.exited.then((code) => {
    if (stopped) return new Promise<void>(() => {}) // stopped on purpose: never "lost"
    log.warn(`${kind} tunnel exited (code ${code}); ${publicUrl} no longer reaches this proxy. Run \`codex-shim restart --tunnel\` for a new one.`)
  })
  return {
    kind,
    publicUrl,
    pid: child.pid,
    lost,
    stop: () => {
      stopped = true
      child.kill('SIGTERM')
    },
  }
}

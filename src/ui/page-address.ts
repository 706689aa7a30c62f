/** Where a browser on this machine finds the control page: a wildcard bind is still reached on loopback. */
export function pageAddress(host: string, port: number): string {
  const reachable = host === '0.0.0.0' || host === '::' || !host ? '127.0.0.1' : host
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}/`
}

/** The address a proxy listens on, as a URL (an IPv6 host in brackets), as `start` and `status` print it. */
export function displayUrl(host: string, port: number): string {
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`
}

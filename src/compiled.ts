/**
 * Whether this process is the compiled binary, whose modules live in Bun's
 * embedded file system (`/$bunfs/root/…`; `B:\~BUN\root\…` on Windows), rather
 * than `bun src/cli.ts` from a checkout.
 */
export function isCompiledBinary(main: string = Bun.main): boolean {
  return main.startsWith('/$bunfs/') || /^[A-Za-z]:[\\/]~BUN[\\/]/.test(main) || main.includes('/~BUN/')
}

/**
 * A config.toml edit refused before anything was written. Its own module so
 * the command runner can recognise it without loading the TOML parser.
 */
export class ConfigEditError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigEditError'
  }
}

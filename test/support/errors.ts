import { ShimError } from '../../src/errors.ts'

/** The ShimError `run` throws; anything else thrown is rethrown, and not throwing fails the test. */
export function shimErrorFrom(run: () => unknown): ShimError {
  try {
    run()
  } catch (error) {
    if (error instanceof ShimError) return error
    throw error
  }
  throw new Error('expected a ShimError')
}

/** The message of whatever `run` throws, or null when it returns: for comparing two checks' refusals. */
export function messageThrownBy(run: () => unknown): string | null {
  try {
    run()
    return null
  } catch (error) {
    return (error as Error).message
  }
}

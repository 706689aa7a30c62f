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

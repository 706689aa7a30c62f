import { expect, test } from 'bun:test'
import { duration } from '../../src/usage/report.ts'

// Rounding after choosing the unit printed "1m 60s", "60.0 s" and "1000 ms" (the WALL and TTFT columns).
test('duration: a value that rounds up to the next unit is shown in that unit', () => {
  expect(duration(119_600)).toBe('2m 0s')
  expect(duration(59_960)).toBe('1m 0s')
  expect(duration(999.6)).toBe('1.0 s')
  expect(duration(3_599_700)).toBe('1h 0m')
  expect(duration(700)).toBe('700 ms')
  expect(duration(34_000)).toBe('34.0 s')
  expect(duration(125_000)).toBe('2m 5s')
  expect(duration(7_380_000)).toBe('2h 3m')
  expect(duration(null)).toBe('-')
})

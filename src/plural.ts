/** `1 model`, `3 models`: a count with its noun, as a sentence says it. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

import type { Settings } from '../settings/schema.ts'
import { ModelList, type ListedModel } from './model-list.ts'

export type { ListedModel }

/** Configured models and aliases, without the subscription's (no I/O). */
export function listedModels(settings: Settings): ListedModel[] {
  return new ModelList(settings, { chatgpt: null }).configured()
}

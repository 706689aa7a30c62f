import * as v from 'valibot'

/**
 * An object with a string `type`, checked further by the schema its type
 * names in `schemas` (issues keep their paths, so errors name the field).
 * Types not in the table pass here: whether an unknown type is an error
 * depends on the route (a passthrough lets the upstream judge).
 */
export function byType(schemas: Readonly<Record<string, v.GenericSchema>>, message: string) {
  return v.pipe(
    v.looseObject({ type: v.string(message) }),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return
      const schema = Object.hasOwn(schemas, dataset.value.type) ? schemas[dataset.value.type] : undefined
      const result = schema && v.safeParse(schema, dataset.value)
      if (result && !result.success) for (const issue of result.issues) addIssue({ message: issue.message, path: issue.path as never, received: issue.received })
    }),
  )
}

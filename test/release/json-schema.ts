/**
 * A JSON Schema (draft-07) checker for the keywords Scoop's schema uses, and
 * no more: $ref (local), type, enum, properties, patternProperties,
 * additionalProperties, required, items, minItems, maxItems, uniqueItems,
 * pattern, anyOf, oneOf, not, if/then, and format "uri". Annotations
 * (title, description, examples, $id, $schema) are ignored; any other
 * keyword throws, so a schema we cannot fully check is never passed quietly.
 */
type Schema = boolean | Record<string, unknown>

const ANNOTATIONS = new Set(['$id', '$schema', 'title', 'description', 'examples', 'definitions', 'default', '$comment'])
const CHECKED = new Set(['$ref', 'type', 'enum', 'properties', 'patternProperties', 'additionalProperties', 'required', 'items', 'minItems', 'maxItems', 'uniqueItems', 'pattern', 'anyOf', 'oneOf', 'not', 'if', 'then', 'format'])

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function typeMatches(value: unknown, type: string): boolean {
  const actual = typeOf(value)
  return actual === type || (type === 'number' && actual === 'integer')
}

export function validate(rootSchema: Schema, value: unknown): string[] {
  const resolve = (ref: string): Schema => {
    if (!ref.startsWith('#/')) throw new Error(`only local $ref is supported, got ${ref}`)
    let node: unknown = rootSchema
    for (const part of ref.slice(2).split('/')) node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')]
    if (node === undefined) throw new Error(`unresolvable $ref ${ref}`)
    return node as Schema
  }

  const check = (schema: Schema, data: unknown, path: string): string[] => {
    if (schema === true) return []
    if (schema === false) return [`${path}: not allowed`]
    for (const keyword of Object.keys(schema)) {
      if (!ANNOTATIONS.has(keyword) && !CHECKED.has(keyword)) throw new Error(`unsupported keyword ${keyword} at ${path}`)
    }
    // draft-07: $ref ignores its siblings.
    if (typeof schema.$ref === 'string') return check(resolve(schema.$ref), data, path)
    const errors: string[] = []
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string]
      if (!types.some((type) => typeMatches(data, type))) return [`${path}: expected ${types.join(' or ')}, got ${typeOf(data)}`]
    }
    if (Array.isArray(schema.enum) && !schema.enum.some((option) => JSON.stringify(option) === JSON.stringify(data))) errors.push(`${path}: not one of ${JSON.stringify(schema.enum)}`)
    if (typeof data === 'string') {
      if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(data)) errors.push(`${path}: does not match ${schema.pattern}`)
      if (schema.format === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(data)) errors.push(`${path}: not a URI`)
    }
    if (Array.isArray(data)) {
      if (typeof schema.minItems === 'number' && data.length < schema.minItems) errors.push(`${path}: fewer than ${schema.minItems} items`)
      if (typeof schema.maxItems === 'number' && data.length > schema.maxItems) errors.push(`${path}: more than ${schema.maxItems} items`)
      if (schema.uniqueItems === true && new Set(data.map((item) => JSON.stringify(item))).size !== data.length) errors.push(`${path}: items are not unique`)
      if (Array.isArray(schema.items)) {
        (schema.items as Schema[]).forEach((itemSchema, index) => {
          if (index < data.length) errors.push(...check(itemSchema, data[index], `${path}[${index}]`))
        })
      } else if (schema.items !== undefined) {
        data.forEach((item, index) => errors.push(...check(schema.items as Schema, item, `${path}[${index}]`)))
      }
    }
    if (typeOf(data) === 'object') {
      const object = data as Record<string, unknown>
      for (const name of (schema.required as string[] | undefined) ?? []) if (!(name in object)) errors.push(`${path}: missing ${name}`)
      const properties = (schema.properties ?? {}) as Record<string, Schema>
      const patterns = Object.entries((schema.patternProperties ?? {}) as Record<string, Schema>)
      for (const [name, child] of Object.entries(object)) {
        let matched = false
        if (Object.hasOwn(properties, name)) {
          matched = true
          errors.push(...check(properties[name]!, child, `${path}.${name}`))
        }
        for (const [pattern, patternSchema] of patterns) {
          if (new RegExp(pattern, 'u').test(name)) {
            matched = true
            errors.push(...check(patternSchema, child, `${path}.${name}`))
          }
        }
        if (!matched && schema.additionalProperties !== undefined) errors.push(...check(schema.additionalProperties as Schema, child, `${path}.${name}`))
      }
    }
    if (Array.isArray(schema.anyOf) && !(schema.anyOf as Schema[]).some((option) => check(option, data, path).length === 0)) errors.push(`${path}: matches none of anyOf`)
    if (Array.isArray(schema.oneOf)) {
      const passing = (schema.oneOf as Schema[]).filter((option) => check(option, data, path).length === 0).length
      if (passing !== 1) errors.push(`${path}: matches ${passing} of oneOf, expected exactly 1`)
    }
    if (schema.not !== undefined && check(schema.not as Schema, data, path).length === 0) errors.push(`${path}: matches a "not" schema`)
    if (schema.if !== undefined && schema.then !== undefined && check(schema.if as Schema, data, path).length === 0) errors.push(...check(schema.then as Schema, data, path))
    return errors
  }

  return check(rootSchema, value, '$')
}

/**
 * An error body exactly as the OpenAI API sends it for its stored-response
 * endpoints: `type` is always `invalid_request_error` there, and `code` is
 * often null (a 404 for an unknown response), which the dialect's general
 * renderer (it fills a code from the error kind) does not produce.
 */
export function apiError(status: number, message: string, options: { param?: string | null; code?: string | null } = {}): Response {
  const body = { error: { message, type: 'invalid_request_error', param: options.param ?? null, code: options.code ?? null } }
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

export function responseNotFound(id: string): Response {
  return apiError(404, `Response with id '${id.slice(0, 128)}' not found.`)
}

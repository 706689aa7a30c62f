/**
 * Fake OpenAI-compatible servers for `codex-shim discover`, hand-written from
 * the public docs (no captures):
 * - Ollama style: keyless, `/v1/models` with bare ids (`llama3.2:latest`),
 *   404 `{"error": {"message": "model … not found"}}` for what it does not serve;
 * - OpenRouter style: Bearer key, `/api/v1/models` with `name`,
 *   `context_length` and `architecture.input_modalities`.
 * Each model is served on the endpoints the test lists; every request is recorded.
 */
import type { Json } from './chat-upstream.ts'

export type ListedEndpoint = 'chat' | 'messages' | 'responses'

export interface ListedModel {
  id: string
  serves: ListedEndpoint[]
  /** OpenRouter metadata. */
  name?: string
  inputModalities?: string[]
  contextLength?: number
  /** Answer 429 on every endpoint. */
  busy?: boolean
  /** Answer 401 on the chat endpoint (a key that expired for that route), 404 on the others. */
  keyRefused?: boolean
}

export interface RecordedListingRequest {
  method: string
  path: string
  headers: Record<string, string>
  body: Json | null
}

export interface FakeListingServer {
  url: string
  requests: RecordedListingRequest[]
  models: ListedModel[]
  close(): void
}

const PATHS: Record<string, ListedEndpoint> = { '/chat/completions': 'chat', '/messages': 'messages', '/responses': 'responses' }

export function startFakeListingServer(options: { style: 'ollama' | 'openrouter'; key?: string; models: ListedModel[] }): FakeListingServer {
  const requests: RecordedListingRequest[] = []
  const state = { models: options.models }
  const root = options.style === 'ollama' ? '/v1' : '/api/v1'
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const headers = Object.fromEntries(request.headers)
      const body = request.method === 'POST' ? ((await request.json().catch(() => null)) as Json | null) : null
      const path = url.pathname.startsWith(root) ? url.pathname.slice(root.length) : url.pathname
      requests.push({ method: request.method, path, headers, body })
      if (!url.pathname.startsWith(`${root}/`)) return new Response('404 page not found', { status: 404 })

      if (options.key) {
        const presented = headers.authorization?.replace(/^Bearer /, '') ?? headers['x-api-key']
        if (presented !== options.key) return Response.json({ error: { message: 'No auth credentials found', code: 401 } }, { status: 401 })
      }
      if (request.method === 'GET' && path === '/models') return Response.json({ object: 'list', data: state.models.map((model) => listing(options.style, model)) })
      const endpoint = PATHS[path]
      if (request.method !== 'POST' || !endpoint) return new Response('404 page not found', { status: 404 })
      if (!body || typeof body.model !== 'string') return Response.json({ error: { message: 'model is required', type: 'invalid_request_error' } }, { status: 400 })
      if (endpoint === 'messages' && !headers['anthropic-version']) return Response.json({ type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version header is required' } }, { status: 400 })
      if (endpoint === 'responses' && (typeof body.max_output_tokens === 'number' && body.max_output_tokens < 16)) {
        return Response.json({ error: { message: 'max_output_tokens must be at least 16', type: 'invalid_request_error' } }, { status: 400 })
      }
      const model = state.models.find((entry) => entry.id === body.model)
      if (!model) return Response.json({ error: { message: `model "${body.model}" not found, try pulling it first`, type: 'api_error' } }, { status: 404 })
      if (model.busy) return Response.json({ error: { message: 'Rate limit exceeded', code: 429 } }, { status: 429 })
      if (model.keyRefused) return endpoint === 'chat' ? Response.json({ error: { message: 'Invalid API key', type: 'invalid_request_error' } }, { status: 401 }) : new Response('404 page not found', { status: 404 })
      if (!model.serves.includes(endpoint)) return Response.json({ error: { message: `${model.id} does not support ${path}`, type: 'invalid_request_error' } }, { status: 400 })
      return Response.json(answer(endpoint, model.id))
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}${root}`,
    requests,
    get models() {
      return state.models
    },
    set models(models: ListedModel[]) {
      state.models = models
    },
    close: () => server.stop(true),
  }
}

function listing(style: 'ollama' | 'openrouter', model: ListedModel): Json {
  if (style === 'ollama') return { id: model.id, object: 'model', created: 1_790_000_000, owned_by: 'library' }
  const modalities = model.inputModalities ?? ['text']
  return {
    id: model.id,
    canonical_slug: model.id,
    name: model.name ?? model.id,
    created: 1_790_000_000,
    description: 'A model.',
    context_length: model.contextLength ?? 131072,
    architecture: { modality: `${modalities.join('+')}->text`, input_modalities: modalities, output_modalities: ['text'], tokenizer: 'Other' },
    pricing: { prompt: '0.0000003', completion: '0.0000012' },
    top_provider: { context_length: model.contextLength ?? 131072, max_completion_tokens: 16384, is_moderated: false },
    supported_parameters: ['tools', 'tool_choice', 'max_tokens'],
  }
}

function answer(endpoint: ListedEndpoint, model: string): Json {
  switch (endpoint) {
    case 'chat':
      return { id: 'chatcmpl-x', object: 'chat.completion', model, choices: [{ index: 0, message: { role: 'assistant', content: 'H' }, finish_reason: 'length' }] }
    case 'messages':
      return { id: 'msg_x', type: 'message', role: 'assistant', model, content: [{ type: 'text', text: 'H' }], stop_reason: 'max_tokens' }
    case 'responses':
      return { id: 'resp_x', object: 'response', status: 'incomplete', model, output: [] }
    default: {
      const never: never = endpoint
      throw new Error(String(never))
    }
  }
}

import { defineCommand } from 'citty'
import { parseBaseUrl, parsePrefer, probeArgs, requireKey, runDiscoveryCommand } from '../discover/command.ts'
import { normalizePrefix, prefixForBaseUrl } from '../discover/names.ts'
import { serverSource } from '../discover/sources.ts'
import { settingsArgs, UsageError, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: {
    name: 'discover',
    description: 'List the models of an OpenAI-compatible server (Ollama, LM Studio, vLLM, OpenRouter, …), probe each on chat, messages and responses, and write entries to the settings file',
  },
  args: {
    url: { type: 'positional', description: 'Base URL, e.g. http://127.0.0.1:11434/v1 or https://openrouter.ai/api/v1', required: true },
    'key-env': { type: 'string', description: 'Variable holding the API key (none for keyless servers such as Ollama)', valueHint: 'NAME' },
    prefix: { type: 'string', description: 'Slug prefix (default from the host: ollama-, openrouter-, …)', valueHint: 'P' },
    prefer: { type: 'string', description: 'Route for models served on several: chat (default), messages or responses', valueHint: 'chat|messages|responses' },
    ...settingsArgs,
    ...probeArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const baseUrl = parseBaseUrl(args.url, 'discover')
      const prefer = parsePrefer(args.prefer, ['chat', 'messages', 'responses'], 'chat')
      const apiKeyEnv = args['key-env']?.trim() || undefined
      const apiKey = apiKeyEnv ? requireKey(apiKeyEnv, '--key-env') : undefined
      const prefix = args.prefix === undefined ? prefixForBaseUrl(baseUrl) : normalizePrefix(args.prefix)
      if (!prefix) throw new UsageError(`--prefix expects lower-case letters, digits, ".", "_" or "-" (e.g. "ollama-"), got "${args.prefix}".`)
      return runDiscoveryCommand(serverSource({ baseUrl, apiKey, apiKeyEnv, prefix, prefer }), args)
    }),
})

import { defineCommand } from 'citty'
import { parseBaseUrl, parsePrefer, probeArgs, requireKey, runDiscoveryCommand } from '../../discover/command.ts'
import { OPENCODE_GO_BASE_URL, OPENCODE_GO_KEY_ENV, opencodeGoSource } from '../../discover/sources.ts'
import { settingsArgs, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'

export default defineCommand({
  meta: {
    name: 'refresh',
    description: `List OpenCode Go models, probe each on chat and messages (1-token requests), and write ocgo-* entries to the settings file. Base URL ${OPENCODE_GO_BASE_URL} (env OPENCODE_GO_BASE_URL overrides).`,
  },
  args: {
    prefer: { type: 'string', description: 'Route for models served on both: chat (default) or messages', valueHint: 'chat|messages' },
    'api-key-env': { type: 'string', description: `Variable holding the key (default ${OPENCODE_GO_KEY_ENV}); its name is written, never the key`, valueHint: 'NAME' },
    ...settingsArgs,
    ...probeArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const prefer = parsePrefer(args.prefer, ['chat', 'messages'], 'chat')
      const apiKeyEnv = args['api-key-env']?.trim() || OPENCODE_GO_KEY_ENV
      const apiKey = requireKey(apiKeyEnv, '--api-key-env')
      const baseUrl = parseBaseUrl(process.env.OPENCODE_GO_BASE_URL?.trim() || OPENCODE_GO_BASE_URL, 'OPENCODE_GO_BASE_URL')
      return runDiscoveryCommand(opencodeGoSource({ baseUrl, apiKey, apiKeyEnv, prefer }), args)
    }),
})

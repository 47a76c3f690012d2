/**
 * The Probot app: registers one handler per event and the health/metrics routes. No logic here.
 */
import type { ApplicationFunction, Probot } from 'probot';
import type { Logger } from 'pino';
import { registerHandlers } from './handlers.js';
import { redactLogs } from './redact-logs.js';
import { createRuntime } from './runtime.js';
import { httpRoutes } from './routes.js';
import { GITHUB_MAX_PAYLOAD_BYTES, webhookEndpoint } from './webhook-endpoint.js';

const app: ApplicationFunction = (probot, { addHandler }) => {
  redactLogs(probot.log);
  const runtime = createRuntime(probot);
  // Without REDIS_URL this process is also the worker; with it, `npm run worker` processes scale out
  // (set UPSTASH_GUARD_WORKER_IN_APP=1 to also process jobs in the app process).
  if (!process.env.REDIS_URL || process.env.UPSTASH_GUARD_WORKER_IN_APP === '1')
    runtime.startWorker();
  registerHandlers(probot, runtime.queue, {
    removed: (i, r) => runtime.removed(i, r),
    enqueueTimeoutMs: runtime.enqueueTimeoutMs,
  });
  replaceWebhookMiddleware(probot);
  addHandler(httpRoutes(runtime));
  // The incidents page, when the App's OAuth client is configured (GITHUB_CLIENT_ID/SECRET).
  if (runtime.incidents.routes) addHandler(runtime.incidents.routes);
  const shutdown = (): void => void runtime.close().finally(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
};

/**
 * Probot's server puts the middleware from `probot.getNodeMiddleware()` first and asks for it
 * after loading the app, so the bounded endpoint (webhook-endpoint.ts) takes its place there.
 */
function replaceWebhookMiddleware(probot: Probot, env: NodeJS.ProcessEnv = process.env): void {
  const endpoint = webhookEndpoint({
    path: probot.webhookPath,
    maxBytes: Number(env.UPSTASH_GUARD_WEBHOOK_MAX_BYTES ?? GITHUB_MAX_PAYLOAD_BYTES),
    maxBufferedBytes: Number(
      env.UPSTASH_GUARD_WEBHOOK_BUFFER_BYTES ?? 4 * GITHUB_MAX_PAYLOAD_BYTES,
    ),
    verify: (body, signature) => probot.webhooks.verify(body, signature),
    receive: (event) => probot.receive(event as never),
    log: probot.log as unknown as Logger,
  });
  Object.defineProperty(probot, 'getNodeMiddleware', { value: async () => endpoint });
}

export default app;

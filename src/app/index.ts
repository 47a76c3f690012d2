/**
 * The Probot app: registers one handler per event and the health/metrics routes. No logic here.
 */
import type { ApplicationFunction, Probot } from 'probot';
import type { Logger } from 'pino';
import { HANDLED_EVENTS, registerHandlers } from './handlers.js';
import { redactLogs } from './redact-logs.js';
import { createRuntime } from './runtime.js';
import { httpRoutes } from './routes.js';
import { BODY_TIMEOUT_MS, GITHUB_MAX_PAYLOAD_BYTES, webhookEndpoint } from './webhook-endpoint.js';

const app: ApplicationFunction = async (probot, { addHandler }) => {
  redactLogs(probot.log);
  const runtime = createRuntime(probot, process.env, { outbox: true });
  // Without REDIS_URL this process is also the worker; with it, `npm run worker` processes scale out
  // (set UPSTASH_GUARD_WORKER_IN_APP=1 to also process jobs in the app process).
  if (!process.env.REDIS_URL || process.env.UPSTASH_GUARD_WORKER_IN_APP === '1')
    runtime.startWorker();
  registerHandlers(probot, runtime.queue, {
    removed: (i, r) => runtime.removed(i, r),
    permissionsChanged: (i) => runtime.permissionsChanged(i),
    enqueueTimeoutMs: runtime.enqueueTimeoutMs,
  });
  const endpointFor = replaceWebhookMiddleware(probot);
  addHandler(httpRoutes(runtime));
  // Probot's setup flow registers the address the setup page was opened on, plus "/", as the
  // webhook URL (app.yml leaves hook_attributes to it): accept deliveries there too.
  const rootWebhooks = endpointFor('/');
  addHandler(async (req, res) =>
    req.method === 'POST' && (req.url ?? '').split('?')[0] === '/' ? rootWebhooks(req, res) : false,
  );
  // The incidents page, when the App's OAuth client is configured (GITHUB_CLIENT_ID/SECRET).
  if (runtime.incidents.routes) addHandler(runtime.incidents.routes);
  const shutdown = (signal: string): void => {
    probot.log.info({ signal }, 'shutting down: finishing the current jobs');
    void runtime.close().finally(() => {
      probot.log.info('shutdown complete');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
};

/**
 * Probot's server puts the middleware from `probot.getNodeMiddleware()` first and asks for it
 * after loading the app, so the bounded endpoint (webhook-endpoint.ts) takes its place there.
 */
function replaceWebhookMiddleware(
  probot: Probot,
  env: NodeJS.ProcessEnv = process.env,
): (path: string) => ReturnType<typeof webhookEndpoint> {
  const endpointFor = (path: string) =>
    webhookEndpoint({
      path,
      maxBytes: Number(env.UPSTASH_GUARD_WEBHOOK_MAX_BYTES ?? GITHUB_MAX_PAYLOAD_BYTES),
      maxBufferedBytes: Number(
        env.UPSTASH_GUARD_WEBHOOK_BUFFER_BYTES ?? 4 * GITHUB_MAX_PAYLOAD_BYTES,
      ),
      bodyTimeoutMs: Number(env.UPSTASH_GUARD_WEBHOOK_BODY_TIMEOUT_MS ?? BODY_TIMEOUT_MS),
      verify: (body, signature) => probot.webhooks.verify(body, signature),
      receive: (event) => probot.receive(event as never),
      events: HANDLED_EVENTS,
      log: probot.log as unknown as Logger,
    });
  const endpoint = endpointFor(probot.webhookPath);
  Object.defineProperty(probot, 'getNodeMiddleware', { value: async () => endpoint });
  return endpointFor;
}

export default app;

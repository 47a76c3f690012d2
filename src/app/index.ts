/**
 * The Probot app: registers one handler per event and the health/metrics routes. No logic here.
 */
import type { ApplicationFunction } from 'probot';
import { registerHandlers } from './handlers.js';
import { redactLogs } from './redact-logs.js';
import { createRuntime } from './runtime.js';
import { httpRoutes } from './routes.js';

const app: ApplicationFunction = (probot, { addHandler }) => {
  redactLogs(probot.log);
  const runtime = createRuntime(probot);
  // Without REDIS_URL this process is also the worker; with it, `npm run worker` processes scale out
  // (set UPSTASH_GUARD_WORKER_IN_APP=1 to also process jobs in the app process).
  if (!process.env.REDIS_URL || process.env.UPSTASH_GUARD_WORKER_IN_APP === '1')
    runtime.startWorker();
  registerHandlers(probot, runtime.queue, { removed: (i, r) => runtime.removed(i, r) });
  addHandler(httpRoutes(runtime));
  // The incidents page, when the App's OAuth client is configured (GITHUB_CLIENT_ID/SECRET).
  if (runtime.incidents.routes) addHandler(runtime.incidents.routes);
  const shutdown = (): void => void runtime.close().finally(() => process.exit(0));
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
};

export default app;

/**
 * `npm run worker`: processes scan jobs from Redis (REDIS_URL), on any machine. Reads the same
 * APP_ID / PRIVATE_KEY / GHE_HOST settings as the app.
 */
import { createProbot } from 'probot';
import { loadAppEnv } from '../app/app-env.js';
import { createRuntime } from '../app/runtime.js';

// .env, a repaired PRIVATE_KEY and LOG_LEVEL=info by default, as for the app (see app-env.ts).
const env = loadAppEnv();
Object.assign(process.env, env);
if (!process.env.REDIS_URL) {
  console.error(
    'upstash-guard worker: REDIS_URL is required (without it the app runs jobs in-process)',
  );
  process.exit(2);
}
const probot = createProbot({ env });
// Probot 14 builds its logger and Octokit asynchronously: `log` and `auth` are unset until ready().
await probot.ready();
const runtime = createRuntime(probot);
runtime.startWorker();
probot.log.info('upstash-guard worker started');
const shutdown = (signal: string): void => {
  probot.log.info({ signal }, 'worker shutting down: finishing the current jobs');
  void runtime.close().finally(() => {
    probot.log.info('shutdown complete');
    process.exit(0);
  });
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));

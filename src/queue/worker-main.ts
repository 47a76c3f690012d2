/**
 * `npm run worker`: processes scan jobs from Redis (REDIS_URL), on any machine. Reads the same
 * APP_ID / PRIVATE_KEY / GHE_HOST settings as the app.
 */
import { createServer } from 'node:http';
import { createProbot } from 'probot';
import { loadAppEnv } from '../app/app-env.js';
import { probotSetup } from '../app/octokit.js';
import { redactLogs } from '../app/redact-logs.js';
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
// Probot without REDIS_URL, with the Octokit whose Redis-shared throttling survives a Redis
// that lost its data (src/app/octokit.ts); the queue itself still reads REDIS_URL below.
const setup = probotSetup(env);
const probot = createProbot({
  env: setup.env,
  ...(setup.Octokit ? { overrides: { Octokit: setup.Octokit } } : {}),
});
// Probot 14 builds its logger and Octokit asynchronously: `log` and `auth` are unset until ready().
await probot.ready();
redactLogs(probot.log);
const runtime = createRuntime(probot);
runtime.startWorker();
// Optional /metrics for this worker (queue counts are queue-wide; the rest is this process's).
const metricsPort = process.env.UPSTASH_GUARD_METRICS_PORT;
const metricsServer = metricsPort
  ? createServer((req, res) => {
      if (req.method === 'GET' && (req.url ?? '').split('?')[0] === '/metrics') {
        void runtime.metrics.render().then(
          (body) => res.writeHead(200, { 'content-type': runtime.metrics.contentType }).end(body),
          () => res.writeHead(500).end(),
        );
        return;
      }
      res.writeHead(404).end();
    }).listen(Number(metricsPort), process.env.HOST ?? '0.0.0.0')
  : undefined;
probot.log.info('upstash-guard worker started');
const shutdown = (signal: string): void => {
  probot.log.info({ signal }, 'worker shutting down: finishing the current jobs');
  metricsServer?.close();
  void runtime.close().finally(() => {
    probot.log.info('shutdown complete');
    process.exit(0);
  });
};
process.once('SIGTERM', () => shutdown('SIGTERM'));
process.once('SIGINT', () => shutdown('SIGINT'));

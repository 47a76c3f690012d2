/**
 * `npm start` and the Docker image's CMD: `node dist/app/main.js`. Node is the process that gets
 * SIGTERM (no npm in between), so the shutdown handler in index.ts runs. Probot's server with the
 * app, the repaired environment of app-env.ts, and the recovering GitHub throttling of octokit.ts
 * (which `probot run` cannot be given).
 */
import { run } from 'probot';
import { loadAppEnv } from './app-env.js';
import app from './index.js';
import { probotSetup } from './octokit.js';

const env = loadAppEnv();
Object.assign(process.env, env);
// Probot re-reads .env into process.env inside run(); its options come from `env`, repaired above.
await run(app, probotSetup(env));

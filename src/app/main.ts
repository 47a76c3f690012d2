/**
 * `npm start`: Probot's server with the app, and with the recovering GitHub throttling of
 * octokit.ts (which `probot run` cannot be given).
 */
import { run } from 'probot';
import app from './index.js';
import { probotSetup } from './octokit.js';

await run(app, probotSetup(process.env));

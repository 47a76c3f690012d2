/**
 * Wires incidents into a running App or worker: the store (Redis beside BullMQ with REDIS_URL, a
 * directory otherwise), the worker hook, re-verification (scheduled and on demand) and, when the
 * App's OAuth client is configured, the `/incidents` page.
 *
 * Settings:
 *   UPSTASH_GUARD_DATA_DIR        where the embedded store lives without Redis (default ./.upstash-guard-data)
 *   UPSTASH_GUARD_REVERIFY_EVERY  scheduled re-verification interval (default 1d; "off")
 *   GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET   the App's OAuth client (written by the manifest flow)
 *   UPSTASH_GUARD_PUBLIC_URL      the App's public origin, for the OAuth callback (default http://localhost:$PORT)
 *   UPSTASH_GUARD_SESSION_SECRET  signs session cookies (default: derived from PRIVATE_KEY)
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config, Finding, ScanResult } from '../core/index.js';
import { githubUrls } from '../web/github-user.js';
import { incidentsRoutes } from '../web/incidents-routes.js';
import { MemorySessionStore, RedisSessionStore, SessionKeys } from '../web/session.js';
import { FileIncidentStore } from './file-store.js';
import { RedisIncidentStore } from './redis-store.js';
import {
  parseEvery,
  reverifyRound,
  startBullSchedule,
  startTimerSchedule,
  type ReverifySchedule,
} from './schedule.js';
import type { IncidentStore } from './store.js';
import { afterScan, reverifyIncident } from './worker.js';

export interface ScannedRepo {
  installationId: number;
  repoId: number;
  fullName: string;
  kind: 'pull_request' | 'push' | 'history';
  forced?: boolean;
  repoDir: string;
  result: ScanResult;
  config: Config;
}

export interface IncidentServices {
  store: IncidentStore;
  /** Worker hook: after a scan is reported. Never throws. */
  onScanned(scan: ScannedRepo): Promise<void>;
  reverify(installationId: number, fingerprint: string, by: string): Promise<void>;
  /** The `/incidents` routes, when the OAuth client is configured. */
  routes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  /** Starts the re-verification schedule (in the processes that run jobs). */
  startSchedule(runWorker: boolean): Promise<void>;
  close(): Promise<void>;
}

export interface IncidentDeps {
  env: NodeJS.ProcessEnv;
  log: Logger;
  redis?: Redis;
  /** BullMQ connection options and prefix, for the scheduler. */
  bull?: { connection: object; prefix?: string };
  /** The cached bare repository of a repository (fetched with the installation's token). */
  repoDir(installationId: number, repoId: number, fullName: string): Promise<string | undefined>;
  /** Verifies findings in place, without cached verdicts. */
  verify?(findings: Finding[], installationId: number): Promise<void>;
}

export function createIncidentServices(deps: IncidentDeps): IncidentServices {
  const { env, log } = deps;
  const store: IncidentStore = deps.redis
    ? new RedisIncidentStore(
        deps.redis,
        `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:incidents:`,
      )
    : new FileIncidentStore(
        resolve(env.UPSTASH_GUARD_DATA_DIR ?? '.upstash-guard-data', 'incidents'),
      );
  let schedule: ReverifySchedule | undefined;

  const reverify = async (
    installationId: number,
    fingerprint: string,
    by: string,
  ): Promise<void> => {
    const verify = deps.verify;
    if (!verify) throw new Error('verification is turned off (UPSTASH_GUARD_VERIFY=off)');
    const incident = await store.get(installationId, fingerprint);
    if (!incident) throw new Error('no such incident');
    const names = new Map(incident.repositories.map((r) => [r.id, r.fullName] as const));
    await reverifyIncident(store, {
      installationId,
      fingerprint,
      by,
      repoDir: (repoId) => deps.repoDir(installationId, repoId, names.get(repoId) ?? ''),
      verifier: { verify: (findings) => verify(findings, installationId) },
    });
  };

  let routes: IncidentServices['routes'];
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) {
    const secret =
      env.UPSTASH_GUARD_SESSION_SECRET ??
      createHash('sha256')
        .update(`upstash-guard/session/${env.PRIVATE_KEY ?? env.WEBHOOK_SECRET ?? ''}`)
        .digest('hex');
    routes = incidentsRoutes({
      store,
      sessions: deps.redis
        ? new RedisSessionStore(
            deps.redis,
            `${env.UPSTASH_GUARD_QUEUE_PREFIX ?? 'upstash-guard'}:web:`,
          )
        : new MemorySessionStore(),
      keys: new SessionKeys(secret),
      urls: githubUrls(env),
      client: { id: env.GITHUB_CLIENT_ID, secret: env.GITHUB_CLIENT_SECRET },
      publicUrl: env.UPSTASH_GUARD_PUBLIC_URL ?? `http://localhost:${env.PORT ?? '3000'}`,
      ...(deps.verify ? { reverify } : {}),
      log,
    });
  }

  return {
    store,
    routes,
    reverify,
    async onScanned(s) {
      await afterScan(
        store,
        {
          installationId: s.installationId,
          repo: { id: s.repoId, fullName: s.fullName },
          kind: s.kind,
          ...(s.forced ? { forced: true } : {}),
          repoDir: s.repoDir,
          result: s.result,
          config: s.config,
        },
        log,
      );
    },
    async startSchedule(runWorker) {
      const every = parseEvery(env.UPSTASH_GUARD_REVERIFY_EVERY);
      if (every === null || !deps.verify) return;
      const round = (signal: AbortSignal) => reverifyRound(store, reverify, log, { signal });
      schedule = deps.bull
        ? await startBullSchedule({
            connection: deps.bull.connection,
            ...(deps.bull.prefix ? { prefix: deps.bull.prefix } : {}),
            everyMs: every,
            round,
            runWorker,
          })
        : startTimerSchedule(every, round);
    },
    async close() {
      await schedule?.close();
      await store.close();
    },
  };
}

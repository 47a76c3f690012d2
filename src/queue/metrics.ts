/**
 * Prometheus metrics (prom-client), one registry per process. Queue counts and the oldest job's age
 * are read from the queue at scrape time (BullMQ: from Redis, so every process reports the same
 * queue-wide truth); the rest is what this process did. Labels are kinds, states, reasons and
 * HTTP methods: never a repository name, a path or anything from a scanned repository.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { refusalOf } from '../github/refusal.js';
import type { RunProgress, RunSummary } from './install-runs.js';
import { QUEUE_STATES, type QueueStats } from './queue-stats.js';

/** Install runs as the store sees them (queue-wide with Redis). */
export interface InstallRunsView {
  open: RunProgress[];
  finishedTotal: number;
  last?: RunSummary;
}

const PREFIX = 'upstash_guard_';

const counter = (r: Registry, name: string, help: string, labelNames: string[] = []) =>
  new Counter({ name: PREFIX + name, help, labelNames, registers: [r] });
const gauge = (r: Registry, name: string, help: string, labelNames: string[] = []) =>
  new Gauge({ name: PREFIX + name, help, labelNames, registers: [r] });
const histogram = (
  r: Registry,
  name: string,
  help: string,
  labelNames: string[],
  buckets: number[],
) => new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers: [r] });

export class Metrics {
  readonly registry = new Registry();
  private stats: () => Promise<QueueStats | undefined> = async () => undefined;
  private cacheBytesNow: () => { bytes: number; repos: number } | undefined = () => undefined;
  private slotsNow: () => Record<string, { jobs: number; oldestAgeSeconds: number }> = () => ({});
  private installRunsNow: () => Promise<InstallRunsView | undefined> = async () => undefined;

  private readonly scanDuration = histogram(
    this.registry,
    'scan_duration_seconds',
    'Time from job start to report, by job kind.',
    ['kind'],
    [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300],
  );
  private readonly webhookToReport = histogram(
    this.registry,
    'webhook_to_report_seconds',
    'Time from the webhook arriving to the scan reported (includes queueing), by job kind.',
    ['kind'],
    [1, 5, 10, 30, 60, 120, 300, 600, 1800],
  );
  private readonly installDuration = histogram(
    this.registry,
    'installation_scan_duration_seconds',
    'From the installation webhook to the last repository of its scan in a final state (observed by the process that finished it).',
    [],
    [10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200],
  );
  private readonly findings = counter(this.registry, 'findings_total', 'Findings reported.');
  private readonly scans = counter(
    this.registry,
    'scans_total',
    'Scans reported, by kind and result (clean, findings).',
    ['kind', 'result'],
  );
  private readonly failures = counter(
    this.registry,
    'job_failures_total',
    'Failed job attempts, by reason (a retried job counts once per failed attempt).',
    ['reason'],
  );
  private readonly foldedJobs = counter(
    this.registry,
    'folded_jobs_total',
    'PR/push jobs not scanned on their own: parked and folded into the newest scan of their branch.',
  );
  private readonly writes = counter(
    this.registry,
    'github_writes_total',
    'GitHub API write requests (POST/PATCH/PUT/DELETE) sent.',
    ['method'],
  );
  private readonly requests = counter(
    this.registry,
    'github_requests_total',
    'GitHub API requests, by method.',
    ['method'],
  );
  private readonly throttleWait = counter(
    this.registry,
    'github_throttle_wait_seconds_total',
    "Time requests waited in Octokit's throttling before being sent.",
    ['method'],
  );
  private readonly rateRemaining = gauge(
    this.registry,
    'github_ratelimit_remaining',
    'x-ratelimit-remaining from the latest GitHub response, by resource.',
    ['resource'],
  );
  private readonly rateLimit = gauge(
    this.registry,
    'github_ratelimit_limit',
    'x-ratelimit-limit from the latest GitHub response, by resource.',
    ['resource'],
  );
  private readonly refusals = counter(
    this.registry,
    'github_refusals_total',
    'GitHub requests refused for good (403 without a rate limit), by the permission their route needs (e.g. checks:write).',
    ['permission'],
  );
  private readonly tokens = counter(
    this.registry,
    'installation_tokens_minted_total',
    'Installation access tokens minted (reused until near expiry).',
  );
  private readonly redeliveries = counter(
    this.registry,
    'webhook_redeliveries_total',
    'Failed webhook deliveries the App asked GitHub to deliver again (GitHub does not by itself).',
  );
  private readonly restored = counter(
    this.registry,
    'journal_restored_jobs_total',
    'In-process queue: jobs restored from the journal at startup.',
  );
  private readonly evicted = counter(
    this.registry,
    'cache_evictions_total',
    'Repository clones removed from the cache, by reason (lru, removed, partial).',
    ['reason'],
  );

  constructor() {
    // prom-client calls collect() with the gauge as `this`; these read the queue and the cache.
    const stats = (): Promise<QueueStats | undefined> => this.stats().catch(() => undefined);
    const cache = (): { bytes: number; repos: number } | undefined => this.cacheBytesNow();
    new Gauge({
      name: `${PREFIX}queue_jobs`,
      help: 'Jobs in the queue by state (queue-wide with BullMQ).',
      labelNames: ['state'],
      registers: [this.registry],
      async collect() {
        const s = await stats();
        this.reset();
        for (const state of QUEUE_STATES) this.set({ state }, s?.counts[state] ?? -1);
      },
    });
    new Gauge({
      name: `${PREFIX}queue_oldest_job_age_seconds`,
      help: 'Age of the oldest waiting job (since its webhook), by kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      async collect() {
        const s = await stats();
        this.reset();
        for (const [kind, age] of Object.entries(s?.oldestAgeSeconds ?? {}))
          this.set({ kind }, Math.round(age * 1000) / 1000);
      },
    });
    // This process's jobs waiting for a scan slot: running for the queue, a backlog all the same.
    const slots = (): ReturnType<Metrics['slotsNow']> => this.slotsNow();
    new Gauge({
      name: `${PREFIX}scan_slot_waiting_jobs`,
      help: 'Jobs this process holds that wait for a scan slot (the queue counts them active), by kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, w] of Object.entries(slots())) this.set({ kind }, w.jobs);
      },
    });
    new Gauge({
      name: `${PREFIX}scan_slot_oldest_wait_age_seconds`,
      help: 'Age (since its webhook) of the oldest job waiting for a scan slot in this process, by kind.',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [kind, w] of Object.entries(slots()))
          this.set({ kind }, Math.round(w.oldestAgeSeconds * 1000) / 1000);
      },
    });
    // Install runs, read from the store at scrape time: queue-wide with Redis, so the app's
    // /metrics shows a run a worker process finished.
    // One read per scrape for the six series below.
    let cached: { at: number; view: Promise<InstallRunsView | undefined> } | undefined;
    const runs = (): Promise<InstallRunsView | undefined> => {
      if (!cached || Date.now() - cached.at > 1_000)
        cached = { at: Date.now(), view: this.installRunsNow().catch(() => undefined) };
      return cached.view;
    };
    new Counter({
      name: `${PREFIX}installation_scans_finished_total`,
      help: 'Installation scans finished: every repository of the run completed or failed for good.',
      registers: [this.registry],
      async collect() {
        const r = await runs();
        if (!r) return;
        this.reset();
        this.inc(r.finishedTotal);
      },
    });
    new Gauge({
      name: `${PREFIX}installation_scans_in_progress`,
      help: 'Installation scans not finished yet.',
      registers: [this.registry],
      async collect() {
        const r = await runs();
        if (r) this.set(r.open.length);
      },
    });
    new Gauge({
      name: `${PREFIX}installation_scan_repositories_pending`,
      help: 'Repositories of unfinished installation scans not yet completed or failed for good.',
      registers: [this.registry],
      async collect() {
        const r = await runs();
        if (r) this.set(r.open.reduce((a, o) => a + o.pending, 0));
      },
    });
    new Gauge({
      name: `${PREFIX}installation_scan_last_finished_timestamp_seconds`,
      help: 'When the latest installation scan finished (Unix time).',
      registers: [this.registry],
      async collect() {
        const r = await runs();
        if (r?.last) this.set(r.last.finishedAt / 1000);
      },
    });
    new Gauge({
      name: `${PREFIX}installation_scan_last_duration_seconds`,
      help: 'The latest finished installation scan: webhook to its last repository in a final state.',
      registers: [this.registry],
      async collect() {
        const r = await runs();
        if (r?.last) this.set(r.last.durationMs / 1000);
      },
    });
    new Gauge({
      name: `${PREFIX}installation_scan_last_repositories`,
      help: 'The latest finished installation scan, repositories by outcome (total, scanned, with_findings, failed, skipped).',
      labelNames: ['outcome'],
      registers: [this.registry],
      async collect() {
        const r = await runs();
        if (!r?.last) return;
        const l = r.last;
        this.set({ outcome: 'total' }, l.total);
        this.set({ outcome: 'scanned' }, l.scanned);
        this.set({ outcome: 'with_findings' }, l.withFindings);
        this.set({ outcome: 'failed' }, l.failed);
        this.set({ outcome: 'skipped' }, l.skipped);
      },
    });
    new Gauge({
      name: `${PREFIX}cache_bytes`,
      help: "Bytes in this process's clone cache (as of the last cache sweep).",
      registers: [this.registry],
      collect() {
        const c = cache();
        if (c) this.set(c.bytes);
      },
    });
    new Gauge({
      name: `${PREFIX}cache_repositories`,
      help: "Repository clones in this process's cache (as of the last cache sweep).",
      registers: [this.registry],
      collect() {
        const c = cache();
        if (c) this.set(c.repos);
      },
    });
  }

  /** Where queue counts come from (read at scrape time). */
  readQueueFrom(stats: () => Promise<QueueStats | undefined>): void {
    this.stats = stats;
  }
  /** Where the jobs waiting for a scan slot come from (read at scrape time). */
  readSlotsFrom(f: () => Record<string, { jobs: number; oldestAgeSeconds: number }>): void {
    this.slotsNow = f;
  }
  readCacheFrom(f: () => { bytes: number; repos: number } | undefined): void {
    this.cacheBytesNow = f;
  }
  readInstallRunsFrom(f: () => Promise<InstallRunsView | undefined>): void {
    this.installRunsNow = f;
  }
  installationScanFinished(durationMs: number): void {
    this.installDuration.observe(Math.max(0, durationMs) / 1000);
  }

  scanFinished(kind: string, ms: number, findings: number, receivedAt?: number): void {
    this.scanDuration.observe({ kind }, ms / 1000);
    if (receivedAt) this.webhookToReport.observe({ kind }, (Date.now() - receivedAt) / 1000);
    this.findings.inc(findings);
    this.scans.inc({ kind, result: findings > 0 ? 'findings' : 'clean' });
  }
  scanFailed(reason = 'other'): void {
    this.failures.inc({ reason });
  }
  folded(): void {
    this.foldedJobs.inc();
  }
  githubRequest(method: string, waitedMs: number, headers?: Record<string, unknown>): void {
    this.requests.inc({ method });
    if (method !== 'GET' && method !== 'HEAD') this.writes.inc({ method });
    if (waitedMs > 0) this.throttleWait.inc({ method }, waitedMs / 1000);
    const remaining = Number(headers?.['x-ratelimit-remaining']);
    const limit = Number(headers?.['x-ratelimit-limit']);
    const resource = String(headers?.['x-ratelimit-resource'] ?? 'core');
    if (Number.isFinite(remaining) && headers?.['x-ratelimit-remaining'] !== undefined)
      this.rateRemaining.set({ resource }, remaining);
    if (Number.isFinite(limit) && headers?.['x-ratelimit-limit'] !== undefined)
      this.rateLimit.set({ resource }, limit);
  }
  /** A request GitHub refused for good; `permission` from refusalLabel (a small fixed set). */
  githubRefused(permission: string): void {
    this.refusals.inc({ permission });
  }
  tokenMinted(): void {
    this.tokens.inc();
  }
  redeliveryAsked(count: number): void {
    this.redeliveries.inc(count);
  }
  journalRestored(count: number): void {
    this.restored.inc(count);
  }
  cacheEvicted(reason: 'lru' | 'removed' | 'partial', count = 1): void {
    this.evicted.inc({ reason }, count);
  }

  async render(): Promise<string> {
    return this.registry.metrics();
  }
  get contentType(): string {
    return this.registry.contentType;
  }
}

/** A failure's reason label: a small fixed set, never the error message. */
export function failureReason(err: unknown): string {
  const name = (err as { name?: string } | undefined)?.name ?? '';
  const status = (err as { status?: number } | undefined)?.status;
  if (name === 'RepoNotFoundError') return 'repo_gone';
  if (name === 'RepoTooLargeError') return 'repo_too_large';
  if (name === 'GitTimeoutError') return 'git_timeout';
  if (name === 'GitError') return 'git';
  // A 403 GitHub will not take back (a missing permission): not a rate limit, not retried.
  if (refusalOf(err)) return 'github_permission';
  if (typeof status === 'number') {
    if (status === 403 || status === 429) return 'github_rate_limited';
    if (status === 404) return 'github_not_found';
    if (status >= 500) return 'github_5xx';
    return 'github_4xx';
  }
  if (name === 'PermanentJobError') return 'permanent';
  return 'other';
}

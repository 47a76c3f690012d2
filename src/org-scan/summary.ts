/** The organisation scan's summary: one row per repository, as a terminal table, Markdown and JSON. */
import type { ScanResult, Severity } from '../core/index.js';
import { plural } from '../report/index.js';
import type { OrgRepo } from './list-repos.js';

export interface RepoOutcome {
  repo: OrgRepo;
  status: 'scanned' | 'error' | 'skipped';
  /** Why it was skipped or failed (never a token). */
  reason?: string;
  result?: ScanResult;
  /** Has a finding at or above the fail severity. */
  failed: boolean;
  durationMs: number;
  /** Report files, relative to the output directory. */
  reports?: { text: string; json: string; sarif: string };
}

const ORDER: Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

function counts(r: ScanResult): Record<Severity, number> {
  const c = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const f of r.findings) c[f.severity]++;
  return c;
}

function resultCell(o: RepoOutcome): string {
  if (o.status !== 'scanned') return `${o.status}: ${o.reason ?? ''}`;
  const r = o.result!;
  if (r.findings.length === 0) return 'clean';
  const c = counts(r);
  const live = r.findings.filter((f) => f.verification?.status === 'live').length;
  const by = ORDER.filter((s) => c[s]).map((s) => `${c[s]} ${s}`);
  return `${plural(r.findings.length, 'credential')} (${by.join(', ')})${live ? `, ${live} LIVE` : ''}`;
}

function rows(outcomes: readonly RepoOutcome[]): string[][] {
  return outcomes.map((o) => [
    o.repo.fullName,
    resultCell(o),
    o.status === 'scanned' ? `${(o.durationMs / 1000).toFixed(1)} s` : '–',
    o.reports?.text ?? '–',
  ]);
}

const HEAD = ['Repository', 'Result', 'Time', 'Report'];

/** Aligned columns for a terminal or a log. */
export function summaryText(outcomes: readonly RepoOutcome[]): string {
  const all = [HEAD, ...rows(outcomes)];
  const widths = HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  '))
    .join('\n');
}

export function summaryMarkdown(outcomes: readonly RepoOutcome[]): string {
  const cell = (t: string): string => t.replace(/\|/g, '\\|');
  return [
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map(() => '---').join(' | ')} |`,
    ...rows(outcomes).map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** Machine-readable summary (`summary.json`, and stdout with --format json). */
export function summaryJson(owner: string, failOn: Severity, outcomes: readonly RepoOutcome[]) {
  return {
    schemaVersion: 1,
    owner,
    failOn,
    repositories: outcomes.map((o) => ({
      repository: o.repo.fullName,
      status: o.status,
      reason: o.reason ?? null,
      archived: o.repo.archived,
      fork: o.repo.fork,
      findings: o.result?.findings.length ?? null,
      severities: o.result ? counts(o.result) : null,
      live: o.result
        ? o.result.findings.filter((f) => f.verification?.status === 'live').length
        : null,
      failed: o.failed,
      durationMs: Math.round(o.durationMs),
      reports: o.reports ?? null,
    })),
  };
}

/** The one-line verdict under the table. */
export function verdictLine(
  outcomes: readonly RepoOutcome[],
  failOn: Severity,
  outDir: string,
): string {
  const scanned = outcomes.filter((o) => o.status === 'scanned');
  const failing = outcomes.filter((o) => o.failed).length;
  const withFindings = scanned.filter((o) => o.result!.findings.length > 0).length;
  const errors = outcomes.filter((o) => o.status === 'error').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  const parts = [
    failing
      ? `${failing} of ${plural(outcomes.length, 'repository', 'repositories')} with findings at or above ${failOn}`
      : withFindings
        ? `${withFindings} of ${plural(outcomes.length, 'repository', 'repositories')} with findings, none at or above ${failOn}`
        : `no Upstash credentials in ${plural(scanned.length, 'repository', 'repositories')}`,
  ];
  if (errors) parts.push(`${errors} could not be scanned`);
  if (skipped) parts.push(`${skipped} skipped`);
  return `${failing ? '✗' : '✓'} ${parts.join('; ')} · reports in ${outDir}`;
}

import type { Config } from '../core/config/types.js';
import { failsScan } from '../core/suppress/fails-scan.js';
import type { Finding, ScanResult, Severity } from '../core/types.js';
import { findingsTable } from './findings-table.js';
import { renderGuidance } from './guidance/render-guidance.js';
import { historyTable } from './history-table.js';
import { accessLabel, plural, severityCounts, verificationLabel } from './labels.js';
import { code, truncate } from './markdown.js';
import { messagesMarkdown } from './message-notes.js';
import { skippedMarkdown, skippedSummary } from './skipped-notes.js';
import { printableFinding, printableResult } from './printable.js';
import { sortFindings } from './sort-findings.js';
import { statsLine } from './stats-line.js';

export const CHECK_RUN_NAME = 'Upstash credentials';
/** GitHub rejects longer check-run fields. */
export const MAX_TITLE = 255;
export const MAX_TEXT = 65_535;

export interface CheckRunContext {
  config: Config;
  /** 'history' renders the install-time full-history report. Default: result.mode. */
  mode?: 'scan' | 'history';
  /** https://github.com/owner/repo, for commit links. */
  repoUrl?: string;
  /** Set when .github/upstash-guard.yml is invalid: the check is neutral and shows the error. */
  configError?: { source: string; message: string; field?: string };
  /**
   * One line shown first in the summary, e.g. that a pull request changes the config file and the
   * base branch's settings were used.
   */
  note?: string;
}

export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: 'failure' | 'warning' | 'notice';
  title: string;
  message: string;
}

export interface CheckRunOutput {
  conclusion: 'failure' | 'neutral' | 'success';
  title: string;
  summary: string;
  text: string;
  annotations: CheckRunAnnotation[];
}

const LEVEL: Record<Severity, CheckRunAnnotation['annotation_level']> = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};

/**
 * One per place in a file; places in commit and tag messages are listed in the summary instead.
 * `shown` are the same findings made printable: the text is theirs, the path the real one (GitHub
 * attaches an annotation to the file of that exact name).
 */
function annotations(
  findings: readonly Finding[],
  shown: readonly Finding[],
): CheckRunAnnotation[] {
  return shown.flatMap((f, i) =>
    f.occurrences
      .map((o, j) => ({ o, path: findings[i]!.occurrences[j]!.path }))
      .filter(({ o }) => !o.source)
      .map(({ o, path }) => ({
        path,
        start_line: Math.max(1, o.line),
        end_line: Math.max(1, o.line),
        annotation_level: LEVEL[f.severity],
        title: `${f.title} (${f.severity})`.slice(0, MAX_TITLE),
        message: `${accessLabel(f.readOnly)}${f.endpoint ? ` for ${f.endpoint}` : ''}, value ${f.masked}, verification: ${verificationLabel(f.verification)}. Rotate it first: removing it from git revokes nothing. Fingerprint ${f.fingerprint}.`,
      })),
  );
}

function configErrorOutput(err: NonNullable<CheckRunContext['configError']>): CheckRunOutput {
  const field = err.field ? ` (field ${code(err.field)})` : '';
  return {
    conclusion: 'neutral',
    title: `Invalid configuration in ${err.source}`.slice(0, MAX_TITLE),
    summary: truncate(
      `upstash-guard could not read ${code(err.source)}${field}, so this commit was **not scanned**.\n\n> ${err.message.replace(/\n/g, '\n> ')}\n\nFix the file and push again; docs/configuration.md lists every field.`,
      MAX_TEXT,
      '_(error message truncated)_',
    ),
    text: '',
    annotations: [],
  };
}

/**
 * Annotations per check run. The App sends them 50 per request, so this caps the requests one
 * scan makes (20): one blob committed at 100,000 paths, which a fork's pull request can do, made
 * 100,000 annotations, 2,000 requests from the installation's hourly budget of 5,000.
 */
export const MAX_ANNOTATIONS = 1000;

/** The "Upstash credentials" check run: conclusion from severity vs config.failOn. */
export function renderCheckRun(result: ScanResult | null, ctx: CheckRunContext): CheckRunOutput {
  const out = renderCheckRunBody(result, ctx);
  if (!ctx.note) return out;
  return {
    ...out,
    summary: truncate(`> ${ctx.note}\n\n${out.summary}`, MAX_TEXT, '_(summary truncated)_'),
  };
}

function renderCheckRunBody(scanned: ScanResult | null, ctx: CheckRunContext): CheckRunOutput {
  if (ctx.configError || !scanned) {
    return configErrorOutput(
      ctx.configError ?? { source: '.github/upstash-guard.yml', message: 'No scan result.' },
    );
  }
  // Names are shown as text: no line break or control character out of their code span.
  const result = printableResult(scanned);
  const scannedFindings = sortFindings(scanned.findings);
  const findings = scannedFindings.map(printableFinding);
  const history = (ctx.mode ?? (result.mode === 'history' ? 'history' : 'scan')) === 'history';
  const notScanned = skippedSummary(result);
  const skippedSection = skippedMarkdown(result, ctx.repoUrl);
  if (findings.length === 0 && notScanned) {
    // Not a pass: content was skipped, so "no credentials" would overstate what was checked.
    return {
      conclusion: 'neutral',
      title: `No Upstash credentials found, but ${notScanned}`.slice(0, MAX_TITLE),
      summary: truncate(
        `Scanned ${statsLine(result)}.\n\n${skippedSection}`,
        MAX_TEXT,
        '_List truncated: GitHub limits this field to 65,535 characters._',
      ),
      text: '',
      annotations: [],
    };
  }
  if (findings.length === 0) {
    return {
      conclusion: 'success',
      title: history
        ? 'No Upstash credentials in the repository history'
        : 'No Upstash credentials found',
      summary: `Scanned ${statsLine(result)}.${result.suppressed.length ? ` ${plural(result.suppressed.length, 'finding')} suppressed by allowlist.` : ''}`,
      text: '',
      annotations: [],
    };
  }
  const conclusion = failsScan(findings, ctx.config) ? 'failure' : 'neutral';
  const live = findings.filter((f) => f.verification?.status === 'live').length;
  const title = `${plural(findings.length, 'Upstash credential')} ${history ? 'in history' : 'found'} (${severityCounts(findings)})${live ? `, ${live} live` : ''}`;
  const intro =
    conclusion === 'failure'
      ? `**Rotate these credentials now.** Findings at or above \`${ctx.config.failOn}\` fail this check.`
      : `Findings below the \`${ctx.config.failOn}\` threshold: review them; this check does not fail.`;
  const table = history
    ? historyTable(findings, ctx.repoUrl)
    : findingsTable(findings, ctx.repoUrl);
  const messages = messagesMarkdown(findings, ctx.repoUrl);
  const annotated = annotations(scannedFindings, findings);
  const left = annotated.length - MAX_ANNOTATIONS;
  const capNote =
    left > 0
      ? `\n\n_${left.toLocaleString('en-US')} more places are not annotated (a check run shows the first ${MAX_ANNOTATIONS.toLocaleString('en-US')}); \`upstash-guard scan --format json\` lists every one._`
      : '';
  const summary = truncate(
    `${intro}${capNote}\n\n${table}${messages ? `\n\n${messages}` : ''}\n\n_Scanned ${statsLine(result)}._${skippedSection ? `\n\n${skippedSection}` : ''}`,
    MAX_TEXT,
    '_Table truncated: GitHub limits this field to 65,535 characters. Run `upstash-guard scan --format json` locally for every finding._',
  );
  const text = truncate(
    renderGuidance(findings, { repoUrl: ctx.repoUrl }),
    MAX_TEXT,
    '_Guidance truncated to fit GitHub’s 65,535-character limit; see docs/output.md._',
  );
  return {
    conclusion,
    title: title.slice(0, MAX_TITLE),
    summary,
    text,
    annotations: annotated.slice(0, MAX_ANNOTATIONS),
  };
}

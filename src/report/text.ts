import { atLeast } from '../core/scan/severity.js';
import type { Finding, ScanResult, Severity } from '../core/types.js';
import { palette, type Palette } from './ansi.js';
import { renderGuidance } from './guidance/render-guidance.js';
import {
  accessLabel,
  exposureLabel,
  introductionPlace,
  plural,
  severityCounts,
  shortSha,
  verificationLabel,
  where,
} from './labels.js';
import { BASELINE_REASON } from './baseline.js';
import { groupRefs, refList } from './refs.js';
import { sortFindings } from './sort-findings.js';
import { countOf, skippedEntry, skippedSummary } from './skipped-notes.js';
import { skippedLine, statsLine } from './stats-line.js';
import { markdownToTerminal } from './terminal-markdown.js';
import { printableResult } from './printable.js';

export interface TextOptions {
  /** ANSI colour: the CLI asks for it when stdout is a TTY and NO_COLOR is unset. */
  color?: boolean;
  /** Append rotation steps and the history-rewrite recipe. */
  guidance?: boolean;
  /** Every occurrence, scan statistics and decoded details. */
  verbose?: boolean;
  repoUrl?: string;
  /** Guidance as Markdown (files, pipes) or rendered for a terminal. Default markdown. */
  guidanceStyle?: 'markdown' | 'terminal';
  /** The fail severity: when findings exist but none reaches it, the report says so. */
  failOn?: Severity;
}

const SHOWN_OCCURRENCES = 5;
/** Skipped files listed without --verbose. */
const SHOWN_SKIPPED = 10;

function field(p: Palette, name: string, value: string): string {
  return `    ${p.dim(`${name.padEnd(12)} `)}${value}`;
}

/** Branches, tags and pull-request refs on their own lines: a history can have thousands of PR refs. */
function refLines(f: Finding, p: Palette, verbose: boolean): string[] {
  const { branches, tags, pulls } = groupRefs(f);
  const out: string[] = [];
  if (branches.length) out.push(field(p, 'branches', refList(branches, verbose)));
  if (tags.length) out.push(field(p, 'tags', refList(tags, verbose)));
  if (pulls.length) out.push(field(p, 'PR refs', refList(pulls, verbose)));
  return out;
}

function block(f: Finding, p: Palette, verbose: boolean): string[] {
  const live = f.verification?.status === 'live';
  const verification = verificationLabel(f.verification);
  const head = `${p.severity(f.severity, f.severity.toUpperCase())}  ${p.bold(f.title)} · ${accessLabel(f.readOnly)}${live ? ` · ${p.red(p.bold('LIVE'))}` : ''}`;
  const out = [head];
  if (f.endpoint) out.push(field(p, 'endpoint', f.endpoint));
  out.push(field(p, 'value', f.masked));
  out.push(field(p, 'verification', live ? p.red(verification) : verification));
  out.push(field(p, 'exposure', exposureLabel(f)));
  out.push(field(p, 'fingerprint', f.fingerprint));
  if (f.introducedBy) {
    const by = f.introducedBy;
    const who = [by.author, by.date].filter(Boolean).join(', ');
    out.push(
      field(
        p,
        'introduced',
        `${shortSha(by.commit)} in ${introductionPlace(by)}${who ? ` (${who})` : ''}`,
      ),
    );
  }
  if (f.presentAtHead !== undefined)
    out.push(field(p, 'at HEAD', f.presentAtHead ? 'yes, still present' : 'no (history only)'));
  out.push(...refLines(f, p, verbose));
  if (f.commitCount !== undefined) out.push(field(p, 'commits', String(f.commitCount)));
  if (verbose) {
    const details = Object.entries(f.details)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
    if (details) out.push(field(p, 'details', details));
    out.push(field(p, 'confidence', f.confidence));
  }
  const occ = verbose ? f.occurrences : f.occurrences.slice(0, SHOWN_OCCURRENCES);
  occ.forEach((o, i) => {
    const sha = o.commit ? ` (commit ${shortSha(o.commit)})` : '';
    out.push(field(p, i === 0 ? `found in (${f.occurrences.length})` : '', `${where(o)}${sha}`));
  });
  const more = f.occurrences.length - occ.length;
  if (more > 0) out.push(field(p, '', p.dim(`… and ${more} more (--verbose shows all)`)));
  return out;
}

/** Terminal report: grouped by credential, most severe first, one summary line. */
export function renderText(scanned: ScanResult, opts: TextOptions = {}): string {
  // Repository names never reach the terminal raw (escape sequences, line breaks, bidi).
  const result = printableResult(scanned);
  const p = palette(opts.color ?? false);
  const findings = sortFindings(result.findings);
  const out: string[] = [];
  const notScanned = skippedSummary(result);
  if (findings.length === 0 && notScanned) {
    // Never a clean bill of health over content that was not read.
    out.push(
      `${p.yellow('!')} No Upstash credentials found in what was scanned, but ${p.bold(notScanned)} (${statsLine(result)}).`,
    );
  } else if (findings.length === 0) {
    out.push(`${p.green('✓')} No Upstash credentials found (${statsLine(result)}).`);
  } else {
    for (const f of findings) out.push(...block(f, p, opts.verbose ?? false), '');
    const places = findings.reduce((n, f) => n + f.occurrences.length, 0);
    const live = findings.filter((f) => f.verification?.status === 'live').length;
    out.push(
      `${p.red('✗')} ${p.bold(plural(findings.length, 'Upstash credential'))} found (${severityCounts(findings)}) in ${plural(places, 'place')}${live ? `, ${p.red(`${live} live`)}` : ''} · ${statsLine(result)}`,
    );
  }
  if (
    opts.failOn &&
    findings.length > 0 &&
    !findings.some((f) => atLeast(f.severity, opts.failOn!))
  )
    out.push(
      `${findings.length} found, none at or above ${opts.failOn} (the fail severity): exit code 0`,
    );
  const baselined = result.suppressed.filter((s) => s.reason === BASELINE_REASON).length;
  const allowed = result.suppressed.length - baselined;
  if (allowed)
    out.push(p.dim(`${plural(allowed, 'finding')} suppressed by allowlist or inline comment`));
  if (baselined) out.push(p.dim(`${plural(baselined, 'finding')} already in the baseline`));
  if (notScanned) {
    if (findings.length > 0) out.push(`${p.yellow('!')} ${p.bold(notScanned)}`);
    const list = opts.verbose ? result.skipped : result.skipped.slice(0, SHOWN_SKIPPED);
    for (const s of list) out.push(`  not scanned: ${skippedEntry(s)}`);
    const more = result.skippedCount - countOf(list);
    if (more > 0)
      out.push(p.dim(`  … and ${more} more${opts.verbose ? '' : ' (--verbose lists them)'}`));
  }
  const skipped = skippedLine(result);
  if (skipped && (opts.verbose || findings.length === 0)) out.push(p.dim(skipped));
  for (const w of result.warnings) out.push(`warning: ${w}`);
  if (opts.guidance && findings.length > 0) {
    const markdown = renderGuidance(findings, { repoUrl: opts.repoUrl }).trimEnd();
    out.push('', opts.guidanceStyle === 'terminal' ? markdownToTerminal(markdown, p) : markdown);
  }
  return out.join('\n') + '\n';
}

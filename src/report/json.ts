import { escapeJsonText } from './printable.js';
import type { Finding, ScanResult } from '../core/types.js';
import { sortFindings } from './sort-findings.js';
import { TOOL_NAME, TOOL_VERSION } from './tool-info.js';

export interface JsonOptions {
  toolVersion?: string;
}

/**
 * Explicit field list rather than spreading the Finding: the output schema (docs/output.md) stays
 * stable when the engine adds internal fields, and nothing unlisted can leak into it.
 */
function findingJson(f: Finding): Record<string, unknown> {
  return {
    type: f.type,
    title: f.title,
    severity: f.severity,
    confidence: f.confidence,
    readOnly: f.readOnly,
    endpoint: f.endpoint ?? null,
    exposure: { kind: f.exposure.kind, reason: f.exposure.reason ?? null },
    fingerprint: f.fingerprint,
    masked: f.masked,
    details: f.details,
    verification: f.verification
      ? {
          status: f.verification.status,
          reason: f.verification.reason ?? null,
          checkedAt: f.verification.checkedAt ?? null,
        }
      : null,
    occurrences: f.occurrences.map((o) => ({
      source: o.source ?? 'file',
      tag: o.tag ?? null,
      path: o.path,
      line: o.line,
      column: o.column ?? null,
      offset: o.offset ?? null,
      commit: o.commit ?? null,
      author: o.author ?? null,
      date: o.date ?? null,
    })),
    introducedBy: f.introducedBy ?? null,
    presentAtHead: f.presentAtHead ?? null,
    branches: f.branches ?? null,
    commitCount: f.commitCount ?? null,
  };
}

/** Machine-readable report, `schemaVersion` 1. Every field is documented in docs/output.md. */
export function renderJson(result: ScanResult, opts: JsonOptions = {}): string {
  const doc = {
    schemaVersion: 1,
    tool: { name: TOOL_NAME, version: opts.toolVersion ?? TOOL_VERSION },
    mode: result.mode,
    findings: sortFindings(result.findings).map(findingJson),
    suppressed: result.suppressed.map((s) => ({
      fingerprint: s.fingerprint,
      type: s.type,
      reason: s.reason,
    })),
    stats: result.stats,
    warnings: result.warnings,
    skipped: result.skipped.map((s) => ({
      path: s.path,
      reason: s.reason,
      detail: s.detail,
      size: s.size ?? null,
      commit: s.commit ?? null,
    })),
    skippedCount: result.skippedCount,
  };
  // The real names, with what a terminal or an editor would act on written as \u escapes.
  return `${escapeJsonText(JSON.stringify(doc, null, 2))}\n`;
}

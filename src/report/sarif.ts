import { escapeJsonText } from './printable.js';
import { createHash } from 'node:crypto';
import {
  CREDENTIAL_TYPES,
  type CredentialType,
  type Finding,
  type Occurrence,
  type ScanResult,
  type Severity,
} from '../core/types.js';
import { typeGuidance } from './guidance/type-guidance.js';
import { accessLabel, shortSha, TYPE_LABELS, verificationLabel, where } from './labels.js';
import { skippedEntry } from './skipped-notes.js';
import { sortFindings } from './sort-findings.js';
import { TOOL_NAME, TOOL_URI, TOOL_VERSION } from './tool-info.js';

export interface SarifOptions {
  toolVersion?: string;
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

/** GitHub code scanning maps security-severity to critical (≥9), high (≥7), medium (≥4), low. */
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '1.0',
};

const DEFAULT_SEVERITY: Record<CredentialType, Severity> = {
  'upstash-redis-token': 'high',
  'upstash-redis-url': 'high',
  'upstash-vector-token': 'high',
  'upstash-search-token': 'high',
  'upstash-qstash-token': 'high',
  'upstash-qstash-signing-key': 'high',
  'upstash-management-key': 'critical',
  'upstash-kafka-credentials': 'low',
  'upstash-box-api-key': 'high',
  'upstash-context7-api-key': 'high',
};

function ruleName(type: CredentialType): string {
  return TYPE_LABELS[type]
    .replace(/(^|[\s/-])(\w)/g, (_m, _s, c: string) => c.toUpperCase())
    .replace(/\W/g, '');
}

function rule(type: CredentialType) {
  const label = `Upstash ${TYPE_LABELS[type]}`;
  const help = typeGuidance(type);
  return {
    id: type,
    name: ruleName(type),
    shortDescription: { text: `${label} committed to git` },
    fullDescription: {
      text: `An ${label} was found in the repository. Anyone who can read the repository (or its history, forks and caches) can use it until it is rotated.`,
    },
    helpUri: `${TOOL_URI}/blob/main/docs/output.md`,
    help: { text: help, markdown: help },
    defaultConfiguration: { level: LEVEL[DEFAULT_SEVERITY[type]] },
    properties: {
      tags: ['security', 'secret', 'upstash'],
      precision: 'very-high',
      'security-severity': SECURITY_SEVERITY[DEFAULT_SEVERITY[type]],
    },
  };
}

function message(f: Finding): string {
  const parts = [`${f.title} (${accessLabel(f.readOnly)})`];
  if (f.endpoint) parts.push(`for ${f.endpoint}`);
  parts.push(`value ${f.masked}`, `verification: ${verificationLabel(f.verification)}`);
  if (f.presentAtHead === false) parts.push('no longer at HEAD but still in history');
  return `${parts.join(', ')}. Rotate it first; removing it from git does not revoke it.`;
}

/** A short stable key for a path (hashed: the fingerprint never carries a name). */
function pathKey(path: string): string {
  return createHash('sha256').update(path).digest('hex').slice(0, 16);
}

/**
 * A credential in a commit or tag message, as a tool notification rather than a result: code
 * scanning rejects a result without a physical location in a repository file (an empty or made-up
 * URI fails the upload, or shows an alert on a file that does not hold it), and a message is in no
 * file. The notification names the commit and line, never the value.
 */
function messageNotification(f: Finding, o: Occurrence) {
  return {
    descriptor: { id: `upstash-guard/${o.source}` },
    level: LEVEL[f.severity] === 'note' ? 'note' : 'error',
    message: {
      text: `${f.title} (${accessLabel(f.readOnly)}, value ${f.masked}, fingerprint ${f.fingerprint}) in the ${where(o)}${o.commit ? ` of commit ${shortSha(o.commit)}` : ''}. Not a code scanning alert (a message is in no file): see the text or JSON report. Rotate it first; rewriting the message does not revoke it.`,
    },
    properties: {
      ruleId: f.type,
      source: o.source,
      ...(o.tag !== undefined ? { tag: o.tag } : {}),
      line: o.line,
      ...(o.commit ? { commit: o.commit } : {}),
      fingerprint: f.fingerprint,
      masked: f.masked,
      severity: f.severity,
      verification: f.verification?.status ?? 'not-checked',
    },
  };
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per credential type, one result per place in a
 * file; places in commit and tag messages as tool notifications (see messageNotification).
 */
export function renderSarif(result: ScanResult, opts: SarifOptions = {}): string {
  const ruleIndex = new Map(CREDENTIAL_TYPES.map((t, i) => [t, i]));
  const sorted = sortFindings(result.findings);
  const inMessages = sorted.flatMap((f) =>
    f.occurrences.filter((o) => o.source).map((o) => messageNotification(f, o)),
  );
  const results = sorted.flatMap((f) =>
    f.occurrences
      .filter((o) => !o.source)
      .map((o) => ({
        ruleId: f.type,
        ruleIndex: ruleIndex.get(f.type),
        level: LEVEL[f.severity],
        message: { text: message(f) },
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: o.path.split('/').map(encodeURIComponent).join('/') },
              region: {
                startLine: Math.max(1, o.line),
                ...(o.column ? { startColumn: o.column } : {}),
                ...(o.offset !== undefined ? { byteOffset: o.offset } : {}),
              },
            },
          },
        ],
        // One alert per credential and file: code scanning merges results whose partial
        // fingerprints are equal, so the credential's fingerprint alone folded every file it is in
        // into one alert. The line is left out, so an alert follows its value as lines move.
        partialFingerprints: {
          'upstashGuardFingerprint/v2': `${f.fingerprint}:${pathKey(o.path)}`,
        },
        properties: {
          fingerprint: f.fingerprint,
          readOnly: f.readOnly,
          endpoint: f.endpoint ?? null,
          masked: f.masked,
          exposure: f.exposure.kind,
          severity: f.severity,
          'security-severity': SECURITY_SEVERITY[f.severity],
          verification: f.verification?.status ?? 'not-checked',
          ...(f.verification?.reason ? { verificationReason: f.verification.reason } : {}),
          ...(o.commit ? { commit: o.commit } : {}),
          ...(f.introducedBy ? { introducedBy: f.introducedBy.commit } : {}),
          ...(f.presentAtHead !== undefined ? { presentAtHead: f.presentAtHead } : {}),
        },
      })),
  );
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            semanticVersion: opts.toolVersion ?? TOOL_VERSION,
            version: opts.toolVersion ?? TOOL_VERSION,
            informationUri: TOOL_URI,
            rules: CREDENTIAL_TYPES.map(rule),
          },
        },
        automationDetails: { id: `upstash-guard/${result.mode}/` },
        // What was not scanned, as tool notifications: a run without results is not a clean run
        // when content was skipped.
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: [
              ...inMessages,
              ...result.skipped.map((s) => ({
                descriptor: { id: `upstash-guard/skipped/${s.reason}` },
                level: 'warning',
                message: { text: `Not scanned: ${skippedEntry(s)}` },
                ...(s.path
                  ? {
                      locations: [
                        {
                          physicalLocation: {
                            artifactLocation: {
                              uri: s.path.split('/').map(encodeURIComponent).join('/'),
                            },
                          },
                        },
                      ],
                    }
                  : {}),
                properties: {
                  reason: s.reason,
                  ...(s.size !== undefined ? { size: s.size } : {}),
                  ...(s.commit ? { commit: s.commit } : {}),
                },
              })),
            ],
            properties: {
              skippedCount: result.skippedCount,
              ...(inMessages.length ? { messageFindings: inMessages.length } : {}),
            },
          },
        ],
        results,
      },
    ],
  };
  return `${escapeJsonText(JSON.stringify(log, null, 2))}\n`;
}

/** Hand-built scan results for renderer tests: no engine, deterministic, secrets attached at run time. */
import { attachSecret, type Finding, type ScanResult } from '../../src/core/types.js';
import { qstashToken, redisToken, signingKey, vectorToken } from '../helpers/synthetic.js';

const SHA_A = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const SHA_B = 'b2c3d4e5f60718293a4b5c6d7e8f901234567890';

/** Every finding gets a freshly generated synthetic secret that no renderer may print. */
export function withSecrets(findings: Finding[]): { findings: Finding[]; secrets: string[] } {
  const makers = [
    redisToken,
    qstashToken,
    () => signingKey(),
    () => vectorToken({ role: 'readonly' }),
  ];
  const secrets: string[] = [];
  findings.forEach((f, i) => {
    const value = makers[i % makers.length]!();
    secrets.push(value);
    attachSecret(f, { value, companion: { email: 'someone@example.org' } });
  });
  return { findings, secrets };
}

export function scanFindings(): Finding[] {
  return [
    {
      type: 'upstash-qstash-token',
      title: 'Upstash QStash token',
      readOnly: null,
      endpoint: 'https://qstash.upstash.io',
      exposure: { kind: 'server' },
      severity: 'high',
      confidence: 'high',
      fingerprint: 'ug1_qs00000000000000000000000001',
      masked: 'eyJV…(128 chars)',
      details: { user: '0f1e2d3c…' },
      occurrences: [{ path: 'workers/publish.ts', line: 7, commit: SHA_B }],
      verification: { status: 'unknown', reason: 'timeout after 5000 ms' },
    },
    {
      type: 'upstash-redis-token',
      title: 'Upstash Redis REST token',
      readOnly: false,
      endpoint: 'https://sacred-lamb-34127.upstash.io',
      exposure: { kind: 'browser', reason: 'NEXT_PUBLIC_ prefix' },
      severity: 'critical',
      confidence: 'high',
      fingerprint: 'ug1_rd00000000000000000000000002',
      masked: 'AYVP…(62 chars)',
      details: { database: 34127, layout: 'current', privilege: 'standard' },
      occurrences: [
        { path: '.env.local', line: 3, commit: SHA_A },
        { path: 'apps/web/.env', line: 12, commit: SHA_B },
      ],
      verification: { status: 'live', checkedAt: '2026-01-02T03:04:05.000Z' },
    },
    {
      type: 'upstash-qstash-signing-key',
      title: 'Upstash QStash signing key',
      readOnly: null,
      exposure: { kind: 'server' },
      severity: 'high',
      confidence: 'high',
      fingerprint: 'ug1_sk00000000000000000000000003',
      masked: 'sig_…(32 chars)',
      details: { key: 'current', layout: 'current' },
      occurrences: [{ path: 'workers/receive.ts', line: 4, commit: SHA_B }],
    },
    {
      type: 'upstash-search-token',
      title: 'Upstash Vector / Search token',
      readOnly: true,
      endpoint: 'https://clean-flounder-21346-gcp-usc1-search.upstash.io',
      exposure: { kind: 'browser', reason: 'NEXT_PUBLIC_ prefix' },
      severity: 'info',
      confidence: 'high',
      fingerprint: 'ug1_se00000000000000000000000004',
      masked: 'ABMF…(112 chars)',
      details: { index: 'clean-flounder-21346-gcp-usc1', role: 'readonly', publicByDesign: true },
      occurrences: [{ path: 'src/search|bar.tsx', line: 21, column: 18 }],
      verification: { status: 'unverifiable', reason: 'no endpoint allowlisted' },
    },
  ];
}

const STATS = {
  filesScanned: 42,
  bytesScanned: 123_456,
  skippedBinary: 1,
  skippedTooLarge: 0,
  skippedIgnored: 2,
  durationMs: 87,
};

export function rangeResult(): { result: ScanResult; secrets: string[] } {
  const { findings, secrets } = withSecrets(scanFindings());
  return {
    result: {
      mode: 'range',
      findings,
      suppressed: [
        {
          fingerprint: 'ug1_al00000000000000000000000009',
          type: 'upstash-redis-url',
          reason: 'staging database, rotated daily',
        },
      ],
      stats: { ...STATS, commitsScanned: 3 },
      warnings: ['vendor/big.bin: could not be read (EACCES)'],
      skipped: [],
      skippedCount: 0,
    },
    secrets,
  };
}

export function historyResult(): { result: ScanResult; secrets: string[] } {
  const [qstash, redis] = scanFindings();
  const history: Finding[] = [
    {
      ...redis!,
      introducedBy: {
        commit: SHA_A,
        path: '.env.local',
        author: 'Dev One',
        date: '2025-05-06T07:08:09Z',
      },
      presentAtHead: false,
      branches: ['main', 'release/1.x'],
      commitCount: 57,
    },
    {
      ...qstash!,
      introducedBy: { commit: SHA_B, path: 'workers/publish.ts' },
      presentAtHead: true,
      branches: ['main', 'pull/12/head', 'pull/3/head', 'pull/3/merge', 'v1.0'],
      tags: ['v1.0'],
      commitCount: 3,
    },
  ];
  const { findings, secrets } = withSecrets(history);
  return {
    result: {
      mode: 'history',
      findings,
      suppressed: [],
      stats: { ...STATS, blobsScanned: 900, commitsScanned: 120 },
      warnings: [],
      skipped: [],
      skippedCount: 0,
    },
    secrets,
  };
}

export function emptyResult(mode: ScanResult['mode'] = 'tree'): ScanResult {
  return {
    mode,
    findings: [],
    suppressed: [],
    stats: { ...STATS },
    warnings: [],
    skipped: [],
    skippedCount: 0,
  };
}

/** Content a scan could not read: one file over the hard cap (in a commit), one unreadable. */
export const SKIPPED: ScanResult['skipped'] = [
  {
    path: 'assets/dump.sqlite',
    reason: 'too-large',
    detail: '300.0 MiB, over hardMaxFileSize (256.0 MiB)',
    size: 314572800,
    commit: SHA_A,
  },
  { path: 'secrets|odd.env', reason: 'unreadable', detail: 'could not be read (EACCES)' },
];

/** A range result with findings (secrets attached) and skipped content. */
export function skippedResult(): { result: ScanResult; secrets: string[] } {
  const { result, secrets } = rangeResult();
  return { result: { ...result, skipped: SKIPPED, skippedCount: 3 }, secrets };
}

/** Nothing found, but content was skipped: must never read as a clean bill of health. */
export function emptySkippedResult(mode: ScanResult['mode'] = 'range'): ScanResult {
  return { ...emptyResult(mode), skipped: SKIPPED, skippedCount: 2 };
}

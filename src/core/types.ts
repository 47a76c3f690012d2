/**
 * Shared types of the pure engine. Everything outside src/core speaks these.
 *
 * Secrets: a raw secret never appears in a plain property of anything exported from the engine.
 * `Candidate.secret` and `Hit` live only inside the engine; a `Finding` carries its secret material
 * (for verify/ only) under the non-enumerable symbol key SECRET, which JSON.stringify, loggers and
 * renderers never see. Use `attachSecret` / `revealSecret`.
 */

export const CREDENTIAL_TYPES = [
  'upstash-redis-token',
  'upstash-redis-url',
  'upstash-vector-token',
  'upstash-search-token',
  'upstash-qstash-token',
  'upstash-qstash-signing-key',
  'upstash-management-key',
  'upstash-kafka-credentials',
  'upstash-box-api-key',
  'upstash-context7-api-key',
] as const;
export type CredentialType = (typeof CREDENTIAL_TYPES)[number];

/** Ordered from most to least severe. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type Confidence = 'high' | 'medium' | 'low';

/** Where the value ends up: `browser` when it ships to clients (NEXT_PUBLIC_, VITE_, built assets...). */
export interface Exposure {
  kind: 'server' | 'browser';
  /** Why we think so, e.g. "NEXT_PUBLIC_ prefix" or "next.config env". */
  reason?: string;
}

/** A piece of text to scan and where it came from. */
export interface Fragment {
  path: string;
  text: string;
  /**
   * 1-based line number in the file of each line of `text` (for added-lines scans, where `text`
   * holds only some lines). Absent: line i of `text` is line i + 1 of the file.
   */
  lineNumbers?: readonly number[];
  commit?: string;
  author?: string;
  date?: string;
}

/**
 * Where a credential was seen outside any file: the message of a commit (`commit` is that commit)
 * or of an annotated tag (`tag` names it; `commit` is the commit it points at, when it does).
 */
export type MessageSource = 'commit-message' | 'tag-message';

/** One place where a credential was seen. */
export interface Occurrence {
  /** File path; '' for a message (`source` set): a message is in no file. */
  path: string;
  /** 1-based line in the file, or in the message for a message occurrence. */
  line: number;
  /** Absent for file content. */
  source?: MessageSource;
  /** The annotated tag whose message holds it (source 'tag-message'). */
  tag?: string;
  column?: number;
  /** Byte offset in the file, for content scanned as binary (lines there are counted by LF bytes). */
  offset?: number;
  commit?: string;
  author?: string;
  date?: string;
}

/** Decoded, non-secret facts about a credential (database id, layout, role, region...). */
export type Details = Record<string, string | number | boolean>;

/**
 * What a detector produces for one validated match. Internal to the engine: holds the secret.
 */
export interface Candidate {
  type: CredentialType;
  /** Normalised secret (padding restored, unwrapped). Never leaves the engine. */
  secret: string;
  /** Stable identity used for dedup: equal identity = same credential. Hashed before it leaves. */
  identity: string;
  readOnly: boolean | null;
  /** https://host of the service this credential talks to, when known. */
  endpoint?: string;
  confidence: Confidence;
  details: Details;
  /** Key that pairs this credential with an endpoint seen elsewhere (e.g. "redis-db:34127"). */
  pairKey?: string;
  /** Extra secret material needed for verification (e.g. the account email for a management key). */
  companion?: Record<string, string>;
  /** True for pairing parts (endpoints) that are not findings on their own. */
  pairingPartOnly?: boolean;
}

/** Context a detector gets about where its regex matched. */
export interface MatchContext {
  /** The whole line holding the start of the match. */
  line: string;
  /** Text of the line before the match. */
  before: string;
  /** Text of the line after the match. */
  after: string;
  /** The variable / key the value is assigned to, when recognisable (e.g. "UPSTASH_REDIS_REST_TOKEN"). */
  key?: string;
  path: string;
  /** The whole fragment text, for detectors that look at nearby lines (management key + email). */
  text: string;
  /** Offset of the match in `text`. */
  index: number;
}

export interface DetectorExamples {
  /** True positives, generated at run time from the documented layouts (never pasted real values). */
  positives: () => readonly string[];
  /** Text that must produce no finding for this detector. */
  negatives: readonly string[];
}

/**
 * A credential detector: data plus one small validate function. Listed in core/detectors/registry.ts.
 */
export interface Detector {
  readonly id: string;
  readonly type: CredentialType;
  readonly title: string;
  /**
   * Literal, case-sensitive substrings such that every true positive, as committed, contains at
   * least one. The prefilter skips text containing none of any detector's keywords, so this is a
   * correctness contract, not a hint.
   */
  readonly keywords: readonly string[];
  /**
   * Files this detector reads whatever their content holds, by path: for a file whose name is the
   * only Upstash evidence it carries (the Upstash CLI's login file holds an email and a bare UUID,
   * no keyword). Every gate lets such a path through; keep it to a few exact names, since each
   * matching blob of a history is scanned whole.
   */
  readonly paths?: RegExp;
  /**
   * With `paths`: tests that every file at those paths holding a credential passes (all of them,
   * on its text, up to PATH_CONTENT_BYTES). A history scan that reads blobs before it knows their
   * paths (the gate-first scan) asks for the paths only of the blobs that pass, so this is a
   * correctness contract like `keywords`: too strict, and a committed login file is missed.
   */
  readonly pathContent?: readonly RegExp[];
  /** Global regex; capture group 1 is the candidate value. */
  readonly pattern: RegExp;
  /**
   * Optional speed-up for a pattern with no literal prefix (a regex engine tries it at every
   * position): a literal that every match of `pattern` holds at `offset` from the match start.
   * The scan then tries the pattern only where the literal occurs, with the same results.
   */
  readonly anchor?: { readonly literal: string; readonly offset: number };
  validate(match: RegExpExecArray, ctx: MatchContext): Candidate | null;
  readonly examples: DetectorExamples;
}

/** One sighting of one candidate credential. Internal: holds the secret through `candidate`. */
export interface Hit {
  candidate: Candidate;
  occurrence: Occurrence;
  exposure: Exposure;
  /** Set when an inline `upstash-guard:allow` comment covers the line. */
  inlineAllowed?: boolean;
  /** Set when the line is a documentation example (Markdown example heading or block). */
  docsExample?: boolean;
}

export type VerificationStatus = 'live' | 'revoked' | 'unknown' | 'unverifiable';

export interface Verification {
  status: VerificationStatus;
  reason?: string;
  checkedAt?: string;
}

/** Where a history finding was first introduced. */
export interface Introduction {
  commit: string;
  /** '' when the introduction is a message (`source` set). */
  path: string;
  source?: MessageSource;
  tag?: string;
  author?: string;
  date?: string;
}

/** One credential, however many places it appears in. Safe to render, log and serialise. */
export interface Finding {
  type: CredentialType;
  /** Human title of the detector, e.g. "Upstash Redis REST token". */
  title: string;
  readOnly: boolean | null;
  endpoint?: string;
  exposure: Exposure;
  severity: Severity;
  confidence: Confidence;
  /** Keyed hash of the normalised secret: stable across rebase/squash; used for allowlists. */
  fingerprint: string;
  /** A few characters of the secret at most, e.g. "AYVP…(62 chars)". */
  masked: string;
  details: Details;
  occurrences: Occurrence[];
  /** History mode. */
  introducedBy?: Introduction;
  presentAtHead?: boolean;
  /** Every ref that reaches the introduction (branches, tags, refs/pull/* as pull/N/head). */
  branches?: string[];
  /** Which of `branches` are tags (history mode; absent when none are). */
  tags?: string[];
  commitCount?: number;
  verification?: Verification;
}

export type ScanMode = 'tree' | 'range' | 'history' | 'staged';

export interface ScanStats {
  filesScanned: number;
  bytesScanned: number;
  commitsScanned?: number;
  blobsScanned?: number;
  /** Always 0 since binary content is scanned for printable runs; kept for schema stability. */
  skippedBinary: number;
  /** Files or blobs over hardMaxFileSize (each listed in ScanResult.skipped). */
  skippedTooLarge: number;
  /** Files or blobs read as binary: scanned for printable runs. */
  binaryScanned?: number;
  /** Files or blobs decoded from UTF-16. */
  utf16Decoded?: number;
  skippedIgnored: number;
  durationMs: number;
}

/** Why content was not scanned (docs/output.md). */
export type SkipReason = 'too-large' | 'unreadable' | 'missing';

/**
 * Content a scan could not read, so a clean result never hides it. One entry per file or blob;
 * `path` is empty when the blob's path is unknown (missing objects of a partial clone).
 */
export interface SkippedContent {
  path: string;
  reason: SkipReason;
  /** Human detail without content, e.g. "300.0 MB, over hardMaxFileSize (256.0 MB)". */
  detail: string;
  /** Size in bytes, when known. */
  size?: number;
  /** The commit it was seen in (range and staged scans). */
  commit?: string;
  /** How many files or objects the entry stands for, when more than one (missing objects). */
  count?: number;
}

export interface ScanResult {
  mode: ScanMode;
  /** Findings that are not suppressed, most severe first. */
  findings: Finding[];
  /** Findings suppressed by config allowlist or inline comments (fingerprint + reason only). */
  suppressed: { fingerprint: string; type: CredentialType; reason: string }[];
  stats: ScanStats;
  /** Non-fatal problems (a blob that could not be read...). Never contains secrets. */
  warnings: string[];
  /**
   * Content not scanned, and why (over hardMaxFileSize, unreadable, missing objects). Capped at
   * MAX_SKIPPED_LISTED entries; `skippedCount` holds the full count.
   */
  skipped: SkippedContent[];
  skippedCount: number;
}

export const MAX_SKIPPED_LISTED = 200;

/** Secret material kept beside a Finding for verification; never enumerable, never serialised. */
export interface SecretMaterial {
  value: string;
  companion?: Record<string, string>;
}

export const SECRET: unique symbol = Symbol('upstash-guard.secret');

export function attachSecret(finding: Finding, material: SecretMaterial): Finding {
  Object.defineProperty(finding, SECRET, {
    value: material,
    enumerable: false,
    writable: false,
    configurable: true,
  });
  return finding;
}

export function revealSecret(finding: Finding): SecretMaterial | undefined {
  return (finding as unknown as Record<symbol, SecretMaterial | undefined>)[SECRET];
}

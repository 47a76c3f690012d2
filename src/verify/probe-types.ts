import type { Finding, SecretMaterial, VerificationStatus } from '../core/index.js';

/** A verdict before it is stamped with `checkedAt`. */
export interface Verdict {
  status: VerificationStatus;
  reason?: string;
}

/** One HTTP GET a probe wants made; `send` checks it against the allowlist first. */
export interface ProbeCall {
  url: string;
  headers: Record<string, string>;
}

/** What a probe gets: the finding, its secret, and a guarded transport (see send-probe.ts). */
export interface ProbeContext {
  finding: Finding;
  secret: SecretMaterial;
  send(call: ProbeCall): Promise<HttpAnswer>;
}

/** A response (status + body text) or, when there was none, the verdict explaining why. */
export type HttpAnswer = HttpResponse | { verdict: Verdict };

export interface HttpResponse {
  status: number;
  body: string;
  /** Retry-After in whole seconds, when Upstash sent a numeric one. */
  retryAfterSeconds?: number;
}

/** A product probe: a verdict, never a throw. */
export type Probe = (ctx: ProbeContext) => Promise<Verdict>;

/**
 * Verdicts cached by fingerprint (a keyed hash; never the secret) with a TTL, so a finding seen on
 * every push is probed once per TTL, not once per push.
 */
import type { Verification } from '../core/index.js';

export interface VerdictCache {
  get(fingerprint: string): Promise<Verification | undefined>;
  set(fingerprint: string, verdict: Verification, ttlMs: number): Promise<void>;
}

/** Bounded: a long-running process without Redis must not grow without limit. */
export class MemoryVerdictCache implements VerdictCache {
  private readonly entries = new Map<string, { v: Verification; until: number }>();
  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(fingerprint: string): Promise<Verification | undefined> {
    const e = this.entries.get(fingerprint);
    if (e && e.until <= this.now()) this.entries.delete(fingerprint);
    return Promise.resolve(e && e.until > this.now() ? { ...e.v } : undefined);
  }

  set(fingerprint: string, v: Verification, ttlMs: number): Promise<void> {
    this.entries.delete(fingerprint);
    this.entries.set(fingerprint, { v: { ...v }, until: this.now() + ttlMs });
    // Maps iterate in insertion order: the first key is the oldest write.
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return Promise.resolve();
  }
}

/**
 * Incident storage: one interface, two backends.
 *   - FileIncidentStore (./file-store.ts): the default, for one container without Redis.
 *   - RedisIncidentStore (./redis-store.ts): when REDIS_URL is set, the Redis BullMQ uses.
 * Both serialise updates of one incident (read-modify-write is atomic) and survive restarts.
 * Nothing stored holds a raw secret: incidents carry only masked forms and fingerprints.
 */
import type { Incident } from './model.js';

/** Returns the new incident, or undefined to leave it unchanged (or absent). */
export type IncidentUpdate = (current: Incident | undefined) => Incident | undefined;

export interface IncidentStore {
  get(installationId: number, fingerprint: string): Promise<Incident | undefined>;
  list(installationId: number): Promise<Incident[]>;
  /** Installations that have at least one incident. */
  installations(): Promise<number[]>;
  /** Atomic read-modify-write of one incident. */
  update(
    installationId: number,
    fingerprint: string,
    fn: IncidentUpdate,
  ): Promise<Incident | undefined>;
  /** Forget an installation (the App was uninstalled). */
  deleteInstallation(installationId: number): Promise<void>;
  close(): Promise<void>;
}

/** A fingerprint as the engine writes it; anything else is refused at the storage boundary. */
export const FINGERPRINT = /^ug1:[A-Za-z0-9_-]{8,128}$/;

export function checkKey(installationId: number, fingerprint: string): void {
  if (!Number.isSafeInteger(installationId) || installationId <= 0)
    throw new Error(`invalid installation id: ${String(installationId)}`);
  if (!FINGERPRINT.test(fingerprint)) throw new Error('invalid fingerprint');
}

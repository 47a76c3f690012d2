/**
 * Installation tokens for git, reused until near expiry instead of minted per job (201 tokens for
 * 200 pushes before). Per process and in memory only: a token is a secret, so it is never put in
 * Redis or on disk. Concurrent jobs of one installation share one mint. The permissions the token
 * response lists are kept with it: jobs plan their report from them (src/github/report-plan.ts),
 * and a permission change drops both (`invalidate`).
 */
import type { InstallationPermissions } from '../github/report-plan.js';
import type { GitHubClient } from '../github/types.js';

export interface MintedToken {
  token: string;
  /** ms since epoch. */
  expiresAt: number;
  /** As the token response listed them; absent when it listed none (older GitHub Enterprise). */
  permissions?: InstallationPermissions;
}

export interface InstallationCredentials {
  gh: GitHubClient;
  token: string;
  permissions?: InstallationPermissions;
}

export interface InstallationAuthOptions {
  /**
   * An installation client authenticated with `token`, one of ours: one mint serves git and the
   * API, and a renewed or invalidated token takes the client with it.
   */
  client(installationId: number, token: string): Promise<GitHubClient> | GitHubClient;
  /** `POST /app/installations/{id}/access_tokens` through the app (JWT) client. */
  mint(installationId: number): Promise<MintedToken>;
  /** Renew when less than this is left (a fetch may take up to 10 minutes). */
  marginMs?: number;
  now?: () => number;
  onMint?: () => void;
}

export class InstallationAuth {
  private readonly tokens = new Map<number, Promise<MintedToken>>();
  /** One client per minted token: it goes with its token. */
  private readonly clients = new WeakMap<MintedToken, Promise<GitHubClient>>();

  constructor(private readonly opts: InstallationAuthOptions) {}

  async get(installationId: number): Promise<InstallationCredentials> {
    const minted = await this.token(installationId);
    const gh = await this.client(installationId, minted);
    return {
      gh,
      token: minted.token,
      ...(minted.permissions ? { permissions: minted.permissions } : {}),
    };
  }

  private client(id: number, minted: MintedToken): Promise<GitHubClient> {
    let c = this.clients.get(minted);
    if (!c) {
      c = Promise.resolve(this.opts.client(id, minted.token));
      this.clients.set(minted, c);
      c.catch(() => this.clients.delete(minted));
    }
    return c;
  }

  private async token(id: number): Promise<MintedToken> {
    const now = this.opts.now ?? Date.now;
    const margin = this.opts.marginMs ?? 15 * 60_000;
    const cached = this.tokens.get(id);
    if (cached) {
      const t = await cached.catch(() => undefined);
      if (t && t.expiresAt - margin > now()) return t;
      if (this.tokens.get(id) !== cached) return this.token(id);
    }
    const p = this.opts.mint(id);
    this.opts.onMint?.();
    this.tokens.set(id, p);
    p.catch(() => {
      if (this.tokens.get(id) === p) this.tokens.delete(id);
    });
    return p;
  }

  /** Forget an installation (deleted, suspended). */
  drop(installationId: number): void {
    this.tokens.delete(installationId);
  }

  /**
   * The installation's permissions changed (accepted, or a refusal contradicting the listed
   * ones): the next job mints a token listing the new ones, and its API client uses it. A job
   * already holding the old token finishes with it.
   */
  invalidate(installationId: number): void {
    this.tokens.delete(installationId);
  }
}

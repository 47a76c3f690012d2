/**
 * Sessions for the incidents page: a random id in a signed, HttpOnly, Secure, SameSite=Lax
 * cookie; the data lives server-side (memory in-process, Redis with REDIS_URL), with the user's
 * GitHub token encrypted (AES-256-GCM) so a Redis dump does not hand out user tokens.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import type { Redis } from 'ioredis';

export interface SessionData {
  login: string;
  /** The user-to-server token, encrypted with the session key. */
  tokenSealed: string;
  /** Anti-CSRF token, sent back in every form. */
  csrf: string;
  createdAt: number;
}

/** Pending OAuth logins: the `state` parameter and where to go afterwards. */
export interface LoginState {
  returnTo: string;
  createdAt: number;
}

export interface SessionStore {
  get(id: string): Promise<SessionData | undefined>;
  set(id: string, data: SessionData, ttlMs: number): Promise<void>;
  delete(id: string): Promise<void>;
  takeLogin(state: string): Promise<LoginState | undefined>;
  putLogin(state: string, data: LoginState, ttlMs: number): Promise<void>;
  /**
   * Takes `key` for `ttlMs` unless someone holds it: 0 when taken now, else the milliseconds left
   * of the holder's time. Shared by every App replica with Redis (a bound per process let N
   * replicas act N times).
   */
  claim(key: string, ttlMs: number): Promise<number>;
}

export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, { data: SessionData; until: number }>();
  private readonly logins = new Map<string, { data: LoginState; until: number }>();
  private readonly claims = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}
  async get(id: string) {
    const s = this.sessions.get(id);
    if (!s || s.until < this.now()) return undefined;
    return s.data;
  }
  async set(id: string, data: SessionData, ttlMs: number) {
    this.sessions.set(id, { data, until: this.now() + ttlMs });
    this.sweep();
  }
  async delete(id: string) {
    this.sessions.delete(id);
  }
  async takeLogin(state: string) {
    const s = this.logins.get(state);
    this.logins.delete(state);
    return s && s.until >= this.now() ? s.data : undefined;
  }
  async putLogin(state: string, data: LoginState, ttlMs: number) {
    this.logins.set(state, { data, until: this.now() + ttlMs });
    this.sweep();
  }
  async claim(key: string, ttlMs: number) {
    const now = this.now();
    const until = this.claims.get(key) ?? 0;
    if (until > now) return until - now;
    this.claims.set(key, now + ttlMs);
    this.sweep();
    return 0;
  }
  private sweep(): void {
    const now = this.now();
    for (const [k, t] of this.claims) if (t <= now) this.claims.delete(k);
    for (const [k, v] of this.sessions) if (v.until < now) this.sessions.delete(k);
    for (const [k, v] of this.logins) if (v.until < now) this.logins.delete(k);
  }
}

export class RedisSessionStore implements SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'upstash-guard:web:',
  ) {}
  async get(id: string) {
    return parse<SessionData>(await this.redis.get(`${this.prefix}session:${id}`));
  }
  async set(id: string, data: SessionData, ttlMs: number) {
    await this.redis.set(`${this.prefix}session:${id}`, JSON.stringify(data), 'PX', ttlMs);
  }
  async delete(id: string) {
    await this.redis.del(`${this.prefix}session:${id}`);
  }
  async takeLogin(state: string) {
    return parse<LoginState>(await this.redis.getdel(`${this.prefix}login:${state}`));
  }
  async putLogin(state: string, data: LoginState, ttlMs: number) {
    await this.redis.set(`${this.prefix}login:${state}`, JSON.stringify(data), 'PX', ttlMs);
  }
  async claim(key: string, ttlMs: number) {
    const k = `${this.prefix}claim:${key}`;
    if ((await this.redis.set(k, '1', 'PX', ttlMs, 'NX')) === 'OK') return 0;
    // Held: how long for. A key that expired in between (-2) or has no expiry (-1) is taken again.
    const left = await this.redis.pttl(k);
    if (left > 0) return left;
    await this.redis.set(k, '1', 'PX', ttlMs);
    return 0;
  }
}

function parse<T>(raw: string | null): T | undefined {
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return undefined;
  }
}

export const COOKIE = 'ug_session';
/** The pending sign-in's `state`, kept by the browser that started it (login CSRF). */
export const LOGIN_COOKIE = 'ug_login';
const ID = /^[A-Za-z0-9_-]{43}$/;

/** Signing and sealing with one secret. */
export class SessionKeys {
  private readonly mac: Buffer;
  private readonly enc: Buffer;
  constructor(secret: string) {
    if (secret.length < 32) throw new Error('the session secret must be at least 32 characters');
    this.mac = createHmac('sha256', secret).update('upstash-guard/session/mac').digest();
    this.enc = createHmac('sha256', secret).update('upstash-guard/session/enc').digest();
  }

  newId(): string {
    return randomBytes(32).toString('base64url');
  }

  sign(id: string): string {
    return `${id}.${createHmac('sha256', this.mac).update(id).digest('base64url')}`;
  }

  /** The session id from a cookie value, or undefined when it is malformed or forged. */
  verify(cookieValue: string | undefined): string | undefined {
    if (!cookieValue) return undefined;
    const dot = cookieValue.indexOf('.');
    if (dot < 0) return undefined;
    const id = cookieValue.slice(0, dot);
    if (!ID.test(id)) return undefined;
    const want = Buffer.from(this.sign(id));
    const got = Buffer.from(cookieValue);
    return want.length === got.length && timingSafeEqual(want, got) ? id : undefined;
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.enc, iv);
    const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
  }

  open(sealed: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const d = createDecipheriv('aes-256-gcm', this.enc, raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /** Constant-time comparison of CSRF tokens. */
  static sameToken(a: string | undefined, b: string | undefined): boolean {
    if (!a || !b) return false;
    const x = Buffer.from(a);
    const y = Buffer.from(b);
    return x.length === y.length && timingSafeEqual(x, y);
  }
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, maxAgeSec: number, name = COOKIE): string {
  return `${name}=${value}; Path=/incidents; HttpOnly; Secure; SameSite=Lax; Max-Age=${maxAgeSec}`;
}

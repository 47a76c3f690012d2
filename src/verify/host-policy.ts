/**
 * Where a credential may be sent (credentials doc §6 rule 1). A credential goes only to an Upstash
 * host of the right shape, over HTTPS on the default port: a URL planted in a repository
 * (`https://evil.example`, `https://fancy-cat-1.upstash.io.evil.com`) is the exfiltration path an
 * attacker would use, so it is never contacted. Repository content can only ever name a URL; which
 * transport origin that URL maps to is decided here, by code or by an explicit option object.
 */
const ALLOWED: readonly RegExp[] = [
  /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+\.upstash\.io$/, // Redis REST (incl. legacy region prefixes)
  /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+\.kv\.vercel-storage\.com$/, // legacy Vercel KV
  /^[a-z0-9]+(?:-[a-z0-9]+)*-\d+-[a-z0-9]+(?:-[a-z0-9]+)*-(?:vector|search)\.upstash\.io$/,
  /^qstash(?:-(?:eu-central-1|us-east-1))?\.upstash\.io$/,
  /^api\.upstash\.com$/,
];

/** The allowlisted `https://host` of `url`, or undefined when a credential must not go there. */
export function allowlistedOrigin(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return undefined;
  const host = u.hostname;
  // Fly databases live on Fly's private IPv6 network: unreachable from here (fly.mdx).
  if (host.startsWith('fly-')) return undefined;
  return ALLOWED.some((re) => re.test(host)) ? `https://${host}` : undefined;
}

export interface HostPolicy {
  /**
   * The URL to actually request for an allowlisted `https://host/path`, or undefined to refuse.
   * Only called with URLs that already passed `allowlistedOrigin`.
   */
  route(url: URL): URL | undefined;
}

/** Production: allowlisted URLs are requested as they are. */
export const UPSTASH_HOST_POLICY: HostPolicy = { route: (url) => url };

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * For tests and local doubles only: each allowlisted host listed in `routes` is sent to a loopback
 * base URL (e.g. `http://127.0.0.1:4100/h/qstash.upstash.io`); unlisted hosts are refused. Targets
 * must be loopback, so even a mistaken policy cannot send a credential off the machine, and the
 * allowlist check runs before any policy, so a policy cannot widen it.
 */
function assertLoopback(base: string): void {
  const u = new URL(base);
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !LOOPBACK.has(u.hostname)) {
    throw new Error('loopback host policy: targets must be http(s) loopback URLs');
  }
}

export function loopbackHostPolicy(routes: Readonly<Record<string, string>>): HostPolicy {
  for (const base of Object.values(routes)) assertLoopback(base);
  return {
    route(url) {
      const base = routes[url.hostname];
      if (!base) return undefined;
      return new URL(`${base.replace(/\/$/, '')}${url.pathname}${url.search}`);
    },
  };
}

/**
 * Every allowlisted host routed to `<origin>/h/<host>` on one loopback double (the layout of
 * test/helpers/upstash-double.ts). For an App process under an end-to-end test, which cannot be
 * handed an object: see `hostPolicyFromEnv`.
 */
export function loopbackDoublePolicy(origin: string): HostPolicy {
  assertLoopback(origin);
  const base = origin.replace(/\/$/, '');
  return {
    route: (url) => new URL(`${base}/h/${url.hostname}${url.pathname}${url.search}`),
  };
}

/** Operator switch for end-to-end tests only; unset in production (documented in verification.md). */
export const TEST_ORIGIN_ENV = 'UPSTASH_GUARD_VERIFY_TEST_ORIGIN';

/** undefined (production policy) unless UPSTASH_GUARD_VERIFY_TEST_ORIGIN names a loopback origin. */
export function hostPolicyFromEnv(env: Record<string, string | undefined>): HostPolicy | undefined {
  const origin = env[TEST_ORIGIN_ENV];
  return origin ? loopbackDoublePolicy(origin) : undefined;
}

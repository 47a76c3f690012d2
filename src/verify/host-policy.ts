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
export function loopbackHostPolicy(routes: Readonly<Record<string, string>>): HostPolicy {
  for (const base of Object.values(routes)) {
    if (!LOOPBACK.has(new URL(base).host.replace(/:\d+$/, ''))) {
      throw new Error('loopbackHostPolicy: targets must be loopback URLs');
    }
  }
  return {
    route(url) {
      const base = routes[url.hostname];
      if (!base) return undefined;
      return new URL(`${base.replace(/\/$/, '')}${url.pathname}${url.search}`);
    },
  };
}

/**
 * A loopback double of Upstash's REST APIs for verification tests. Plain HTTP on 127.0.0.1: the
 * product only reaches it through an explicit `loopbackHostPolicy` (each allowlisted host mapped to
 * `http://127.0.0.1:<port>/h/<host>`), so the host the probe meant is in the path and the double can
 * answer per host. TLS would add a test-only CA hook to the product for no extra coverage of ours.
 * Every request is recorded so tests can assert exactly what was (not) sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackHostPolicy, type HostPolicy } from '../../src/verify/host-policy.js';

export type Behaviour = 'ok' | 'slow' | '429' | '503' | 'garbage' | 'redirect' | 'unauthorized';

export interface RecordedRequest {
  host: string;
  method: string;
  path: string;
  authorization?: string;
}

export class UpstashDouble {
  readonly requests: RecordedRequest[] = [];
  private readonly tokens = new Map<string, Set<string>>(); // host -> accepted Authorization
  private readonly behaviours = new Map<string, Behaviour>();
  private server?: Server;
  private origin = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The loopback origin, for `UPSTASH_GUARD_VERIFY_TEST_ORIGIN` in end-to-end tests. */
  policyOrigin(): string {
    return this.origin;
  }

  /** `host` accepts `Authorization: <authorization>` (Bearer token or Basic). */
  accept(host: string, authorization: string): this {
    if (!this.tokens.has(host)) this.tokens.set(host, new Set());
    this.tokens.get(host)!.add(authorization);
    return this;
  }

  behave(host: string, b: Behaviour): this {
    this.behaviours.set(host, b);
    return this;
  }

  /**
   * A host policy sending every allowlisted host to this double (the allowlist runs first, so a
   * refused host never gets here). `only` narrows it to the listed hosts.
   */
  policy(only?: readonly string[]): HostPolicy {
    return {
      route: (url) => {
        if (only && !only.includes(url.hostname)) return undefined;
        return loopbackHostPolicy({ [url.hostname]: `${this.origin}/h/${url.hostname}` }).route(
          url,
        );
      },
    };
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const m = /^\/h\/([^/]+)(\/.*)?$/.exec(req.url ?? '');
    const host = m?.[1] ?? '';
    const path = m?.[2] ?? '/';
    const authorization = req.headers.authorization;
    this.requests.push({
      host,
      method: req.method ?? '',
      path,
      ...(authorization ? { authorization } : {}),
    });
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (this.behaviours.get(host) ?? 'ok') {
      case 'slow':
        setTimeout(() => json(200, { result: 'PONG' }), 2_000).unref();
        return;
      case '429':
        return json(429, { error: 'too many requests' }, { 'retry-after': '30' });
      case '503':
        return json(503, { error: 'unavailable' });
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>captive portal</html>');
        return;
      case 'redirect':
        res.writeHead(302, { location: `${this.origin}/h/collector.evil.example/steal` });
        res.end();
        return;
      case 'unauthorized':
        return json(401, { error: 'Unauthorized' });
      case 'ok':
        break;
    }
    const known = authorization !== undefined && this.tokens.get(host)?.has(authorization) === true;
    if (!known) return json(401, { error: 'Unauthorized: Invalid auth token', status: 401 });
    if (path === '/ping') return json(200, { result: 'PONG' });
    if (path === '/info') return json(200, { result: { vectorCount: 0, dimension: 8 } });
    if (path === '/v2/queues' || path === '/v2/schedules' || path === '/v2/teams')
      return json(200, []);
    return json(404, { error: 'not found' });
  }
}

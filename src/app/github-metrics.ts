/**
 * Counts what an installation client sends to GitHub: requests and writes by method, the time a
 * request waited in Octokit's throttling before it was sent, the rate-limit headroom from the
 * response headers, and the requests GitHub refused for good (by the permission they need).
 * Registered after Probot's plugins, so this wrap is the outermost: the time from entering it to
 * the first byte handed to fetch is the throttle (and retry) wait.
 */
import { refusalLabel, refusalOf } from '../github/refusal.js';
import type { Metrics } from '../queue/metrics.js';

type Fetch = typeof fetch;
interface HookedOctokit {
  hook: {
    wrap(
      name: 'request',
      fn: (
        request: (o: Record<string, unknown>) => Promise<{ headers: Record<string, unknown> }>,
        options: Record<string, unknown> & { method?: string; request?: { fetch?: Fetch } },
      ) => Promise<unknown>,
    ): void;
  };
}

export function instrumentOctokit(octokit: unknown, metrics: Metrics): void {
  (octokit as HookedOctokit).hook.wrap('request', async (request, options) => {
    const entered = performance.now();
    let sent: number | undefined;
    const inner = options.request?.fetch ?? globalThis.fetch;
    options.request = {
      ...options.request,
      fetch: ((input, init) => {
        sent ??= performance.now();
        return inner(input, init);
      }) as Fetch,
    };
    const method = String(options.method ?? 'GET').toUpperCase();
    let headers: Record<string, unknown> | undefined;
    try {
      const res = await request(options);
      headers = res.headers;
      return res;
    } catch (err) {
      headers = (err as { response?: { headers?: Record<string, unknown> } }).response?.headers;
      const refused = refusalOf(err);
      if (refused) metrics.githubRefused(refusalLabel(refused));
      throw err;
    } finally {
      metrics.githubRequest(method, sent === undefined ? 0 : sent - entered, headers);
    }
  });
}

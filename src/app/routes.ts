import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Runtime } from './runtime.js';

/** /healthz (liveness), /readyz (queue reachable) and /metrics (Prometheus text). Other paths fall through to Probot. */
export function httpRoutes(runtime: Runtime) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok' }));
      return true;
    }
    if (req.method === 'GET' && path === '/readyz') {
      // Ready when the queue answers (Redis reachable with REDIS_URL; always in-process).
      const ok = await runtime.queue.depth().then(
        () => true,
        () => false,
      );
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ready' : 'queue unavailable' }));
      return true;
    }
    if (req.method === 'GET' && path === '/metrics') {
      const body = await runtime.metrics.render();
      res.writeHead(200, { 'content-type': runtime.metrics.contentType });
      res.end(body);
      return true;
    }
    return false;
  };
}

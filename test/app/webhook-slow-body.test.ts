/**
 * A body that never finishes arriving cannot hold the endpoint's memory budget. The budget is taken
 * by bytes received, before a delivery can be authenticated: a sender who sent most of a few large
 * bodies and then stalled held it for Node's request timeout (5 min), and every delivery of
 * GitHub's meanwhile was answered 503. A body now has UPSTASH_GUARD_WEBHOOK_BODY_TIMEOUT_MS to
 * arrive (408 after), and the budget is free again.
 */
import { connect, type Socket } from 'node:net';
import { startApp, type AppProcess } from '../helpers/app-process.js';
import { deliver } from '../helpers/webhooks.js';

const MB = 1024 * 1024;
let app: AppProcess;
const open: Socket[] = [];

beforeAll(async () => {
  app = await startApp({
    githubHost: '127.0.0.1:9',
    env: {
      UPSTASH_GUARD_WEBHOOK_BUFFER_BYTES: String(2 * MB),
      UPSTASH_GUARD_WEBHOOK_BODY_TIMEOUT_MS: '1500',
    },
  });
}, 30_000);
afterAll(async () => {
  for (const s of open) s.destroy();
  await app?.stop();
});

/** Declares `declared` bytes, sends `sent` of them, then stalls. Resolves with the status seen. */
function stalledPost(
  declared: number,
  sent: number,
): { status: Promise<number | 'closed'>; sentAll: Promise<void> } {
  const url = new URL(app.webhookUrl);
  const socket = connect(Number(url.port), url.hostname);
  open.push(socket);
  let head = '';
  let sentAll!: () => void;
  const sentAllP = new Promise<void>((r) => (sentAll = r));
  const status = new Promise<number | 'closed'>((resolve) => {
    socket.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
      if (m) resolve(Number(m[1]));
    });
    socket.on('close', () => resolve('closed'));
    socket.on('error', () => resolve('closed'));
  });
  socket.once('connect', () => {
    socket.write(
      [
        `POST ${url.pathname} HTTP/1.1`,
        `host: ${url.host}`,
        'content-type: application/json',
        'x-github-event: push',
        `x-github-delivery: slow-${open.length}`,
        `x-hub-signature-256: sha256=${'0'.repeat(64)}`,
        `content-length: ${declared}`,
        '',
        '',
      ].join('\r\n'),
    );
    socket.write(Buffer.alloc(sent, 0x20), () => sentAll());
  });
  return { status, sentAll: sentAllP };
}

test('stalled bodies fill the budget only until their deadline: then 408, and deliveries get through again', async () => {
  const t0 = Date.now();
  const a = stalledPost(MB + 10, MB);
  const b = stalledPost(MB + 10, MB);
  await Promise.all([a.sentAll, b.sentAll]);
  // Let the app read what was sent: the budget (2 MB) is now held by the two stalled bodies.
  await new Promise((r) => setTimeout(r, 300));
  const during = await deliver(app.webhookUrl, 'ping', { zen: 'x' }, { secret: app.webhookSecret });
  expect(during.status).toBe(503);
  // Both stalled bodies are cut at their deadline (1.5 s), not after Node's 5 minutes.
  expect(await a.status).toBe(408);
  expect(await b.status).toBe(408);
  expect(Date.now() - t0).toBeLessThan(10_000);
  const after = await deliver(app.webhookUrl, 'ping', { zen: 'x' }, { secret: app.webhookSecret });
  expect(after.status).toBe(200);
  expect(app.logs()).toMatch(/request body not received in time/);
}, 30_000);

/** Which failed webhook deliveries are asked for again (src/app/redeliver.ts), and the paging. */
import {
  missedDeliveries,
  redeliverMissed,
  worthRedelivering,
  type HookDelivery,
} from '../../src/app/redeliver.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
let ids = 1;
const d = (guid: string, status: number, agoMs: number, redelivery = false): HookDelivery => ({
  id: ids++,
  guid,
  delivered_at: new Date(NOW - agoMs).toISOString(),
  redelivery,
  status_code: status,
  event: 'push',
  action: null,
});
const opts = { since: NOW - 3600_000, now: NOW, maxAttempts: 3, settleMs: 60_000 };

test('only deliveries that never succeeded and that another attempt could help', () => {
  expect([200, 202, 204].map(worthRedelivering)).toEqual([false, false, false]);
  expect([400, 401, 403, 404, 413, 415, 422].some(worthRedelivering)).toBe(false);
  expect([0, 408, 429, 500, 502, 503, 504].every(worthRedelivering)).toBe(true);
  const list = [
    d('down', 502, 600_000),
    d('timeout', 0, 500_000),
    d('ok-later', 503, 400_000),
    d('ok-later', 200, 300_000, true),
    d('unsigned', 401, 300_000),
    d('settling', 503, 10_000),
    d('old', 502, 2 * 3600_000),
    d('tried', 502, 900_000),
    d('tried', 502, 800_000, true),
    d('tried', 502, 700_000, true),
    d('again', 502, 900_000),
    d('again', 504, 700_000, true),
  ];
  const missed = missedDeliveries(list, opts);
  expect(missed.map((x) => x.guid).sort()).toEqual(['again', 'down', 'timeout']);
  // The newest attempt is the one asked for again.
  expect(missed.find((x) => x.guid === 'again')?.status_code).toBe(504);
});

test('pages until the deliveries are older than `since`, then asks for each missed one once', async () => {
  const all = Array.from({ length: 250 }, (_, i) =>
    d(`g${i}`, i % 50 === 0 ? 502 : 200, i * 30_000),
  );
  const asked: number[] = [];
  const pages: (string | undefined)[] = [];
  const request = async (route: string, params: Record<string, unknown> = {}) => {
    if (route.startsWith('POST')) {
      asked.push(params.delivery_id as number);
      return { data: {}, headers: {} };
    }
    const from = Number(params.cursor ?? 0);
    pages.push(params.cursor as string | undefined);
    const next =
      from + 100 < all.length
        ? `<https://x/app/hook/deliveries?cursor=${from + 100}>; rel="next"`
        : undefined;
    return { data: all.slice(from, from + 100), headers: next ? { link: next } : {} };
  };
  const log = { info: () => undefined, warn: () => undefined };
  // since: 80 minutes back reaches into the second page (100 x 30 s = 50 min) only.
  const r = await redeliverMissed(request, log, { since: NOW - 80 * 60_000, now: NOW });
  expect(pages).toEqual([undefined, '100']);
  // g0 is younger than the settle time; g50, g100, g150 are in the window.
  expect(r.asked.sort()).toEqual(['g100', 'g150', 'g50']);
  expect(asked).toHaveLength(3);
  expect(r.failed).toBe(0);
});

test('a refused ask is counted and logged, and the others still go', async () => {
  const list = [d('a', 502, 600_000), d('b', 502, 500_000)];
  const warned: string[] = [];
  const r = await redeliverMissed(
    async (route, params = {}) => {
      if (route.startsWith('POST') && params.delivery_id === list[0]!.id)
        throw new Error('HTTP 500');
      return { data: route.startsWith('GET') ? list : {}, headers: {} };
    },
    {
      info: () => undefined,
      warn: ((_o: unknown, msg: string) => void warned.push(msg)) as never,
    },
    { since: NOW - 3600_000, now: NOW },
  );
  expect(r).toMatchObject({ asked: ['b'], failed: 1 });
  expect(warned.some((m) => m.includes('could not ask GitHub'))).toBe(true);
});

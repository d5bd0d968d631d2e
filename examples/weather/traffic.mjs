#!/usr/bin/env node
// Steady prediction traffic through the router, replaying days of a weather CSV:
// `node traffic.mjs --router http://127.0.0.1:P --data data/weather.csv [--rps 40] [--seconds 60]`.
// The demo imports startTraffic so the canary's analysis has live requests to judge.
import { parseArgs } from 'node:util';
import { FEATURES, readWeather } from './data.mjs';

/**
 * Sends about `rps` requests a second until stop(); resolves stop() with the counts by status,
 * and by the version that answered (the router's x-served-by) and status.
 */
export function startTraffic(router, dataFile, { rps = 40 } = {}) {
  const rows = readWeather(dataFile);
  const statuses = {};
  const served = {};
  let stopped = false;
  let sent = 0;
  const batch = Math.max(1, Math.round(rps / 10));
  const loop = (async () => {
    while (!stopped) {
      const tick = Date.now();
      await Promise.all(
        Array.from({ length: batch }, () => {
          const row = rows[sent++ % rows.length];
          const query = new URLSearchParams(FEATURES.map((name, i) => [name, String(row.features[i])]));
          return fetch(`${router}/predict?${query}`)
            .then(async (r) => {
              await r.arrayBuffer();
              statuses[r.status] = (statuses[r.status] ?? 0) + 1;
              const version = r.headers.get('x-served-by') ?? 'router';
              served[version] = { ...served[version], [r.status]: (served[version]?.[r.status] ?? 0) + 1 };
            })
            .catch(() => {
              statuses.unreachable = (statuses.unreachable ?? 0) + 1;
            });
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - tick))));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { sent, statuses, served };
    },
  };
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({
    options: {
      router: { type: 'string', default: 'http://127.0.0.1:8080' },
      data: { type: 'string', default: 'data/weather.csv' },
      rps: { type: 'string', default: '40' },
      seconds: { type: 'string', default: '60' },
    },
  });
  const traffic = startTraffic(values.router, values.data, { rps: Number(values.rps) });
  setTimeout(async () => {
    process.stdout.write(`${JSON.stringify(await traffic.stop())}\n`);
  }, Number(values.seconds) * 1000);
}

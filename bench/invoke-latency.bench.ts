/**
 * Warm sync invocation of a trivial Node.js handler through the gateway, against the floor: the same
 * requests sent straight to the warm container's bootstrap. Prints p50/p99 latency and requests per second
 * at concurrency 1 and 16, and the gateway/floor ratios. Run: `npm run build && npm run bench`.
 */
import autocannon from 'autocannon';
import { RuntimeInvokeRequest } from '@ofg/contracts';
import { stopStack } from '@ofg/testing';
import { BenchApi, startBenchStack, warmBootstrapInvokeUrl } from './support/bench-stack';

const DURATION_S = Number(process.env['BENCH_DURATION_S'] ?? 10);
const CONCURRENCIES = [1, 16];
const HANDLER = 'exports.handler = async (event) => ({ ok: true, n: event.n || 0 });';

interface Figures {
  mean: number;
  p50: number;
  p99: number;
  rps: number;
  errors: number;
  non2xx: number;
}

async function load(
  url: string,
  headers: Record<string, string>,
  body: string,
  connections: number,
): Promise<Figures> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers,
    body,
    connections,
    duration: DURATION_S,
    pipelining: 1,
  });
  return {
    mean: result.latency.mean,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rps: result.requests.average,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

async function main(): Promise<void> {
  console.log(
    `[bench] starting the stack (compiled apps, real Postgres/Redis/Docker), ${DURATION_S} s per run`,
  );
  const stack = await startBenchStack();
  try {
    const api = await BenchApi.connect(stack);
    const urn = await api.createFunction({
      name: 'bench-trivial',
      runtime: 'Node.js20.15',
      source: HANDLER,
      memoryMb: 256,
      concurrentNum: 16,
    });
    const invokeUrl = api.invokeUrl(urn);
    const gatewayHeaders = api.invokeHeaders;
    const event = JSON.stringify({ n: 1 });

    console.log('[bench] warming up (cold start + 3 s at concurrency 16)');
    const first = await api.invoke(urn, event);
    console.log(`[bench] first (cold) invocation: ${first.status} in ${first.ms.toFixed(0)} ms`);
    await autocannon({
      url: invokeUrl,
      method: 'POST',
      headers: gatewayHeaders,
      body: event,
      connections: 16,
      duration: 3,
    });

    const floorUrl = await warmBootstrapInvokeUrl(stack, urn);
    const floorBody: RuntimeInvokeRequest = { requestId: 'bench-floor', event, timeoutMs: 30_000 };

    const rows: string[] = [];
    for (const c of CONCURRENCIES) {
      console.log(`[bench] concurrency ${c}: gateway`);
      const gw = await load(invokeUrl, gatewayHeaders, event, c);
      console.log(`[bench] concurrency ${c}: bootstrap floor`);
      const floor = await load(
        floorUrl,
        { 'Content-Type': 'application/json' },
        JSON.stringify(floorBody),
        c,
      );
      // autocannon reports p50/p99 in whole milliseconds; the ratio uses the mean, which keeps its decimals.
      rows.push(
        `| ${c} | gateway (sync invoke, v1) | ${gw.mean.toFixed(2)} | ${gw.p50} | ${gw.p99} | ${gw.rps.toFixed(0)} | ${gw.errors + gw.non2xx} |`,
        `| ${c} | floor (bootstrap /invoke) | ${floor.mean.toFixed(2)} | ${floor.p50} | ${floor.p99} | ${floor.rps.toFixed(0)} | ${floor.errors + floor.non2xx} |`,
        `| ${c} | gateway ÷ floor | ${(gw.mean / floor.mean).toFixed(1)}× | | | ${(gw.rps / floor.rps).toFixed(2)}× | |`,
      );
    }
    console.log(
      '\n| concurrency | target | mean ms | p50 ms | p99 ms | req/s | errors |\n|---|---|---|---|---|---|---|',
    );
    console.log(rows.join('\n'));
  } finally {
    await stopStack(stack);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

import './bench-env';
import { Agent, get, request } from 'node:http';
import Docker from 'dockerode';
import { CONTAINER_LABELS } from '@ofg/contracts';
import { issueToken, StackInfo, startStack } from '@ofg/testing';

/**
 * Starts the compiled stack for a benchmark on its own ports, database and Redis db (BENCH_PORT_BASE, BENCH_DATABASE,
 * BENCH_REDIS_DB), so it can run beside an end-to-end stack.
 */
export function startBenchStack(
  invokerEnv?: Record<string, string>,
  serviceEnv: { gatewayEnv?: Record<string, string>; triggerEnv?: Record<string, string> } = {},
): Promise<StackInfo> {
  return startStack({
    portBase: benchPortBase(),
    database: process.env['BENCH_DATABASE'] ?? 'ofg_bench',
    redisDb: Number(process.env['BENCH_REDIS_DB'] ?? 6),
    invokerEnv,
    ...serviceEnv,
    // One caller drives every request: the per-caller limit (1,000/s by default) stays on but above the load.
    gatewayEnv: { RATE_LIMIT_PER_SECOND: '100000', ...serviceEnv.gatewayEnv },
  });
}

/** First port of the bench stack (gateway); the invoker, trigger service and S3 store take the next ones. */
export function benchPortBase(): number {
  return Number(process.env['BENCH_PORT_BASE'] ?? 19080);
}

export interface BenchFunction {
  name: string;
  runtime: string;
  /** Inline source of the handler file (index.js, index.py). */
  source: string;
  memoryMb: number;
  concurrentNum?: number;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Wall time from sending the request to the last byte of the answer. */
  ms: number;
}

// One keep-alive connection pool for every timed request, gateway and floor alike, so client costs cancel out.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** POSTs a body over a kept-alive connection and times it with the high-resolution clock. */
export function timedPost(url: string, headers: Record<string, string>, body: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const payload = Buffer.from(body);
    const started = process.hrtime.bigint();
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': String(payload.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The FunctionGraph API of a bench stack, authenticated as its admin. */
export class BenchApi {
  private constructor(
    readonly stack: StackInfo,
    readonly headers: Record<string, string>,
  ) {}

  static async connect(stack: StackInfo): Promise<BenchApi> {
    const token = await issueToken(stack);
    return new BenchApi(stack, { 'Content-Type': 'application/json', 'X-Auth-Token': token });
  }

  get functionsUrl(): string {
    return `${this.stack.gatewayUrl}/v2/${this.stack.projectId}/fgs/functions`;
  }

  /** Creates a function from inline code and returns its `latest` URN. */
  async createFunction(fn: BenchFunction): Promise<string> {
    const res = await fetch(this.functionsUrl, {
      method: 'POST',
      headers: this.headers,
      body: JSON.stringify({
        func_name: fn.name,
        package: 'default',
        runtime: fn.runtime,
        timeout: 30,
        handler: 'index.handler',
        memory_size: fn.memoryMb,
        code_type: 'inline',
        func_code: { file: Buffer.from(fn.source).toString('base64') },
        strategy_config: { concurrent_num: fn.concurrentNum ?? 1 },
      }),
    });
    if (res.status !== 200) throw new Error(`create ${fn.name} failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { func_urn: string }).func_urn;
  }

  async deleteFunction(urn: string): Promise<void> {
    const res = await fetch(`${this.functionsUrl}/${unqualified(urn)}`, {
      method: 'DELETE',
      headers: this.headers,
    });
    if (res.status !== 204 && res.status !== 200)
      throw new Error(`delete ${urn} failed: ${res.status} ${await res.text()}`);
  }

  invokeUrl(urn: string): string {
    return `${this.functionsUrl}/${urn}/invocations`;
  }

  /** Headers of a synchronous v1 invocation. */
  get invokeHeaders(): Record<string, string> {
    return { ...this.headers, 'X-CFF-Request-Version': 'v1' };
  }

  /** One synchronous invocation, timed; throws unless the function answered successfully. */
  async invoke(urn: string, event: string): Promise<HttpAnswer> {
    const answer = await timedPost(this.invokeUrl(urn), this.invokeHeaders, event);
    if (answer.status !== 200) throw new Error(`invoke ${urn} failed: ${answer.status} ${answer.body}`);
    return answer;
  }
}

/** A function URN without its `:latest` qualifier (what container labels and log lines carry). */
export function unqualified(urn: string): string {
  return urn.replace(/:latest$/, '');
}

const docker = new Docker();

/** Containers the stack runs for a function. */
export async function functionContainers(urn: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: { label: [`${CONTAINER_LABELS.functionUrn}=${unqualified(urn)}`] },
  });
}

/** `POST /invoke` URL of the bootstrap in the function's warm container, on the function network. */
export async function warmBootstrapInvokeUrl(stack: StackInfo, urn: string): Promise<string> {
  const container = (await functionContainers(urn)).find((c) => c.State === 'running');
  const ip = container?.NetworkSettings.Networks[stack.functionNetwork]?.IPAddress;
  if (!ip) throw new Error(`no warm container found for ${urn}`);
  return `http://${ip}:31000/invoke`;
}

/**
 * Waits until the function's containers are gone (after a delete), so the next measurement starts on a quiet engine.
 * `containerIds` covers containers without the function's labels (a prewarmed container specialized for it).
 */
export async function waitForNoContainers(
  urn: string,
  containerIds: string[] = [],
  timeoutMs = 10_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  const present = async () =>
    (await functionContainers(urn)).length > 0 ||
    (await Promise.all(containerIds.map((id) => containerExists(id)))).some(Boolean);
  while (await present()) {
    if (Date.now() > until) throw new Error(`containers of ${urn} still present after ${timeoutMs} ms`);
    await sleep(50);
  }
}

async function containerExists(id: string): Promise<boolean> {
  try {
    await docker.getContainer(id).inspect();
    return true;
  } catch (err) {
    if ((err as { statusCode?: unknown }).statusCode === 404) return false;
    throw err;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Generic containers the stack's invoker keeps ahead of demand (its prewarm pool). */
export async function prewarmContainers(stack: StackInfo): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({
    all: true,
    filters: {
      label: [`${CONTAINER_LABELS.invokerId}=${stack.invokerId}`, `${CONTAINER_LABELS.pool}=prewarm`],
    },
  });
}

/** GET /health of a bootstrap answers { ready: true }; a new connection each time, as container IPs get reused. */
export function bootstrapIsReady(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get(`${endpoint}/health`, { agent: false, timeout: 1000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', () => resolve(false));
      res.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ready?: unknown };
          resolve(res.statusCode === 200 && body.ready === true);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

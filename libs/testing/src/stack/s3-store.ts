import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** The only credentials s3rver accepts (it checks signatures against them). */
export const S3_STORE_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** An S3-protocol server a test talks to, standing for OBS. */
export interface S3Store {
  endpoint: string;
  close(): Promise<void>;
}

/** The S3 event notification s3rver emits for each object created or removed (`{"Records":[record]}`). */
export interface S3StoreEvent {
  Records: Record<string, unknown>[];
}

/**
 * Starts s3rver in this process on 127.0.0.1 (a free port by default), its objects under `directory`; `onEvent` gets
 * the bucket notification of every object put, posted, copied or deleted.
 */
export async function startS3Store(
  directory: string,
  buckets: string[] = [],
  port = 0,
  onEvent?: (event: S3StoreEvent) => void,
): Promise<S3Store> {
  const { default: S3rver } = await import('s3rver');
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  if (onEvent) server.on('event', onEvent);
  const address = await server.run();
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

/** Starts s3rver as a child process (the e2e stack's store), its output in `<logDir>/s3.log`; ready when this resolves. */
export async function spawnS3Store(
  port: number,
  directory: string,
  logDir: string,
): Promise<{ endpoint: string; child: ChildProcess }> {
  mkdirSync(directory, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const out = createWriteStream(join(logDir, 's3.log'), { flags: 'w' });
  const child = spawn(
    process.execPath,
    [require.resolve('s3rver/bin/s3rver.js'), '-d', directory, '-a', '127.0.0.1', '-p', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const endpoint = `http://127.0.0.1:${port}`;
  await waitForAnswer(endpoint, child, 30_000);
  return { endpoint, child };
}

/** Any HTTP answer will do: the root lists buckets only when signed. */
async function waitForAnswer(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`s3rver exited with ${child.exitCode} (port taken?)`);
    try {
      await fetch(url);
      return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`s3rver at ${url} not answering after ${timeoutMs} ms: ${last}`);
}

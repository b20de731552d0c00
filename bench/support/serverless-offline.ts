/**
 * The peer of the warm sync benchmark: serverless-offline 14's Lambda invoke endpoint
 * (`POST /2015-03-31/functions/<name>/invocations`) serving the same handler, hosted by
 * bench/peers/serverless-offline/host.mjs without the serverless framework. Installed on first use with `npm ci`
 * from the peer's own package-lock.json.
 */
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PEER_DIR = resolve(__dirname, '..', 'peers', 'serverless-offline');
const READY_LINE = 'serverless-offline lambda endpoint ready on ';

export interface ServerlessOfflinePeer {
  /** `POST` URL of the function's Lambda Invoke API (RequestResponse). */
  invokeUrl: string;
  /** serverless-offline's version, read from its installed package.json. */
  version: string;
  stop(): Promise<void>;
}

/** `npm ci` into the peer's directory unless serverless-offline is already there; npm's progress goes to the console. */
export async function installServerlessOffline(): Promise<void> {
  if (existsSync(join(PEER_DIR, 'node_modules', 'serverless-offline', 'package.json'))) return;
  console.log(`[bench] installing the peer: npm ci --prefix ${PEER_DIR} (serverless-offline, once)`);
  const started = Date.now();
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const code = await new Promise<number | null>((done, fail) => {
    const child = spawn(npm, ['ci', '--prefix', PEER_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', done);
  });
  if (code !== 0) throw new Error(`npm ci --prefix ${PEER_DIR} exited with ${code}`);
  console.log(`[bench] peer installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Starts serverless-offline's Lambda endpoint on `port` with one Node.js function whose `index.js` is `source`,
 * and resolves once it listens. Its output goes to `<logDir>/serverless-offline.log`.
 */
export async function startServerlessOffline(opts: {
  port: number;
  functionName: string;
  source: string;
  memoryMb: number;
  timeoutS: number;
  logDir: string;
  /** serverless-offline's `useInProcess`; its default (false) runs each instance of the handler in a worker thread. */
  inProcess?: boolean;
  readyTimeoutMs?: number;
}): Promise<ServerlessOfflinePeer> {
  await installServerlessOffline();
  const manifest = join(PEER_DIR, 'node_modules', 'serverless-offline', 'package.json');
  const version = (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  // Outside the repository, so no package.json with "type": "module" decides how index.js loads.
  const serviceDir = mkdtempSync(join(tmpdir(), 'ofg-bench-sls-'));
  writeFileSync(join(serviceDir, 'index.js'), opts.source);
  mkdirSync(opts.logDir, { recursive: true });
  const log = createWriteStream(join(opts.logDir, 'serverless-offline.log'), { flags: 'w' });
  const args = [
    join(PEER_DIR, 'host.mjs'),
    '--port',
    String(opts.port),
    '--service-dir',
    serviceDir,
    '--function',
    opts.functionName,
    '--memory-mb',
    String(opts.memoryMb),
    '--timeout-s',
    String(opts.timeoutS),
    ...(opts.inProcess ? ['--in-process'] : []),
  ];
  const child = spawn(process.execPath, args, { cwd: PEER_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(serviceDir, { recursive: true, force: true });
  };
  try {
    const base = await new Promise<string>((done, fail) => {
      let seen = '';
      const timer = setTimeout(
        () =>
          fail(new Error(`serverless-offline did not get ready within ${opts.readyTimeoutMs ?? 30_000} ms`)),
        opts.readyTimeoutMs ?? 30_000,
      );
      child.stdout.on('data', (chunk: Buffer) => {
        seen += chunk.toString('utf8');
        const at = seen.indexOf(READY_LINE);
        const end = seen.indexOf('\n', at);
        if (at < 0 || end < 0) return;
        clearTimeout(timer);
        done(seen.slice(at + READY_LINE.length, end).trim());
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`serverless-offline exited (${code}) before it was ready; see ${opts.logDir}`));
      });
    });
    return {
      invokeUrl: `${base}/2015-03-31/functions/${encodeURIComponent(opts.functionName)}/invocations`,
      version,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

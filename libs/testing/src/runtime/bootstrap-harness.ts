import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Header, pack } from 'tar-stream';
import { RuntimeCredentials, RuntimeInitResponse, RuntimeInvokeResponse } from '@ofg/contracts';

/** How to start one runtime's bootstrap (e.g. node bootstrap.js, python3 bootstrap.py). */
export interface BootstrapLaunch {
  command: string;
  args: string[];
  tmpPrefix: string;
}

export interface InvokeOptions {
  requestId?: string;
  timeoutMs?: number;
  alias?: string;
  credentials?: RuntimeCredentials;
}

export interface HttpReply<T> {
  status: number;
  body: T;
}

export interface TarEntry {
  name: string;
  type?: Header['type'];
  content?: string;
  mode?: number;
  linkname?: string;
}

/** One bootstrap process on a free loopback port with a temporary code root, driven over its HTTP protocol. */
export class TestRuntime {
  private output = '';

  private constructor(
    readonly proc: ChildProcess,
    readonly workDir: string,
    readonly codeRoot: string,
  ) {}

  port = 0;

  static async start(launch: BootstrapLaunch, env: Record<string, string> = {}): Promise<TestRuntime> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), launch.tmpPrefix));
    const codeRoot = path.join(workDir, 'code');
    fs.mkdirSync(codeRoot);
    const proc = spawn(launch.command, launch.args, {
      env: {
        PATH: process.env['PATH'] ?? '',
        BOOTSTRAP_PORT: '0',
        BOOTSTRAP_HOST: '127.0.0.1',
        RUNTIME_CODE_ROOT: codeRoot,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const runtime = new TestRuntime(proc, workDir, codeRoot);
    runtime.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bootstrap did not start:\n${runtime.output}`)),
        10_000,
      );
      proc.stdout?.on('data', (chunk: Buffer) => {
        runtime.output += chunk.toString();
        const match = /listening on [^\s:]+:(\d+)/.exec(runtime.output);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      });
      proc.stderr?.on('data', (chunk: Buffer) => {
        runtime.output += chunk.toString();
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`bootstrap exited with ${code}:\n${runtime.output}`));
      });
    });
    return runtime;
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async stop(): Promise<void> {
    if (this.alive) {
      const exited = new Promise((resolve) => this.proc.once('exit', resolve));
      this.proc.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.workDir, { recursive: true, force: true });
  }

  request<T>(method: string, urlPath: string, body?: Buffer | object): Promise<HttpReply<T>> {
    const payload =
      body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path: urlPath,
          headers: { 'content-length': payload?.length ?? 0 },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            resolve({
              status: res.statusCode ?? 0,
              body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as T,
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  uploadCode(tar: Buffer): Promise<HttpReply<{ files: number; bytes: number; errorMessage?: string }>> {
    return this.request('PUT', '/code', tar);
  }

  async init(
    handler: string,
    options: { initializer?: string; initializerTimeoutMs?: number; env?: Record<string, string> } = {},
  ) {
    const reply = await this.request<RuntimeInitResponse>('POST', '/init', {
      handler,
      initializer: options.initializer,
      initializerTimeoutMs: options.initializerTimeoutMs,
      env: options.env ?? {},
    });
    expect(reply.status).toBe(200);
    return reply.body;
  }

  async invoke(event: unknown, options: InvokeOptions = {}): Promise<RuntimeInvokeResponse> {
    const reply = await this.request<RuntimeInvokeResponse>('POST', '/invoke', {
      requestId: options.requestId ?? 'req-1',
      event: typeof event === 'string' ? event : JSON.stringify(event),
      timeoutMs: options.timeoutMs ?? 5000,
      alias: options.alias,
      credentials: options.credentials,
    });
    expect(reply.status).toBe(200);
    return reply.body;
  }
}

/** An uncompressed tar, including entry kinds a bootstrap must refuse (links, `..`, absolute paths). */
export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    archive.on('data', (chunk: unknown) =>
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))),
    );
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.on('error', reject);
  });
  for (const entry of entries) {
    await new Promise<void>((resolve, reject) => {
      const callback = (err?: Error | null) => (err ? reject(err) : resolve());
      const header: Partial<Header> & Pick<Header, 'name'> = {
        name: entry.name,
        type: entry.type ?? 'file',
        mode: entry.mode,
        linkname: entry.linkname,
      };
      if (header.type === 'file') archive.entry(header, entry.content ?? '', callback);
      else archive.entry(header, callback);
    });
  }
  archive.finalize();
  return done;
}

/** A tar of `{path: content}` files, as the invoker sends code. */
export function codeTar(files: Record<string, string>): Promise<Buffer> {
  return makeTar(Object.entries(files).map(([name, content]) => ({ name, content, mode: 0o644 })));
}

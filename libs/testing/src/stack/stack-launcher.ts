import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Where the running stack is described for the test files (written by global setup). */
export const WORKSPACE = resolve(__dirname, '../../../..');
export const STACK_FILE = resolve(WORKSPACE, process.env['E2E_STACK_FILE'] ?? 'tmp/e2e-stack.json');
/** Compiled apps; OFG_DIST_DIR points elsewhere when several builds of one checkout run at once. */
export const DIST_DIR = resolve(process.env['OFG_DIST_DIR'] ?? join(WORKSPACE, 'dist'));

export interface StackInfo {
  gatewayUrl: string;
  invokerUrl: string;
  triggerUrl: string;
  databaseUrl: string;
  redisUrl: string;
  /** OFG_MASTER_KEY the apps run with, so tests can seal secrets the way the gateway does. */
  masterKey: string;
  projectId: string;
  domainId: string;
  ak: string;
  sk: string;
  user: string;
  password: string;
  invokerId: string;
  /** Invokers started by startExtraInvoker (their containers are swept at teardown too). */
  extraInvokerIds?: string[];
  functionNetwork: string;
  region: string;
  /** The S3-compatible store (s3rver) the invokers' OBS destinations write to. */
  s3?: { endpoint: string; accessKeyId: string; secretAccessKey: string };
  pids: number[];
  logDir: string;
}

export function readStack(): StackInfo {
  return JSON.parse(readFileSync(STACK_FILE, 'utf8')) as StackInfo;
}

export function writeStack(info: StackInfo): void {
  mkdirSync(resolve(STACK_FILE, '..'), { recursive: true });
  writeFileSync(STACK_FILE, JSON.stringify(info, null, 2));
}

/** Starts a compiled app (`dist/apps/<app>/src/main.js`, app = name by default) with its output in `<logDir>/<name>.log`. */
export function startApp(
  name: string,
  env: Record<string, string>,
  logDir: string,
  app: string = name,
): ChildProcess {
  mkdirSync(logDir, { recursive: true });
  const out = createWriteStream(join(logDir, `${name}.log`), { flags: 'w' });
  const child = spawn(
    process.execPath,
    ['-r', join(WORKSPACE, 'tools/register-paths.js'), join(DIST_DIR, `apps/${app}/src/main.js`)],
    { cwd: WORKSPACE, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

/** Polls a URL until it answers 200, bounded by `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms: ${last}`);
}

/** A project-scoped token for the stack's admin user, from `POST /v3/auth/tokens`. */
export async function issueToken(stack: StackInfo): Promise<string> {
  const res = await fetch(`${stack.gatewayUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: stack.user, password: stack.password } },
        },
        scope: { project: { id: stack.projectId } },
      },
    }),
  });
  const token = res.headers.get('x-subject-token');
  if (res.status !== 201 || !token)
    throw new Error(`token request failed: ${res.status} ${await res.text()}`);
  return token;
}

import { signRequest } from '@ofg/security';
import { ADMIN_USAGE, AdminRequest, AdminUsageError, parseAdminCommand } from './admin-command.parser';

/** Where and as whom the CLI calls the gateway. */
export interface AdminCliEnv {
  endpoint: string;
  ak?: string;
  sk?: string;
  token?: string;
}

export function readAdminCliEnv(env: NodeJS.ProcessEnv): AdminCliEnv {
  const value = (name: string): string | undefined => env[name]?.trim() || undefined;
  return {
    endpoint: (value('OFG_ENDPOINT') ?? 'http://127.0.0.1:8080').replace(/\/+$/, ''),
    ak: value('OFG_AK'),
    sk: env['OFG_SK'] || undefined,
    token: value('OFG_TOKEN'),
  };
}

/** Sends one administration call, signed with the AK/SK (or with the token), and returns status and body text. */
export async function sendAdminRequest(
  call: AdminRequest,
  env: AdminCliEnv,
  fetchImpl: typeof fetch = fetch,
): Promise<{ status: number; text: string }> {
  const url = `${env.endpoint}${call.path}`;
  const body = call.body === undefined ? '' : JSON.stringify(call.body);
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (env.ak && env.sk) {
    Object.assign(headers, signRequest({ method: call.method, url, headers, body, ak: env.ak, sk: env.sk }));
  } else if (env.token) {
    headers['X-Auth-Token'] = env.token;
  } else {
    throw new AdminUsageError('set OFG_AK and OFG_SK (or OFG_TOKEN) of an administrator');
  }
  const res = await fetchImpl(url, { method: call.method, headers, body: body === '' ? undefined : body });
  return { status: res.status, text: await res.text() };
}

/** `ofg-admin ...`: exit code 0 on 2xx, 1 on an API error, 2 on a usage error. */
export async function runAdminCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  out: (text: string) => void,
  err: (text: string) => void,
): Promise<number> {
  try {
    const result = await sendAdminRequest(parseAdminCommand(argv), readAdminCliEnv(env));
    const text = result.text ? `${pretty(result.text)}\n` : '';
    if (result.status >= 200 && result.status < 300) {
      out(text || `${result.status}\n`);
      return 0;
    }
    err(`HTTP ${result.status}\n${text}`);
    return 1;
  } catch (e) {
    if (e instanceof AdminUsageError) {
      err(`${e.message}\n\n${ADMIN_USAGE}`);
      return 2;
    }
    err(`${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

if (require.main === module) {
  void runAdminCli(
    process.argv.slice(2),
    process.env,
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  ).then((code) => {
    process.exitCode = code;
  });
}

import { signRequest } from '@ofg/security';
import { issueToken, readStack, StackInfo } from '@ofg/testing';

export interface FgsResponse<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export type AuthMode =
  | { kind: 'aksk'; ak?: string; sk?: string; date?: Date }
  | { kind: 'token'; token: string }
  | { kind: 'none' };

/** Who the client acts as; defaults to the stack's admin (another tenant's seeded identity overrides it). */
export type FgsIdentity = Partial<
  Pick<StackInfo, 'ak' | 'sk' | 'projectId' | 'domainId' | 'user' | 'password'>
>;

/** Plain-HTTP FunctionGraph client for tests: signs like the official SDK, or sends an X-Auth-Token. */
export class FgsClient {
  readonly stack: StackInfo;

  constructor(identity: FgsIdentity = {}) {
    this.stack = { ...readStack(), ...identity };
  }

  async request<T = unknown>(
    method: string,
    path: string,
    opts: {
      body?: unknown;
      rawBody?: string | Buffer;
      headers?: Record<string, string>;
      auth?: AuthMode;
    } = {},
  ): Promise<FgsResponse<T>> {
    const url = `${this.stack.gatewayUrl}${path}`;
    const body =
      opts.rawBody !== undefined
        ? opts.rawBody
        : opts.body === undefined
          ? undefined
          : JSON.stringify(opts.body);
    const headers: Record<string, string> = { 'Content-Type': 'application/json', ...(opts.headers ?? {}) };
    const auth = opts.auth ?? { kind: 'aksk' };
    if (auth.kind === 'aksk') {
      Object.assign(
        headers,
        signRequest({
          method,
          url,
          headers,
          body: body ?? '',
          ak: auth.ak ?? this.stack.ak,
          sk: auth.sk ?? this.stack.sk,
          date: auth.date,
        }),
      );
    } else if (auth.kind === 'token') {
      headers['X-Auth-Token'] = auth.token;
    }
    const res = await fetch(url, { method, headers, body });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json: json as T };
  }

  /** Obtains a project-scoped token with the admin password. */
  token(): Promise<string> {
    return issueToken(this.stack);
  }

  fnPath(urnOrName: string, suffix = ''): string {
    return `/v2/${this.stack.projectId}/fgs/functions/${urnOrName}${suffix}`;
  }

  urn(name: string, qualifier = 'latest'): string {
    return `urn:fss:${this.stack.region}:${this.stack.projectId}:function:default:${name}:${qualifier}`;
  }
}

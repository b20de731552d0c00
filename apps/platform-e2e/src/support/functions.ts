import { FgsClient, FgsResponse } from './fgs-client';
import { zipBase64 } from './code-fixtures';

export interface DeployOptions {
  timeout?: number;
  memory?: number;
  initializer?: string;
  userData?: Record<string, string>;
  concurrentNum?: number;
}

/** A create-function body for a Node.js function whose zip holds one `index.js`. */
export async function zipFunctionBody(
  name: string,
  source: string,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  return {
    func_name: name,
    package: 'default',
    runtime: 'Node.js20.15',
    timeout: 10,
    handler: 'index.handler',
    memory_size: 128,
    code_type: 'zip',
    code_filename: 'index.zip',
    func_code: { file: await zipBase64({ 'index.js': source }) },
    ...overrides,
  };
}

/** Creates a Node.js function from one `index.js` source and returns its `latest` URN. */
export async function deployFunction(
  http: FgsClient,
  name: string,
  source: string,
  opts: DeployOptions = {},
): Promise<string> {
  const res = await http.request<Record<string, unknown>>(
    'POST',
    `/v2/${http.stack.projectId}/fgs/functions`,
    {
      body: await zipFunctionBody(name, source, {
        timeout: opts.timeout ?? 10,
        memory_size: opts.memory ?? 128,
        ...(opts.initializer ? { initializer_handler: opts.initializer, initializer_timeout: 5 } : {}),
        ...(opts.userData ? { user_data: JSON.stringify(opts.userData) } : {}),
      }),
    },
  );
  if (res.status !== 200) throw new Error(`create ${name} failed: ${res.status} ${res.text}`);
  return String(res.json['func_urn']);
}

export interface InvokeResult {
  request_id: string;
  result: string;
  log: string;
  status: number;
}

export function invokeV1(
  http: FgsClient,
  urn: string,
  event: unknown,
  tail = true,
): Promise<FgsResponse<InvokeResult>> {
  return http.request<InvokeResult>('POST', `/v2/${http.stack.projectId}/fgs/functions/${urn}/invocations`, {
    body: event,
    headers: { 'X-CFF-Request-Version': 'v1', ...(tail ? { 'X-Cff-Log-Type': 'tail' } : {}) },
  });
}

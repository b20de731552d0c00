import {
  AsyncInvokeFunctionRequest,
  DeleteFunctionRequest,
  InvokeFunctionRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { officialSdkClient, sdkFailure } from '../support/sdk';

const MEMORY_REPORTER = `exports.handler = async (event, context) => ({
  memory: context.getMemorySize(),
  runtimeMemory: process.env.RUNTIME_MEMORY,
  cpu: process.env.RUNTIME_CPU,
  limitBytes: cgroupMemoryLimit(),
});
// cgroup v2 first, then v1.
function cgroupMemoryLimit() {
  const fs = require('fs');
  for (const f of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try { return fs.readFileSync(f, 'utf8').trim(); } catch { /* next */ }
  }
  return 'unknown';
}`;

interface InvokeV1 {
  request_id: string;
  result: string;
  status: number;
}

describe('X-Cff-Instance-Memory through the official SDK', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const name = `mem-${Date.now().toString(36)}`;
  let urn: string;

  beforeAll(async () => {
    urn = await deployFunction(http, name, MEMORY_REPORTER, { memory: 128 });
  });

  afterAll(async () => {
    await sdk.deleteFunction(new DeleteFunctionRequest().withFunctionUrn(urn)).catch(() => undefined);
  });

  const invoke = (memory?: string): Promise<InvokeV1> => {
    const req = new InvokeFunctionRequest().withFunctionUrn(urn).withXCFFRequestVersion('v1').withBody({});
    if (memory) req.withXCffInstanceMemory(memory);
    return sdk.invokeFunction(req) as unknown as Promise<InvokeV1>;
  };

  it('runs the invocation on an instance of the requested size, with its CPU share and cgroup limit', async () => {
    const plain = JSON.parse((await invoke()).result) as Record<string, string>;
    expect(plain).toMatchObject({ memory: '128', runtimeMemory: '128', cpu: '300' });
    expect(Number(plain['limitBytes'])).toBe(128 * 1024 * 1024);

    const bigger = JSON.parse((await invoke('512')).result) as Record<string, string>;
    expect(bigger).toMatchObject({ memory: '512', runtimeMemory: '512', cpu: '600' });
    expect(Number(bigger['limitBytes'])).toBe(512 * 1024 * 1024);

    // The function's own size is untouched by a per-request choice.
    const again = JSON.parse((await invoke()).result) as Record<string, string>;
    expect(again['memory']).toBe('128');
  });

  it('reports the chosen size in X-Cff-Invoke-Summary', async () => {
    const res = await http.request('POST', `/v2/${http.stack.projectId}/fgs/functions/${urn}/invocations`, {
      body: {},
      headers: { 'X-Cff-Instance-Memory': '256' },
    });
    expect(res.status).toBe(200);
    const summary = JSON.parse(res.headers.get('x-cff-invoke-summary') ?? '{}') as { memorySize?: number };
    expect(summary.memorySize).toBe(256);
  });

  it('refuses a size FunctionGraph does not offer with FSS.1007, sync and async', async () => {
    const sync = await sdkFailure(invoke('100'));
    expect(sync.httpStatusCode).toBe(400);
    expect(sync.errorCode).toBe('FSS.1007');

    const async = await sdkFailure(
      sdk.asyncInvokeFunction(
        new AsyncInvokeFunctionRequest().withFunctionUrn(urn).withXCffInstanceMemory('huge').withBody({}),
      ),
    );
    expect(async.httpStatusCode).toBe(400);
    expect(async.errorCode).toBe('FSS.1007');
  });
});

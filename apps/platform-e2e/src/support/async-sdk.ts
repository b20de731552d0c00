import {
  AsyncInvokeFunctionRequest,
  FunctionGraphClient,
  ListAsyncInvocationsRequest,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';

export interface AsyncRecord {
  request_id: string;
  status: string;
  error_message: string;
}

/** Polls `probe` every 250 ms until it gives a value; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Async invocation through the official SDK: invoke, list, and wait for a request's terminal record. */
export function sdkAsync(sdk: FunctionGraphClient) {
  let eventNo = 0;
  const list = async (urn: string): Promise<AsyncRecord[]> => {
    const res = (await sdk.listAsyncInvocations(
      new ListAsyncInvocationsRequest().withFunctionUrn(urn),
    )) as unknown as { invocations: AsyncRecord[] };
    return res.invocations;
  };
  return {
    list,
    /** Every event gets a distinct `n`, so no two signed calls are byte-identical (replay protection). */
    async invoke(urn: string, event: Record<string, unknown>): Promise<string> {
      const res = (await sdk.asyncInvokeFunction(
        new AsyncInvokeFunctionRequest()
          .withFunctionUrn(urn)
          .withBody({ ...event, n: ++eventNo } as unknown as Record<string, object>),
      )) as unknown as { request_id: string };
      return res.request_id;
    },
    terminal: (urn: string, requestId: string): Promise<AsyncRecord> =>
      waitFor(`${requestId} to end`, async () =>
        (await list(urn)).find(
          (r) => r.request_id === requestId && ['SUCCESS', 'FAIL', 'DISCARD'].includes(r.status),
        ),
      ),
  };
}

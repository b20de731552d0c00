import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectCommandOutput,
  NoSuchKey,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  FuncAsyncDestinationConfig,
  FuncDestinationConfig,
  UpdateFunctionAsyncInvokeConfigRequest,
  UpdateFunctionAsyncInvokeConfigRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { sdkAsync, waitFor } from '../support/async-sdk';
import { FgsClient } from '../support/fgs-client';
import { deployFunction } from '../support/functions';
import { officialSdkClient } from '../support/sdk';

const WORKER = `exports.handler = async (event) => {
  if (event.fail) throw new Error('obs fails ' + event.n);
  return { n: event.n, echoed: event.hello };
};`;

type Json = Record<string, unknown>;

describe('async OBS destinations: records land in the S3-compatible store', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const async = sdkAsync(sdk);
  const tag = Date.now().toString(36);
  const bucket = `ofg-results-${tag}`;
  const prefixes = { ok: `async/${tag}/ok/`, failed: `async/${tag}/failed/` };
  let urn = '';
  let s3: S3Client;

  const destination = (param: unknown): FuncDestinationConfig =>
    new FuncDestinationConfig().withDestination('OBS').withParam(JSON.stringify(param));

  const invokeAsync = (event: Json): Promise<string> => async.invoke(urn, event);
  const terminal = (requestId: string) => async.terminal(urn, requestId);

  /** The object once the invoker has written it (delivery follows the terminal state). */
  const storedObject = (key: string): Promise<GetObjectCommandOutput> =>
    waitFor(`object ${key}`, async () => {
      try {
        return await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        if (err instanceof NoSuchKey) return undefined;
        throw err;
      }
    });

  beforeAll(async () => {
    const store = http.stack.s3;
    if (!store) throw new Error('the e2e stack has no S3-compatible store (StackInfo.s3)');
    s3 = new S3Client({
      endpoint: store.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: store.accessKeyId, secretAccessKey: store.secretAccessKey },
    });
    // FunctionGraph expects the bucket to exist; the invoker never creates it.
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    urn = await deployFunction(http, `async-obs-${tag}`, WORKER);
    await sdk.updateFunctionAsyncInvokeConfig(
      new UpdateFunctionAsyncInvokeConfigRequest()
        .withFunctionUrn(urn)
        .withBody(
          new UpdateFunctionAsyncInvokeConfigRequestBody()
            .withMaxAsyncRetryAttempts(0)
            .withDestinationConfig(
              new FuncAsyncDestinationConfig()
                .withOnSuccess(destination({ bucket, prefix: prefixes.ok, expires: 3 }))
                .withOnFailure(destination({ bucket, prefix: prefixes.failed, expires: 0 })),
            ),
        ),
    );
  });

  afterAll(() => s3?.destroy());

  it('writes the on_success record to <prefix><request_id>.json with the expiry days', async () => {
    const requestId = await invokeAsync({ hello: 'obs' });

    expect(await terminal(requestId)).toMatchObject({ status: 'SUCCESS' });
    const object = await storedObject(`${prefixes.ok}${requestId}.json`);
    expect(object.ContentType).toBe('application/json');
    expect(object.Metadata).toEqual({ 'expires-days': '3' });
    expect(object.Expires).toBeInstanceOf(Date);
    expect(JSON.parse(await object.Body!.transformToString())).toMatchObject({
      version: '1.0',
      request_context: {
        request_id: requestId,
        // The record names the function's unqualified URN.
        function_urn: urn.replace(/:latest$/, ''),
        condition: 'Success',
        approximate_invoke_count: 1,
      },
      request_payload: { hello: 'obs' },
      response_context: { status_code: 200, function_error: '' },
      response_payload: { echoed: 'obs' },
    });
  });

  it('writes the on_failure record after the only run (max_async_retry_attempts 0) fails', async () => {
    const requestId = await invokeAsync({ fail: true });

    expect(await terminal(requestId)).toMatchObject({ status: 'FAIL' });
    const object = await storedObject(`${prefixes.failed}${requestId}.json`);
    expect(object.Metadata).toEqual({ 'expires-days': '0' });
    expect(object.Expires).toBeUndefined();
    const record = JSON.parse(await object.Body!.transformToString()) as Json;
    expect(record).toMatchObject({
      request_context: { request_id: requestId, condition: 'RetriesExhausted', approximate_invoke_count: 1 },
      request_payload: { fail: true },
      response_context: { status_code: 500, function_error: expect.stringMatching(/obs fails/) },
      response_payload: { errorMessage: expect.stringMatching(/obs fails/) },
    });
    // Each request reaches only its own destination.
    await expect(
      s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefixes.ok}${requestId}.json` })),
    ).rejects.toBeInstanceOf(NoSuchKey);
  });
});

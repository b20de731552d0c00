import { mkdtempSync, rmSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { S3_STORE_CREDENTIALS, S3Store, startS3Store } from '@ofg/testing';
import { ObsDestinationStore } from './obs-destination.store';

describe('ObsDestinationStore against an S3-protocol server (s3rver)', () => {
  let dir: string;
  let s3: S3Store;
  let store: ObsDestinationStore;
  let reader: S3Client;

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'ofg-obs-store-'));
    s3 = await startS3Store(dir, ['records']);
    const options = { endpoint: s3.endpoint, region: 'us-east-1', ...S3_STORE_CREDENTIALS };
    store = new ObsDestinationStore({ ...options, requestTimeoutMs: 5000 });
    reader = new S3Client({ ...options, forcePathStyle: true, credentials: S3_STORE_CREDENTIALS });
  });

  afterAll(async () => {
    store.onApplicationShutdown();
    reader.destroy();
    await s3.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts the body as JSON under <prefix><request_id>.json with the expiry days and an Expires header', async () => {
    const key = await store.putRecord(
      { bucket: 'records', prefix: 'async/', expires: 3 },
      'req-1',
      '{"a":1}',
    );

    expect(key).toBe('async/req-1.json');
    const object = await reader.send(new GetObjectCommand({ Bucket: 'records', Key: key }));
    expect(await object.Body!.transformToString()).toBe('{"a":1}');
    expect(object.ContentType).toBe('application/json');
    expect(object.Metadata).toEqual({ 'expires-days': '3' });
    // Three days ahead, give or take the test's own run time.
    const daysAhead = ((object.Expires?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(daysAhead).toBeGreaterThan(2.9);
    expect(daysAhead).toBeLessThanOrEqual(3);
  });

  it('sends no Expires header when the objects never expire (0 or omitted)', async () => {
    const key = await store.putRecord({ bucket: 'records' }, 'req-2', '{}');

    expect(key).toBe('req-2.json');
    const head = await reader.send(new HeadObjectCommand({ Bucket: 'records', Key: key }));
    expect(head.Metadata).toEqual({ 'expires-days': '0' });
    expect(head.Expires).toBeUndefined();
  });

  it('refuses a missing bucket, naming it, and does not create it', async () => {
    await expect(store.putRecord({ bucket: 'absent-bucket' }, 'req-3', '{}')).rejects.toThrow(
      'the OBS bucket absent-bucket does not exist',
    );
    await expect(store.putRecord({ bucket: 'absent-bucket' }, 'req-3', '{}')).rejects.toThrow(
      /does not exist/,
    );
  });

  it('gives up on a store that accepts the connection but never answers', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const stalled = new ObsDestinationStore({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      ...S3_STORE_CREDENTIALS,
      requestTimeoutMs: 200,
    });
    try {
      await expect(stalled.putRecord({ bucket: 'records' }, 'req-5', '{}')).rejects.toThrow(
        /not stored in bucket records: TimeoutError/,
      );
    } finally {
      stalled.onApplicationShutdown();
      silent.close();
    }
  });

  it('says why nothing is stored when S3_ENDPOINT is not set', async () => {
    await expect(
      new ObsDestinationStore(null).putRecord({ bucket: 'records' }, 'req-4', '{}'),
    ).rejects.toThrow(
      'OBS destinations are not delivered: S3_ENDPOINT is not set on the invoker (bucket records)',
    );
  });
});

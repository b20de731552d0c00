import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ObsDestinationParam, obsObjectKey } from '@ofg/contracts';

export const OBS_STORE_OPTIONS = Symbol('OBS_STORE_OPTIONS');

/** The S3-compatible store that stands for OBS (S3_* of the invoker); null when S3_ENDPOINT is unset. */
export interface ObsStoreOptions {
  /** http(s) URL of the store, addressed path-style (`<endpoint>/<bucket>/<key>`). */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Bound of one PutObject request. */
  requestTimeoutMs: number;
}

const DAY_MS = 86_400_000;

/** Writes destination records of OBS destinations as objects; the bucket must exist, as on FunctionGraph. */
@Injectable()
export class ObsDestinationStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ObsDestinationStore.name);
  private readonly client?: S3Client;

  constructor(@Inject(OBS_STORE_OPTIONS) private readonly options: ObsStoreOptions | null) {
    if (!options) return;
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      forcePathStyle: true,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // Checksums only where S3 requires them: many S3-compatible servers reject the SDK's default trailers.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      // Without throwOnRequestTimeout the handler only warns and a silent store would hold the job forever.
      requestHandler: {
        requestTimeout: options.requestTimeoutMs,
        connectionTimeout: options.requestTimeoutMs,
        throwOnRequestTimeout: true,
      },
      maxAttempts: 2,
    });
  }

  onApplicationBootstrap(): void {
    // The origin only: credentials never reach the log.
    if (this.options)
      this.logger.log({ msg: 'OBS destinations write to', store: new URL(this.options.endpoint).origin });
    else this.logger.log({ msg: 'OBS destinations are not delivered: S3_ENDPOINT is not set' });
  }

  onApplicationShutdown(): void {
    this.client?.destroy();
  }

  /** Stores `body` (a destination record) as `<prefix><request_id>.json`; rejects, naming the bucket, when not stored. */
  async putRecord(param: ObsDestinationParam, requestId: string, body: string): Promise<string> {
    if (!this.client) {
      throw new Error(
        `OBS destinations are not delivered: S3_ENDPOINT is not set on the invoker (bucket ${param.bucket})`,
      );
    }
    const key = obsObjectKey(param, requestId);
    const days = param.expires ?? 0;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: param.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          // The days as asked (0 = never); a bucket lifecycle rule of the store may act on them.
          Metadata: { 'expires-days': String(days) },
          Expires: days > 0 ? new Date(Date.now() + days * DAY_MS) : undefined,
        }),
      );
    } catch (err) {
      if (err instanceof S3ServiceException && err.name === 'NoSuchBucket') {
        throw new Error(`the OBS bucket ${param.bucket} does not exist`);
      }
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new Error(`the OBS object ${key} was not stored in bucket ${param.bucket}: ${reason}`);
    }
    return key;
  }
}

/** The part of s3rver (a pure-JS S3 server, no typings published) that the tests use. */
declare module 's3rver' {
  import { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory: string;
    silent?: boolean;
    configureBuckets?: { name: string; configs?: Buffer[] }[];
  }

  class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    /** Bucket notifications (`{"Records":[...]}`), emitted in-process for every object change. */
    on(event: 'event', listener: (event: { Records: Record<string, unknown>[] }) => void): this;
  }

  export = S3rver;
}

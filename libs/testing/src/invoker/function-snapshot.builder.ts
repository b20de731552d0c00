import { createHash, randomUUID } from 'node:crypto';
import { cpuMillicoresFor, FunctionSnapshot } from '@ofg/contracts';

const DEFAULT_PROJECT = '0123456789abcdef0123456789abcdef';

/** Builder of FunctionSnapshot fixtures: `aFunctionSnapshot().withConcurrency(2).build()`. */
export class FunctionSnapshotBuilder {
  private snapshot: Omit<FunctionSnapshot, 'configDigest' | 'funcUrn' | 'cpu'> & { configDigest?: string };

  constructor() {
    this.snapshot = {
      functionId: randomUUID(),
      projectId: DEFAULT_PROJECT,
      domainId: 'fedcba9876543210fedcba9876543210',
      funcName: 'hello',
      package: 'default',
      version: 'latest',
      runtime: 'Node.js20.15',
      handler: 'index.handler',
      memorySize: 128,
      timeoutS: 3,
      codeDigest: createHash('sha512').update('fixture code').digest('hex'),
      userData: {},
      hasEncryptedUserData: false,
      concurrentNum: 1,
    };
  }

  withProject(projectId: string): this {
    this.snapshot.projectId = projectId;
    return this;
  }

  withName(funcName: string): this {
    this.snapshot.funcName = funcName;
    return this;
  }

  withVersion(version: string): this {
    this.snapshot.version = version;
    return this;
  }

  withRuntime(runtime: string): this {
    this.snapshot.runtime = runtime;
    return this;
  }

  withHandler(handler: string): this {
    this.snapshot.handler = handler;
    return this;
  }

  withMemory(memorySize: number): this {
    this.snapshot.memorySize = memorySize;
    return this;
  }

  withTimeout(timeoutS: number): this {
    this.snapshot.timeoutS = timeoutS;
    return this;
  }

  withConcurrency(concurrentNum: number): this {
    this.snapshot.concurrentNum = concurrentNum;
    return this;
  }

  /** strategy_config.concurrency: -1 no cap, 0 disabled. */
  withMaxInstances(maxInstances: number): this {
    this.snapshot.maxInstances = maxInstances;
    return this;
  }

  withInitializer(handler: string, timeoutS = 3): this {
    this.snapshot.initializerHandler = handler;
    this.snapshot.initializerTimeoutS = timeoutS;
    return this;
  }

  withUserData(userData: Record<string, string>): this {
    this.snapshot.userData = userData;
    return this;
  }

  /** The code digest: give the SHA-512 hex of a real zip when the code is fetched. */
  withCodeDigest(digest: string): this {
    this.snapshot.codeDigest = digest;
    return this;
  }

  withConfigDigest(configDigest: string): this {
    this.snapshot.configDigest = configDigest;
    return this;
  }

  build(): FunctionSnapshot {
    const s = this.snapshot;
    const funcUrn = `urn:fss:local:${s.projectId}:function:${s.package}:${s.funcName}`;
    const { configDigest, ...shape } = s;
    return {
      ...shape,
      funcUrn,
      cpu: cpuMillicoresFor(s.memorySize),
      configDigest:
        configDigest ?? createHash('sha256').update(JSON.stringify(shape)).digest('hex').slice(0, 32),
    };
  }
}

export function aFunctionSnapshot(): FunctionSnapshotBuilder {
  return new FunctionSnapshotBuilder();
}

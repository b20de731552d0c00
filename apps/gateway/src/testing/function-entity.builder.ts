import type { FunctionEntity } from '@ofg/data-access';

/** A stored function with sensible defaults; override what the test is about. */
export function aFunctionEntity(overrides: Partial<FunctionEntity> = {}): FunctionEntity {
  return {
    id: '6f1c2a9e-0d7b-4c55-9a11-2b3c4d5e6f70',
    projectId: '0123456789abcdef0123456789abcdef',
    package: 'default',
    funcName: 'hello',
    runtime: 'Node.js18.15',
    handler: 'index.handler',
    memorySize: 256,
    timeoutS: 30,
    codeType: 'zip',
    codeUrl: '',
    codeFilename: 'index.zip',
    codeDigest: 'abcdef0123'.padEnd(128, '0'),
    codeSize: 321,
    userData: '{"GREETING":"hi"}',
    encryptedUserData: '',
    xrole: '',
    appXrole: '',
    description: 'demo',
    initializerHandler: '',
    initializerTimeoutS: 0,
    maxInstances: -1,
    concurrentNum: 1,
    enterpriseProjectId: '0',
    funcType: 'v2',
    extra: {},
    createdAt: new Date('2024-01-02T03:04:05.678Z'),
    updatedAt: new Date('2024-03-04T05:06:07.890Z'),
    ...overrides,
  };
}

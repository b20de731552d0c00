import { FunctionAliasEntity } from '../entities/function-alias.entity';
import { FunctionEntity } from '../entities/function.entity';
import { FunctionVersionEntity } from '../entities/function-version.entity';
import { toFunctionSnapshot } from './function-snapshot.mapper';
import {
  contentDigestOf,
  functionAtVersion,
  mainFunctionAt,
  QualifierTarget,
  runnableAt,
  versionedColumnsOf,
} from './function-version.mapper';

const head = Object.assign(new FunctionEntity(), {
  id: '6f1c2a9e-0d7b-4c55-9a11-2b3c4d5e6f70',
  projectId: 'p',
  package: 'default',
  funcName: 'hello',
  runtime: 'Node.js20.15',
  handler: 'index.handler',
  memorySize: 256,
  timeoutS: 30,
  codeType: 'zip',
  codeUrl: '',
  codeFilename: 'index.zip',
  codeDigest: 'head-digest',
  codeSize: 10,
  userData: '{"V":"head"}',
  encryptedUserData: '',
  xrole: '',
  appXrole: '',
  description: '',
  initializerHandler: '',
  initializerTimeoutS: 0,
  maxInstances: 7,
  concurrentNum: 1,
  enterpriseProjectId: '0',
  funcType: 'v2',
  extra: { b: 1, a: { y: 2, x: 1 } },
  createdAt: new Date('2024-01-01T00:00:00Z'),
  updatedAt: new Date('2024-06-01T00:00:00Z'),
});

function aVersion(version: string, codeDigest: string): FunctionVersionEntity {
  return Object.assign(new FunctionVersionEntity(), {
    id: `id-${version}`,
    projectId: 'p',
    functionId: head.id,
    version,
    versionDescription: '',
    contentDigest: '',
    ...versionedColumnsOf(head),
    codeDigest,
    userData: `{"V":"${version}"}`,
    memorySize: 128,
    createdAt: new Date('2024-05-01T00:00:00Z'),
  });
}

const v1 = aVersion('v1', 'v1-digest');
const v2 = aVersion('v2', 'v2-digest');

function anAlias(patch: Partial<FunctionAliasEntity>): FunctionAliasEntity {
  return Object.assign(new FunctionAliasEntity(), {
    id: 'a',
    projectId: 'p',
    functionId: head.id,
    name: 'live',
    version: 'v1',
    description: '',
    additionalVersionWeights: {},
    additionalVersionStrategy: {},
    createdAt: new Date(),
    updatedAt: new Date(),
    ...patch,
  });
}

describe('functionAtVersion', () => {
  it("runs the version's code and configuration under the head's identity and max instances", () => {
    const view = functionAtVersion(head, v1);
    expect(view).toMatchObject({ id: head.id, maxInstances: 7, codeDigest: 'v1-digest', memorySize: 128 });
    expect(view.publishedVersion).toBe('v1');
    expect(head.publishedVersion).toBeUndefined();
    const snapshot = toFunctionSnapshot(view, 'local', 'd');
    expect(snapshot).toMatchObject({ version: 'v1', codeDigest: 'v1-digest', userData: { V: 'v1' } });
    // Instances are keyed by the config digest, so a version never reuses the head's warm instances.
    expect(snapshot.configDigest).not.toBe(toFunctionSnapshot(head, 'local', 'd').configDigest);
  });
});

describe('contentDigestOf', () => {
  it('depends on the content, not on the order of object keys', () => {
    const reordered = { ...head, extra: { a: { x: 1, y: 2 }, b: 1 } } as FunctionEntity;
    expect(contentDigestOf(reordered)).toBe(contentDigestOf(head));
    expect(contentDigestOf({ ...head, timeoutS: 31 } as FunctionEntity)).not.toBe(contentDigestOf(head));
  });
});

describe('runnableAt', () => {
  const alias = (patch: Partial<FunctionAliasEntity>): QualifierTarget => ({
    kind: 'alias',
    alias: anAlias(patch),
    versions: [v1, v2],
  });

  it('runs the head for latest and the version for a version', () => {
    expect(runnableAt(head, { kind: 'latest' }).fn).toBe(head);
    expect(runnableAt(head, { kind: 'version', version: v2 }).fn.codeDigest).toBe('v2-digest');
  });

  it('routes an alias by weight and by rule, naming the alias', () => {
    const weighted = alias({ additionalVersionWeights: { v2: 40 } });
    expect(runnableAt(head, weighted, {}, () => 0.39)).toMatchObject({
      alias: 'live',
      fn: { codeDigest: 'v2-digest' },
    });
    expect(runnableAt(head, weighted, {}, () => 0.4).fn.codeDigest).toBe('v1-digest');
    const ruled = alias({
      additionalVersionStrategy: {
        v2: { rules: [{ rule_type: 'header', param: 'x-beta', op: '=', value: '1' }], combine_type: 'and' },
      },
    });
    expect(runnableAt(head, ruled, { 'x-beta': '1' }).fn.publishedVersion).toBe('v2');
    expect(runnableAt(head, ruled, {}).fn.publishedVersion).toBe('v1');
  });

  it('runs the head for an alias on latest, and reserves the main version of an alias', () => {
    expect(runnableAt(head, alias({ version: 'latest' })).fn).toBe(head);
    expect(mainFunctionAt(head, alias({ additionalVersionWeights: { v2: 100 } })).publishedVersion).toBe(
      'v1',
    );
  });

  it('fails with FSS.1052 when a routed version is missing from the loaded rows', () => {
    const stale: QualifierTarget = { kind: 'alias', alias: anAlias({ version: 'v9' }), versions: [v1] };
    expect(() => runnableAt(head, stale)).toThrow(expect.objectContaining({ code: 'FSS.1052' }));
  });
});

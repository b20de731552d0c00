import { FunctionEntity } from '../entities/function.entity';
import { toFunctionSnapshot } from './function-snapshot.mapper';

function aFunction(extra: Record<string, unknown>): FunctionEntity {
  return Object.assign(new FunctionEntity(), {
    id: 'f1',
    projectId: 'p1',
    package: 'default',
    funcName: 'fn',
    runtime: 'Node.js20.15',
    handler: 'index.handler',
    memorySize: 128,
    timeoutS: 3,
    codeType: 'zip',
    codeDigest: 'c'.repeat(128),
    codeSize: 1,
    userData: '',
    encryptedUserData: '',
    initializerHandler: '',
    initializerTimeoutS: 0,
    concurrentNum: 1,
    extra,
  });
}

describe('function snapshot dependencies', () => {
  it('carries the dependency digests in order and keys instances by them', () => {
    const none = toFunctionSnapshot(aFunction({}), 'local', 'd');
    const ab = toFunctionSnapshot(aFunction({ dependency_digests: ['a', 'b'] }), 'local', 'd');
    const ba = toFunctionSnapshot(aFunction({ dependency_digests: ['b', 'a'] }), 'local', 'd');
    expect(none.dependencyDigests).toBeUndefined();
    expect(ab.dependencyDigests).toEqual(['a', 'b']);
    expect(new Set([none.configDigest, ab.configDigest, ba.configDigest]).size).toBe(3);
  });

  it('keeps the config digest of a function without dependencies as it was', () => {
    expect(toFunctionSnapshot(aFunction({ dependency_digests: [] }), 'local', 'd').configDigest).toBe(
      toFunctionSnapshot(aFunction({ depend_version_list: [] }), 'local', 'd').configDigest,
    );
    expect(
      toFunctionSnapshot(aFunction({ dependency_digests: 'junk' }), 'local', 'd').dependencyDigests,
    ).toBeUndefined();
  });
});

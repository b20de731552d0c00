import { FunctionEntity } from '../entities/function.entity';
import { toFunctionSnapshot } from './function-snapshot.mapper';

function anImageFunction(extra: Record<string, unknown>): FunctionEntity {
  return Object.assign(new FunctionEntity(), {
    id: 'f1',
    projectId: 'p1',
    package: 'default',
    funcName: 'fn',
    runtime: 'Custom Image',
    handler: 'index.handler',
    memorySize: 128,
    timeoutS: 3,
    codeType: 'Custom-Image-Swr',
    codeDigest: 'c'.repeat(128),
    codeSize: 0,
    userData: '',
    encryptedUserData: '',
    initializerHandler: '',
    initializerTimeoutS: 0,
    concurrentNum: 1,
    extra,
  });
}

describe('function snapshot of a container-image function', () => {
  it('carries how the image runs and keys instances by it', () => {
    const one = toFunctionSnapshot(
      anImageFunction({ custom_image: { enabled: true, image: 'team/app:1', args: 'a,b', uid: '1003' } }),
      'local',
      'd',
    );
    const two = toFunctionSnapshot(
      anImageFunction({ custom_image: { enabled: true, image: 'team/app:2', args: 'a,b', uid: '1003' } }),
      'local',
      'd',
    );
    expect(one.customImage).toEqual({
      image: 'team/app:1',
      command: [],
      args: ['a', 'b'],
      workingDir: undefined,
      uid: 1003,
      gid: 1003,
    });
    expect(one.configDigest).not.toBe(two.configDigest);
  });

  it('has none without an enabled custom_image, and keeps the digest of such functions as it was', () => {
    const plain = toFunctionSnapshot(anImageFunction({}), 'local', 'd');
    const disabled = toFunctionSnapshot(
      anImageFunction({ custom_image: { enabled: false, image: 'team/app:1' } }),
      'local',
      'd',
    );
    expect(plain.customImage).toBeUndefined();
    expect(disabled.customImage).toBeUndefined();
    expect(disabled.configDigest).toBe(plain.configDigest);
  });
});

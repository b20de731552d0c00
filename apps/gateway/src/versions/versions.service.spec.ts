import type { FunctionRepository } from '@ofg/data-access';
import type { GatewayConfig } from '../config/gateway.config';
import type { FunctionDependencies } from '../dependencies/function-dependencies';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { FakeFunctionVersions } from './testing/fake-function-versions';
import { VersionsService } from './versions.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };

function setup() {
  const head = aFunctionEntity({ projectId: PROJECT });
  const functions = { findByName: async () => head } as unknown as FunctionRepository;
  const versions = new FakeFunctionVersions(head);
  const dependencies = { describe: async () => new Map() } as unknown as FunctionDependencies;
  const service = new VersionsService(
    new FunctionResolver(functions),
    versions.asRepository(),
    dependencies,
    { region: 'local' } as GatewayConfig,
  );
  return { service, head, versions };
}

describe('VersionsService', () => {
  it('publishes the head under a name, then refuses an unchanged head, a taken name and a stale digest', async () => {
    const { service, head, versions } = setup();
    const v1 = await service.publish(auth, 'hello', {
      version: 'v1',
      description: 'first',
      digest: head.codeDigest,
    });
    expect(v1).toMatchObject({
      version: 'v1',
      version_description: 'first',
      func_urn: `urn:fss:local:${PROJECT}:function:default:hello:v1`,
      digest: head.codeDigest,
    });
    expect(v1.image_name).toMatch(/^v1-\d{12}@abcde$/);
    await expect(service.publish(auth, 'hello', { version: 'v2' })).rejects.toMatchObject({
      code: 'FSS.1016',
    });
    head.timeoutS += 1;
    await expect(service.publish(auth, 'hello', { version: 'v1' })).rejects.toMatchObject({
      code: 'FSS.1062',
      status: 409,
    });
    await expect(service.publish(auth, 'hello', { digest: 'f'.repeat(128) })).rejects.toMatchObject({
      code: 'FSS.0428',
      status: 428,
    });
    await expect(service.publish(auth, 'hello', { version: 'LATEST' })).rejects.toMatchObject({
      code: 'FSS.1015',
    });
    await expect(service.publish(auth, 'hello', { description: 'x'.repeat(513) })).rejects.toMatchObject({
      code: 'FSS.1019',
    });
    const stamped = await service.publish(auth, 'hello', {});
    expect(stamped.version).toMatch(/^v\d{8}-\d{6}$/);
    expect(versions.versions.map((v) => v.timeoutS)).toEqual([30, 31]);
  });

  it('names a version vYYYYMMDD-HHMMSS (UTC) by default, with a suffix within the same second', async () => {
    jest.useFakeTimers({ now: new Date('2030-01-02T03:04:05Z'), doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const { service, head } = setup();
      expect((await service.publish(auth, 'hello', {})).version).toBe('v20300102-030405');
      head.timeoutS += 1;
      expect((await service.publish(auth, 'hello', {})).version).toBe('v20300102-030405-2');
      head.timeoutS += 1;
      expect((await service.publish(auth, 'hello', {})).version).toBe('v20300102-030405-3');
    } finally {
      jest.useRealTimers();
    }
  });

  it('lists latest first, then the versions, with offsets as markers', async () => {
    const { service, head } = setup();
    for (const name of ['v1', 'v2', 'v3']) {
      await service.publish(auth, 'hello', { version: name });
      head.memorySize += 128;
    }
    const all = await service.list(auth, 'hello', {});
    expect(all.versions.map((v) => v.version)).toEqual(['latest', 'v1', 'v2', 'v3']);
    expect([all.count, all.next_marker]).toEqual([4, 4]);
    const first = await service.list(auth, 'hello', { maxitems: '1' });
    expect([first.versions.map((v) => v.version), first.next_marker, first.count]).toEqual([
      ['latest'],
      1,
      4,
    ]);
    const middle = await service.list(auth, 'hello', { marker: '1', maxitens: '2' });
    expect([middle.versions.map((v) => v.version), middle.next_marker]).toEqual([['v1', 'v2'], 3]);
    const past = await service.list(auth, 'hello', { marker: '9' });
    expect([past.versions, past.next_marker]).toEqual([[], 9]);
    await expect(service.list(auth, 'hello', { maxitems: '0' })).rejects.toMatchObject({ code: 'FSS.1001' });
  });
});

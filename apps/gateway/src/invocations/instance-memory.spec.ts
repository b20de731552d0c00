import { FgsError } from '@ofg/contracts';
import { toFunctionSnapshot } from '@ofg/data-access';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { withInstanceMemory } from './invocations.service';

describe('X-Cff-Instance-Memory', () => {
  const fn = aFunctionEntity({ memorySize: 256 });

  it('keeps the function as it is without the header, or with its own size', () => {
    expect(withInstanceMemory(fn, {})).toBe(fn);
    expect(withInstanceMemory(fn, { 'x-cff-instance-memory': ' ' })).toBe(fn);
    expect(withInstanceMemory(fn, { 'x-cff-instance-memory': '256' })).toBe(fn);
  });

  it('runs on another size with its CPU share and a config digest of its own', () => {
    const bigger = withInstanceMemory(fn, { 'x-cff-instance-memory': '1024' });
    expect(bigger.memorySize).toBe(1024);
    expect(fn.memorySize).toBe(256);
    const base = toFunctionSnapshot(fn, 'local', 'd');
    const snap = toFunctionSnapshot(bigger, 'local', 'd');
    expect(snap.memorySize).toBe(1024);
    expect(snap.cpu).toBe(1000);
    expect(snap.configDigest).not.toBe(base.configDigest);
    expect(snap.codeDigest).toBe(base.codeDigest);
  });

  it.each(['100', 'abc', '8192', '-128', '128.5'])('refuses %s with FSS.1007', (value) => {
    const call = (): unknown => withInstanceMemory(fn, { 'x-cff-instance-memory': value });
    expect(call).toThrow(FgsError);
    try {
      call();
    } catch (err) {
      expect((err as FgsError).code).toBe('FSS.1007');
      expect((err as FgsError).message).toContain(value);
    }
  });
});

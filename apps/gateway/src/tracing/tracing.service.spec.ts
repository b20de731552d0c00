import type { FgsError } from '@ofg/contracts';
import type { FunctionRepository, FunctionTracingRecord, FunctionTracingRepository } from '@ofg/data-access';
import { functionEnvAad, functionTracingAad, SecretCipher } from '@ofg/security';
import type { GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { TracingService } from './tracing.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const KEY = '11'.repeat(32);
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };
const URN = `urn:fss:local:${PROJECT}:function:default:hello`;

class FakeTracing {
  readonly rows = new Map<string, FunctionTracingRecord>();
  async find(projectId: string, functionId: string) {
    const row = this.rows.get(functionId);
    return row?.projectId === projectId ? row : null;
  }
  async upsert(projectId: string, functionId: string, tracingAk: string, tracingSkCiphertext: string) {
    const row = { projectId, functionId, tracingAk, tracingSkCiphertext, updatedAt: new Date() };
    this.rows.set(functionId, row);
    return row;
  }
  async delete(projectId: string, functionId: string) {
    return (await this.find(projectId, functionId)) ? this.rows.delete(functionId) : false;
  }
}

function setup() {
  const hello = aFunctionEntity({ projectId: PROJECT });
  const functions = {
    findByName: async (projectId: string, pkg: string, name: string) =>
      projectId === PROJECT && name === hello.funcName ? hello : null,
  } as unknown as FunctionRepository;
  const repo = new FakeTracing();
  const service = new TracingService(
    repo as unknown as FunctionTracingRepository,
    new FunctionResolver(functions),
    {
      masterKeyHex: KEY,
    } as GatewayConfig,
  );
  return { service, repo, hello };
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as FgsError).code;
  }
  return 'no error';
}

describe('TracingService', () => {
  it('stores the secret key sealed to the function and never shows it', async () => {
    const { service, repo, hello } = setup();
    expect(await failure(service.get(auth, URN))).toBe('FSS.0404');
    await service.update(auth, URN, { tracing_ak: 'APMAK1', tracing_sk: 'apm-secret-1' });
    const stored = repo.rows.get(hello.id)!;
    expect(stored.tracingSkCiphertext).not.toContain('apm-secret-1');
    const cipher = new SecretCipher(KEY);
    expect(cipher.decrypt(stored.tracingSkCiphertext, functionTracingAad(hello.id))).toBe('apm-secret-1');
    // Bound to its function and purpose: another AAD does not open it.
    expect(() => cipher.decrypt(stored.tracingSkCiphertext, functionEnvAad(hello.id))).toThrow();
    expect(await service.get(auth, URN)).toEqual({ tracing_ak: 'APMAK1', tracing_sk: '******' });
  });

  it('keeps the stored secret for the mask or no secret, replaces it for a new one, and switches off', async () => {
    const { service, repo, hello } = setup();
    await service.update(auth, URN, { tracing_ak: 'AK1', tracing_sk: 'sk-1' });
    const first = repo.rows.get(hello.id)!.tracingSkCiphertext;
    await service.update(auth, URN, { tracing_ak: 'AK2', tracing_sk: '******' });
    expect(repo.rows.get(hello.id)).toMatchObject({ tracingAk: 'AK2', tracingSkCiphertext: first });
    await service.update(auth, URN, { tracing_ak: 'AK3' });
    expect(repo.rows.get(hello.id)).toMatchObject({ tracingAk: 'AK3', tracingSkCiphertext: first });
    await service.update(auth, URN, { tracing_ak: 'AK3', tracing_sk: 'sk-2' });
    expect(repo.rows.get(hello.id)!.tracingSkCiphertext).not.toBe(first);
    await service.update(auth, URN, { tracing_ak: '', tracing_sk: '' });
    expect(repo.rows.size).toBe(0);
    await service.update(auth, URN, {});
    expect(await failure(service.get(auth, URN))).toBe('FSS.0404');
  });

  it('refuses half a key pair, malformed keys and unknown functions', async () => {
    const { service } = setup();
    expect(await failure(service.update(auth, URN, { tracing_ak: 'AK' }))).toBe('FSS.0400');
    expect(await failure(service.update(auth, URN, { tracing_sk: 'sk' }))).toBe('FSS.0400');
    expect(await failure(service.update(auth, URN, { tracing_ak: 'A K', tracing_sk: 'sk' }))).toBe(
      'FSS.0400',
    );
    expect(await failure(service.update(auth, URN, { tracing_ak: 'A'.repeat(129), tracing_sk: 'sk' }))).toBe(
      'FSS.0400',
    );
    expect(await failure(service.update(auth, URN, { tracing_ak: 7, tracing_sk: 'sk' }))).toBe('FSS.0400');
    expect(await failure(service.update(auth, `${URN}x`, { tracing_ak: 'AK', tracing_sk: 'sk' }))).toBe(
      'FSS.1051',
    );
    expect(await failure(service.get(auth, `${URN}x`))).toBe('FSS.1051');
  });
});

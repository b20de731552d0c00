import { FgsError, FunctionConfigDto } from '@ofg/contracts';
import type { CodePackageRepository, FunctionRepository } from '@ofg/data-access';
import { functionEnvAad, SecretCipher } from '@ofg/security';
import { buildZip } from '@ofg/testing';
import type { GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import type { FunctionsService } from '../functions/functions.service';
import { aFunctionEntity } from '../testing/function-entity.builder';
import { decodeArchive, ImportExportService, parseExportQuery } from './import-export.service';

const PROJECT = '0123456789abcdef0123456789abcdef';
const KEY = '22'.repeat(32);
const auth = { projectId: PROJECT, domainId: 'd', userId: 'u', method: 'token' as const };
const CODE = Buffer.from('PK\u0003\u0004 code');

function code(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as FgsError).code;
  }
}

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as FgsError).code;
  }
  return 'no error';
}

function setup() {
  const cipher = new SecretCipher(KEY);
  const hello = aFunctionEntity({ projectId: PROJECT });
  hello.encryptedUserData = cipher.encrypt('{"SECRET":"s3"}', functionEnvAad(hello.id));
  const functions = {
    findByName: async (projectId: string, _pkg: string, name: string) =>
      projectId === PROJECT && name === 'hello' ? hello : null,
  } as unknown as FunctionRepository;
  const packages = {
    findForProject: async (projectId: string, digest: string) =>
      projectId === PROJECT && digest === hello.codeDigest ? CODE : null,
  } as unknown as CodePackageRepository;
  const created: Record<string, unknown>[] = [];
  const creator = {
    create: async (_auth: unknown, body: Record<string, unknown>) => {
      created.push(body);
      return { func_name: body['func_name'] } as FunctionConfigDto;
    },
  } as unknown as FunctionsService;
  const service = new ImportExportService(new FunctionResolver(functions), packages, creator, {
    masterKeyHex: KEY,
  } as GatewayConfig);
  return { service, created, hello };
}

describe('export query', () => {
  it('takes config/code flags or type alone', () => {
    expect(parseExportQuery({ config: 'true', code: 'TRUE' })).toEqual({ config: true, code: true });
    expect(parseExportQuery({ code: 'true', config: 'false' })).toEqual({ config: false, code: true });
    expect(parseExportQuery({ type: 'config' })).toEqual({ config: true, code: false });
    expect(parseExportQuery({ type: 'code' })).toEqual({ config: false, code: true });
    for (const query of [
      {},
      { config: 'false' },
      { config: 'yes' },
      { type: 'all' },
      { type: 'code', code: 'true' },
      { code: ['true', 'true'] },
    ])
      expect([query, code(() => parseExportQuery(query))]).toEqual([query, 'FSS.1001']);
  });

  it('decodes the archive Base64 strictly, size first', () => {
    expect(decodeArchive(CODE.toString('base64'))).toEqual(CODE);
    expect(code(() => decodeArchive('***'))).toBe('FSS.1011');
    expect(code(() => decodeArchive('A'.repeat(72 * 1024 * 1024)))).toBe('FSS.1071');
  });
});

describe('ImportExportService', () => {
  it('exports, and imports the export under a new name with the encrypted variables re-opened', async () => {
    const { service, created } = setup();
    const exported = await service.export(auth, 'hello', { config: 'true', code: 'true' });
    expect(exported.fileName).toBe('hello.zip');
    // The clear secret never appears in the archive.
    expect(exported.data.includes(Buffer.from('s3'))).toBe(false);
    await service.import(auth, {
      func_name: 'hello-copy',
      file_name: 'hello.zip',
      file_type: 'zip',
      file_code: exported.data.toString('base64'),
    });
    expect(created[0]).toMatchObject({
      func_name: 'hello-copy',
      package: 'default',
      runtime: 'Node.js18.15',
      code_type: 'zip',
      func_code: { file: CODE.toString('base64') },
      encrypted_user_data: '{"SECRET":"s3"}',
    });
  });

  it("refuses another installation's sealed variables, a wrong file type and unknown functions", async () => {
    const { service } = setup();
    const foreign = new SecretCipher('33'.repeat(32)).encrypt('{"A":"b"}', 'ofg:function-export-env');
    const archive = await buildZip([
      { name: 'f.yaml', data: JSON.stringify({ func_name: 'f', sealed_encrypted_user_data: foreign }) },
      { name: 'f.zip', data: CODE },
    ]);
    const body = {
      func_name: 'f',
      file_name: 'f.zip',
      file_type: 'zip',
      file_code: archive.toString('base64'),
    };
    expect(await failure(service.import(auth, body))).toBe('FSS.1009');
    expect(await failure(service.import(auth, { ...body, file_type: 'tar' }))).toBe('FSS.1013');
    expect(await failure(service.import(auth, { ...body, func_name: '9bad' }))).toBe('FSS.1002');
    expect(await failure(service.import(auth, { ...body, package: 'bad package' }))).toBe('FSS.1004');
    expect(await failure(service.import(auth, { ...body, file_code: undefined }))).toBe('FSS.1011');
    expect(await failure(service.import(auth, { ...body, file_name: '../x.zip' }))).toBe('FSS.0400');
    expect(await failure(service.export(auth, 'ghost', { type: 'code' }))).toBe('FSS.1051');
    expect(await failure(service.export(auth, 'hello', {}))).toBe('FSS.1001');
  });
});

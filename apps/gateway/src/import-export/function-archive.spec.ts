import { FgsError } from '@ofg/contracts';
import { buildZip, renameEntries } from '@ofg/testing';
import { aFunctionEntity } from '../testing/function-entity.builder';
import {
  archiveConfigOf,
  archiveEntriesOf,
  createBodyOf,
  parseArchiveConfig,
  readArchive,
  writeArchive,
} from './function-archive';

async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as FgsError).code;
  }
  return 'no error';
}

const CODE = Buffer.from('PK\u0003\u0004 pretend package bytes');

describe('function archive', () => {
  const fn = aFunctionEntity({
    extra: { depend_version_list: ['dep-1'], enable_dynamic_memory: true, func_vpc: { vpc_id: 'v' } },
    initializerHandler: 'index.init',
    initializerTimeoutS: 5,
  });

  it('writes the configuration and the package, byte-identical across exports, and reads them back', async () => {
    const config = archiveConfigOf(fn, 'v1:sealed');
    expect(config).toMatchObject({
      format: 'openfunctiongraph.function/v1',
      func_name: 'hello',
      runtime: 'Node.js18.15',
      memory_size: 256,
      timeout: 30,
      initializer_handler: 'index.init',
      strategy_config: { concurrency: -1, concurrent_num: 1 },
      depend_version_list: ['dep-1'],
      enable_dynamic_memory: true,
      func_vpc: { vpc_id: 'v' },
      sealed_encrypted_user_data: 'v1:sealed',
    });
    expect(config).not.toHaveProperty('encrypted_user_data');
    const entries = archiveEntriesOf(fn, config, CODE);
    expect(entries.map((e) => e.name)).toEqual(['hello.yaml', 'hello.zip']);
    const zip = await writeArchive(entries);
    expect(
      (await writeArchive(archiveEntriesOf(fn, archiveConfigOf(fn, 'v1:sealed'), CODE))).equals(zip),
    ).toBe(true);
    const read = await readArchive(zip);
    expect(read.code).toEqual({ name: 'hello.zip', data: CODE });
    expect(parseArchiveConfig(read.config)).toEqual(config);
    expect(archiveEntriesOf({ funcName: 'j', codeType: 'jar' }, undefined, CODE).map((e) => e.name)).toEqual([
      'j.jar',
    ]);
  });

  it('rebuilds a create body under the new name and package', () => {
    const config = archiveConfigOf(fn, '');
    const body = createBodyOf(config, CODE, { func_name: 'copy' }, undefined);
    expect(body).toMatchObject({
      func_name: 'copy',
      package: 'default',
      code_type: 'zip',
      func_code: { file: CODE.toString('base64') },
      runtime: 'Node.js18.15',
      handler: 'index.handler',
      initializer_timeout: 5,
      user_data: '{"GREETING":"hi"}',
    });
    expect(body).not.toHaveProperty('digest');
    expect(body).not.toHaveProperty('encrypted_user_data');
    expect(
      createBodyOf({ ...config, code_type: 'obs' }, CODE, { func_name: 'x', package: 'apps' }, '{"S":"1"}'),
    ).toMatchObject({
      package: 'apps',
      code_type: 'zip',
      encrypted_user_data: '{"S":"1"}',
    });
  });

  it('refuses archives without exactly one configuration and one package', async () => {
    const yaml = { name: 'f.yaml', data: '{"func_name":"f"}' };
    const pkg = { name: 'f.zip', data: CODE };
    expect(await failure(readArchive(await buildZip([pkg])))).toBe('FSS.1025');
    expect(await failure(readArchive(await buildZip([yaml, { name: 'g.yml', data: '{}' }, pkg])))).toBe(
      'FSS.1022',
    );
    expect(await failure(readArchive(await buildZip([yaml])))).toBe('FSS.1012');
    expect(await failure(readArchive(await buildZip([yaml, pkg, { name: 'g.jar', data: CODE }])))).toBe(
      'FSS.1011',
    );
    expect(await failure(readArchive(Buffer.from('not a zip')))).toBe('FSS.1011');
    // Files in folders and of other kinds are ignored.
    const extra = await buildZip([
      yaml,
      pkg,
      { name: 'docs/readme.yaml', data: 'x' },
      { name: 'notes.txt', data: 'x' },
    ]);
    expect((await readArchive(extra)).config.name).toBe('f.yaml');
  });

  it('refuses unsafe names, too many entries and an oversized configuration', async () => {
    const evil = renameEntries(
      await buildZip([
        { name: 'f.yaml', data: '{}' },
        { name: 'aa/x.zip', data: CODE },
      ]),
      'aa/x.zip',
      '../x.zip',
    );
    expect(await failure(readArchive(evil))).toBe('FSS.1011');
    const many = await buildZip(Array.from({ length: 17 }, (_, i) => ({ name: `n${i}.txt`, data: 'x' })));
    expect(await failure(readArchive(many))).toBe('FSS.1023');
    const big = await buildZip([
      { name: 'f.yaml', data: ' '.repeat(1024 * 1024 + 1) },
      { name: 'f.zip', data: CODE },
    ]);
    expect(await failure(readArchive(big))).toBe('FSS.1023');
  });

  it('reads the JSON form of YAML only and needs func_name', () => {
    const code = (text: string): string => {
      try {
        parseArchiveConfig({ name: 'f.yaml', data: Buffer.from(text) });
        return 'ok';
      } catch (err) {
        return (err as FgsError).code;
      }
    };
    expect(code('\uFEFF{"func_name":"f"}')).toBe('ok');
    expect(code('func_name: f\nruntime: Python3.9\n')).toBe('FSS.1025');
    expect(code('[1,2]')).toBe('FSS.1025');
    expect(code('{"runtime":"Python3.9"}')).toBe('FSS.1057');
    expect(code('{"func_name":""}')).toBe('FSS.1057');
  });
});

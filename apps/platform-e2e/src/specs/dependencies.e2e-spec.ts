import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import {
  CreateDependencyRequestBody,
  CreateDependencyVersionRequest,
  CreateFunctionRequest,
  DeleteDependencyVersionRequest,
  FuncCode,
  InvokeFunctionRequest,
  ListDependenciesRequest,
  ListDependencyVersionRequest,
  ShowDependencyVersionRequest,
  ShowFunctionConfigRequest,
  UpdateFunctionCodeRequest,
  UpdateFunctionCodeRequestBody,
} from '@huaweicloud/huaweicloud-sdk-functiongraph';
import { zipOf } from '../support/code-fixtures';
import { FgsClient, FgsResponse } from '../support/fgs-client';
import { startFileServer } from '../support/file-server';
import { invokeV1 } from '../support/functions';
import { officialSdkClient, sdkFailure, sdkNodeFunctionBody } from '../support/sdk';
import { SeededTenant, seedTenant } from '../support/tenants';

type Json = Record<string, unknown>;

interface InvokeV1 {
  request_id: string;
  result: string;
  log: string;
  status: number;
}

/** A Node.js dependency laid out the FunctionGraph way: `node_modules/<name>/` at the zip root. */
function nodeDependency(moduleName: string, output: string): Promise<Buffer> {
  return zipOf({
    [`node_modules/${moduleName}/package.json`]: JSON.stringify({ name: moduleName, main: 'lib/main.js' }),
    [`node_modules/${moduleName}/lib/main.js`]: `module.exports = (s) => ${JSON.stringify(output)} + ':' + s;`,
  });
}

const NODE_HANDLER = (moduleName: string): string =>
  `const dep = require(${JSON.stringify(moduleName)});
exports.handler = async (event) => dep(event.word || 'none');`;

const PYTHON_HANDLER = `import pyhelper
import pyextra


def handler(event, context):
    return pyhelper.shout(event.get("word", "none")) + " " + pyextra.NAME
`;

const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex');

function expectFgsError(res: FgsResponse<unknown>, status: number, code: string): void {
  expect([res.status, (res.json as Json | undefined)?.['error_code']]).toEqual([status, code]);
}

describe('dependencies', () => {
  const http = new FgsClient();
  const sdk = officialSdkClient(http.stack);
  const suffix = Date.now().toString(36);
  const deps = `/v2/${http.stack.projectId}/fgs/dependencies`;
  const functions = `/v2/${http.stack.projectId}/fgs/functions`;
  let files: Map<string, Buffer>;
  let packages: { server: Server; url: string };
  let other: SeededTenant;

  beforeAll(async () => {
    files = new Map();
    packages = await startFileServer(files);
    other = await seedTenant('deps');
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => packages.server.close(() => resolve()));
  });

  const createVersion = async (body: CreateDependencyRequestBody): Promise<Json> =>
    (await sdk.createDependencyVersion(
      new CreateDependencyVersionRequest().withBody(body),
    )) as unknown as Json;

  const zipBody = async (name: string, runtime: string, zip: Buffer): Promise<CreateDependencyRequestBody> =>
    new CreateDependencyRequestBody()
      .withDependType('zip')
      .withRuntime(runtime)
      .withName(name)
      .withDependFile(zip.toString('base64'))
      .withDescription(`${name} for the e2e suite`);

  const createNodeFunction = async (name: string, source: string, versions: string[]): Promise<Json> =>
    (await sdk.createFunction(
      new CreateFunctionRequest().withBody(
        (await sdkNodeFunctionBody(name, source)).withDependVersionList(versions),
      ),
    )) as unknown as Json;

  const invokeSdk = (urn: string, word: string): Promise<InvokeV1> =>
    sdk.invokeFunction(
      new InvokeFunctionRequest()
        .withFunctionUrn(urn)
        .withXCFFRequestVersion('v1')
        .withBody({ word } as unknown as Record<string, object>),
    ) as unknown as Promise<InvokeV1>;

  it('creates versions, lists, pages, shows, updates and deletes dependencies through the SDK and the API', async () => {
    const name = `leftpad-${suffix}`;
    const zip1 = await nodeDependency('ofg-leftpad', 'one');
    const v1 = await createVersion(await zipBody(name, 'Node.js20.15', zip1));
    expect(v1).toMatchObject({
      owner: http.stack.domainId,
      runtime: 'Node.js20.15',
      etag: md5(zip1),
      size: zip1.length,
      name,
      description: `${name} for the e2e suite`,
      file_name: `${name}.zip`,
      version: 1,
    });
    expect(v1['id']).not.toBe(v1['dep_id']);
    expect(typeof v1['last_modified']).toBe('number');
    const depId = String(v1['dep_id']);

    const zip2 = await nodeDependency('ofg-leftpad', 'two');
    const v2 = await createVersion(await zipBody(name, 'Node.js20.15', zip2));
    expect(v2).toMatchObject({ dep_id: depId, version: 2, etag: md5(zip2) });

    // The dependency shows its newest version; its versions page lowest first.
    const got = await http.request<Json>('GET', `${deps}/${depId}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({ id: depId, name, version: 2, etag: md5(zip2) });
    const page1 = (await sdk.listDependencyVersion(
      new ListDependencyVersionRequest().withDependId(depId).withMaxitems('1'),
    )) as unknown as { dependencies: Json[]; next_marker: number; count: number };
    expect(page1.count).toBe(2);
    expect(page1.next_marker).toBe(1);
    expect(page1.dependencies.map((d) => [d['id'], d['version'], d['dep_id']])).toEqual([
      [v1['id'], 1, depId],
    ]);
    const page2 = (await sdk.listDependencyVersion(
      new ListDependencyVersionRequest().withDependId(depId).withMarker('1').withMaxitems('1'),
    )) as unknown as { dependencies: Json[]; next_marker: number; count: number };
    expect(page2.dependencies.map((d) => d['version'])).toEqual([2]);
    expect(page2.next_marker).toBe(page2.count);

    const shown = (await sdk.showDependencyVersion(
      new ShowDependencyVersionRequest().withDependId(depId).withVersion('1'),
    )) as unknown as Json;
    expect(shown).toMatchObject({
      id: v1['id'],
      dep_id: depId,
      version: 1,
      etag: md5(zip1),
      is_shared: false,
    });

    // Update without a package: name and description in place; with one: the next version.
    const renamed = await http.request<Json>('PUT', `${deps}/${depId}`, {
      body: { depend_type: 'zip', runtime: 'Node.js20.15', name: `${name}-r`, description: 'renamed' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json).toMatchObject({ id: depId, name: `${name}-r`, description: 'renamed', version: 2 });
    const zip3 = await nodeDependency('ofg-leftpad', 'three');
    const bumped = await http.request<Json>('PUT', `${deps}/${depId}`, {
      body: {
        depend_type: 'zip',
        runtime: 'Node.js18.15',
        name: `${name}-r`,
        depend_file: zip3.toString('base64'),
      },
    });
    expect(bumped.status).toBe(200);
    expect(bumped.json).toMatchObject({ id: depId, version: 3, runtime: 'Node.js18.15', etag: md5(zip3) });

    // The older create endpoint, from a URL like function code from OBS.
    files.set(`/deps/${name}-obs.zip`, zip1);
    const fromUrl = await http.request<Json>('POST', deps, {
      body: {
        depend_type: 'obs',
        depend_link: `${packages.url}/deps/${name}-obs.zip`,
        runtime: 'Node.js20.15',
        name: `${name}-obs`,
      },
    });
    expect(fromUrl.status).toBe(200);
    expect(fromUrl.json).toMatchObject({
      name: `${name}-obs`,
      link: `${packages.url}/deps/${name}-obs.zip`,
      file_name: `${name}-obs.zip`,
      version: 1,
      etag: md5(zip1),
    });
    const again = await http.request<Json>('POST', deps, {
      body: {
        depend_type: 'obs',
        depend_link: `${packages.url}/deps/${name}-obs.zip`,
        runtime: 'Node.js20.15',
        name: `${name}-obs`,
        description: 'same name again',
      },
    });
    expectFgsError(again, 409, 'FSS.1065');

    // Versions go one by one, the dependency with the last.
    await sdk.deleteDependencyVersion(
      new DeleteDependencyVersionRequest().withDependId(depId).withVersion('3'),
    );
    expect((await http.request<Json>('GET', `${deps}/${depId}`)).json).toMatchObject({ version: 2 });
    const deleted = await http.request('DELETE', `${deps}/${depId}`);
    expect(deleted.status).toBe(204);
    expectFgsError(await http.request('GET', `${deps}/${depId}`), 404, 'FSS.1056');
    expect((await http.request('DELETE', `${deps}/${String(fromUrl.json['id'])}`)).status).toBe(204);
  });

  it('pages the dependency list with marker, maxitems and the filters', async () => {
    const prefix = `pg-${suffix}`;
    const zip = await nodeDependency('ofg-page', 'p');
    for (const i of [0, 1, 2]) await createVersion(await zipBody(`${prefix}-${i}`, 'Node.js20.15', zip));
    await createVersion(await zipBody(`${prefix}-py`, 'Python3.9', await zipOf({ 'pg/__init__.py': '' })));

    const list = async (req: ListDependenciesRequest) =>
      (await sdk.listDependencies(req)) as unknown as {
        dependencies: Json[];
        next_marker: number;
        count: number;
      };
    const first = await list(
      new ListDependenciesRequest().withName(prefix).withRuntime('Node.js20.15').withMaxitems('2'),
    );
    expect(first.count).toBe(3);
    expect(first.dependencies.map((d) => d['name'])).toEqual([`${prefix}-0`, `${prefix}-1`]);
    expect(first.next_marker).toBe(2);
    const second = await list(
      new ListDependenciesRequest()
        .withName(prefix)
        .withRuntime('Node.js20.15')
        .withMarker('2')
        .withMaxitems('2'),
    );
    expect(second.dependencies.map((d) => d['name'])).toEqual([`${prefix}-2`]);
    expect(second.next_marker).toBe(second.count);
    const python = await list(new ListDependenciesRequest().withName(prefix).withRuntime('Python3.9'));
    expect(python.dependencies.map((d) => d['name'])).toEqual([`${prefix}-py`]);
    const privateOnly = await list(
      new ListDependenciesRequest().withName(prefix).withDependencyType('private'),
    );
    expect(privateOnly.count).toBe(4);
    const publicOnly = await list(
      new ListDependenciesRequest().withName(prefix).withDependencyType('public'),
    );
    expect(publicOnly.count).toBe(0);
  });

  it('runs a Node.js function with a dependency, follows a version change and refuses to delete one in use', async () => {
    const depName = `node-dep-${suffix}`;
    const one = await createVersion(
      await zipBody(depName, 'Node.js20.15', await nodeDependency('ofg-shout', 'v1')),
    );
    const two = await createVersion(
      await zipBody(depName, 'Node.js20.15', await nodeDependency('ofg-shout', 'v2')),
    );
    const fnName = `uses-dep-${suffix}`;
    const source = NODE_HANDLER('ofg-shout');
    const created = await createNodeFunction(fnName, source, [String(one['id'])]);
    expect(created['depend_version_list']).toEqual([one['id']]);
    expect(created['depend_list']).toEqual([one['dep_id']]);
    expect((created['dependencies'] as Json[]).map((d) => [d['id'], d['dep_id'], d['version']])).toEqual([
      [one['id'], one['dep_id'], 1],
    ]);
    const urn = String(created['func_urn']);

    const first = await invokeSdk(urn, 'hello');
    expect([first.status, first.result]).toEqual([200, 'v1:hello']);

    // In use: neither the version nor the dependency can go. (With a token: the SDK's signed DELETE of the same version
    // below may fall in the same second, and replay protection would refuse a byte-identical signature.)
    const refused = await http.request('DELETE', `${deps}/${String(one['dep_id'])}/version/1`, {
      auth: { kind: 'token', token: await http.token() },
    });
    expectFgsError(refused, 412, 'FSS.1033');
    expectFgsError(await http.request('DELETE', `${deps}/${String(one['dep_id'])}`), 412, 'FSS.1033');

    // Moving the function to version 2 reaches new instances.
    const code = (await zipOf({ 'index.js': source })).toString('base64');
    const updated = (await sdk.updateFunctionCode(
      new UpdateFunctionCodeRequest().withFunctionUrn(urn).withBody(
        new UpdateFunctionCodeRequestBody()
          .withCodeType('zip')
          .withCodeFilename('index.zip')
          .withFuncCode(new FuncCode().withFile(code))
          .withDependVersionList([String(two['id'])]),
      ),
    )) as unknown as Json;
    expect(updated['depend_version_list']).toEqual([two['id']]);
    expect((updated['dependencies'] as Json[])[0]).toMatchObject({ id: two['id'], version: 2 });
    const second = await invokeSdk(urn, 'again');
    expect(second.result).toBe('v2:again');
    const config = (await sdk.showFunctionConfig(
      new ShowFunctionConfigRequest().withFunctionUrn(urn),
    )) as unknown as Json;
    expect((config['dependencies'] as Json[]).map((d) => d['id'])).toEqual([two['id']]);

    // Version 1 is free now; after the function drops its dependencies the require fails and all can go.
    await sdk.deleteDependencyVersion(
      new DeleteDependencyVersionRequest().withDependId(String(one['dep_id'])).withVersion('1'),
    );
    const dropped = await http.request<Json>('PUT', `${functions}/${urn}/code`, {
      body: {
        code_type: 'zip',
        code_filename: 'index.zip',
        func_code: { file: code },
        depend_version_list: [],
      },
    });
    expect(dropped.status).toBe(200);
    expect(dropped.json['dependencies']).toEqual([]);
    const without = await invokeV1(http, urn, { word: 'x' });
    expect(without.headers.get('x-is-func-err')).toBe('true');
    expect(without.json.result).toContain('ofg-shout');
    expect((await http.request('DELETE', `${deps}/${String(two['dep_id'])}`)).status).toBe(204);
    expect((await http.request('DELETE', `${functions}/${urn}`)).status).toBe(204);
  });

  it('runs a Python function importing packages from the zip root and from python/', async () => {
    const root = await createVersion(
      await zipBody(
        `py-root-${suffix}`,
        'Python3.9',
        await zipOf({ 'pyhelper/__init__.py': 'def shout(word):\n    return word.upper() + "!"\n' }),
      ),
    );
    const nested = await createVersion(
      await zipBody(
        `py-nested-${suffix}`,
        'Python3.9',
        await zipOf({ 'python/pyextra/__init__.py': 'NAME = "extra"\n' }),
      ),
    );
    const created = await http.request<Json>('POST', functions, {
      body: {
        func_name: `py-deps-${suffix}`,
        package: 'default',
        runtime: 'Python3.9',
        timeout: 30,
        handler: 'index.handler',
        memory_size: 128,
        code_type: 'zip',
        code_filename: 'index.zip',
        func_code: { file: (await zipOf({ 'index.py': PYTHON_HANDLER })).toString('base64') },
        depend_version_list: [root['id'], nested['id']],
      },
    });
    expect(created.status).toBe(200);
    const res = await invokeV1(http, String(created.json['func_urn']), { word: 'hi' });
    expect([res.status, res.headers.get('x-is-func-err'), res.json.result]).toEqual([
      200,
      'false',
      'HI! extra',
    ]);
  });

  it('keeps private dependencies to their project and shares public ones', async () => {
    const privateVersion = await createVersion(
      await zipBody(`secret-${suffix}`, 'Node.js20.15', await nodeDependency('ofg-secret', 'secret')),
    );
    const privateId = String(privateVersion['dep_id']);
    const theirs = `/v2/${other.projectId}/fgs/dependencies`;

    const listed = await other.http.request<{ dependencies: Json[] }>('GET', `${theirs}?name=${suffix}`);
    expect(listed.status).toBe(200);
    expect(listed.json.dependencies).toEqual([]);
    expectFgsError(await other.http.request('GET', `${theirs}/${privateId}`), 404, 'FSS.1056');
    expectFgsError(await other.http.request('GET', `${theirs}/${privateId}/version`), 404, 'FSS.1056');
    expectFgsError(await other.http.request('GET', `${theirs}/${privateId}/version/1`), 404, 'FSS.1056');
    expectFgsError(await other.http.request('DELETE', `${theirs}/${privateId}`), 404, 'FSS.1056');
    const source = NODE_HANDLER('ofg-secret');
    const fnBody = async (name: string, versions: unknown[]): Promise<Json> => ({
      func_name: name,
      package: 'default',
      runtime: 'Node.js20.15',
      timeout: 10,
      handler: 'index.handler',
      memory_size: 128,
      code_type: 'zip',
      func_code: { file: (await zipOf({ 'index.js': source })).toString('base64') },
      depend_version_list: versions,
    });
    expectFgsError(
      await other.http.request('POST', `/v2/${other.projectId}/fgs/functions`, {
        body: await fnBody(`steal-${suffix}`, [privateVersion['id']]),
      }),
      404,
      'FSS.1056',
    );

    // A public dependency (published by the administrator) is listed, attachable and runnable for everyone.
    const zip = await nodeDependency('ofg-secret', 'public');
    const published = await http.request<Json>('POST', `${deps}/version`, {
      body: {
        depend_type: 'zip',
        runtime: 'Node.js20.15',
        name: `shared-${suffix}`,
        depend_file: zip.toString('base64'),
        is_public: true,
      },
    });
    expect(published.status).toBe(200);
    expect(published.json).toMatchObject({ owner: 'public', is_shared: true });
    const seen = await other.http.request<{ dependencies: Json[] }>(
      'GET',
      `${theirs}?dependency_type=public&name=${suffix}`,
    );
    expect(seen.json.dependencies.map((d) => d['name'])).toEqual([`shared-${suffix}`]);
    const theirFn = await other.http.request<Json>('POST', `/v2/${other.projectId}/fgs/functions`, {
      body: await fnBody(`borrow-${suffix}`, [published.json['id']]),
    });
    expect(theirFn.status).toBe(200);
    const run = await invokeV1(other.http, String(theirFn.json['func_urn']), { word: 'w' });
    expect(run.json.result).toBe('public:w');
    // Read-only for them; in use by their function, so the publisher cannot delete it either.
    expectFgsError(
      await other.http.request('DELETE', `${theirs}/${String(published.json['dep_id'])}`),
      403,
      'FSS.0403',
    );
    expectFgsError(
      await http.request('DELETE', `${deps}/${String(published.json['dep_id'])}`),
      412,
      'FSS.1033',
    );
  });

  it('answers mistakes with the spec codes, never a 500', async () => {
    const zip = await nodeDependency('ofg-neg', 'n');
    const file = zip.toString('base64');
    const ok = { depend_type: 'zip', runtime: 'Node.js20.15', name: `neg-${suffix}`, depend_file: file };
    const cases: Array<[string, Json, number, string]> = [
      ['a name starting with a digit', { ...ok, name: '9lives' }, 400, 'FSS.1024'],
      ['a name of 97 characters', { ...ok, name: `a${'b'.repeat(96)}` }, 400, 'FSS.1024'],
      ['a description of 513 characters', { ...ok, description: 'd'.repeat(513) }, 400, 'FSS.1019'],
      ['an unknown runtime', { ...ok, runtime: 'Cobol1.0' }, 400, 'FSS.1005'],
      ['an unknown depend_type', { ...ok, depend_type: 'tar' }, 400, 'FSS.1032'],
      ['no depend_file', { ...ok, depend_file: undefined }, 400, 'FSS.1024'],
      ['depend_file that is not Base64', { ...ok, depend_file: '%%%' }, 400, 'FSS.1024'],
      [
        'depend_file that is not a zip',
        { ...ok, depend_file: Buffer.from('hello').toString('base64') },
        400,
        'FSS.1024',
      ],
      [
        'a depend_link that is not http',
        { ...ok, depend_type: 'obs', depend_link: 'ftp://x/y.zip' },
        400,
        'FSS.1010',
      ],
      [
        'a depend_link that is missing',
        { ...ok, depend_type: 'obs', depend_link: `${packages.url}/none.zip` },
        404,
        'FSS.1054',
      ],
    ];
    for (const [what, body, status, code] of cases) {
      const res = await http.request('POST', deps, { body });
      expect([what, res.status, (res.json as Json)['error_code']]).toEqual([what, status, code]);
    }
    expectFgsError(await http.request('GET', `${deps}/not-a-uuid`), 404, 'FSS.1056');
    expectFgsError(
      await http.request('GET', `${deps}/00000000-0000-4000-8000-000000000000`),
      404,
      'FSS.1056',
    );
    expectFgsError(
      await http.request('GET', `${deps}/00000000-0000-4000-8000-000000000000/version/x`),
      400,
      'FSS.0400',
    );
    expectFgsError(await http.request('GET', `${deps}?maxitems=0`), 400, 'FSS.1001');
    expectFgsError(await http.request('GET', `${deps}?dependency_type=mine`), 400, 'FSS.1001');
    const notFound = await sdkFailure(
      sdk.showDependencyVersion(
        new ShowDependencyVersionRequest()
          .withDependId('00000000-0000-4000-8000-000000000000')
          .withVersion('1'),
      ),
    );
    expect([notFound.httpStatusCode, notFound.errorCode]).toEqual([404, 'FSS.1056']);

    // Functions: more than 20, a repeated one, another runtime, an unknown one.
    const py = await createVersion(
      await zipBody(`neg-py-${suffix}`, 'Python3.9', await zipOf({ 'a/__init__.py': '' })),
    );
    const node = await createVersion(await zipBody(`neg-node-${suffix}`, 'Node.js20.15', zip));
    const fn = async (versions: unknown[]): Promise<FgsResponse<Json>> =>
      http.request<Json>('POST', functions, {
        body: {
          func_name: `neg-fn-${suffix}`,
          package: 'default',
          runtime: 'Node.js20.15',
          timeout: 10,
          handler: 'index.handler',
          memory_size: 128,
          code_type: 'zip',
          func_code: {
            file: (await zipOf({ 'index.js': 'exports.handler = async () => 1;' })).toString('base64'),
          },
          depend_version_list: versions,
        },
      });
    expectFgsError(await fn(Array.from({ length: 21 }, () => node['id'])), 403, 'FSS.1045');
    expectFgsError(await fn([node['id'], node['id']]), 400, 'FSS.1024');
    expectFgsError(await fn([py['id']]), 400, 'FSS.1024');
    expectFgsError(await fn(['00000000-0000-4000-8000-000000000000']), 404, 'FSS.1056');
    expectFgsError(await fn(['junk']), 404, 'FSS.1056');
    expectFgsError(await fn('junk' as unknown as unknown[]), 400, 'FSS.1024');
  });
});

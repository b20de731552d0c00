import { createHash } from 'node:crypto';
import { DependencyBody, FgsError } from '@ofg/contracts';
import { buildZip, renameEntries, zipOf } from '@ofg/testing';
import { CodePackageService } from '../functions/code-package.service';
import { DependencyPackageService } from './dependency-package.service';

async function errorOf(promise: Promise<unknown>): Promise<FgsError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof FgsError) return err;
    throw err;
  }
  throw new Error('expected the promise to reject');
}

/** A fetch that serves `bodies` by URL and 404s anything else. */
function fakeFetch(bodies: Record<string, Buffer>): typeof fetch {
  return (async (input: URL | string) => {
    const body = bodies[String(input)];
    return body ? new Response(body) : new Response('missing', { status: 404 });
  }) as typeof fetch;
}

function body(patch: Partial<DependencyBody>): DependencyBody {
  return { depend_type: 'zip', runtime: 'Node.js20.15', name: 'leftpad', ...patch };
}

describe('DependencyPackageService', () => {
  let zip: Buffer;
  let service: DependencyPackageService;

  beforeAll(async () => {
    zip = await zipOf({ 'node_modules/leftpad/index.js': 'module.exports = (s) => s;' });
    const code = new CodePackageService({
      downloadMaxBytes: 64 * 1024,
      downloadTimeoutMs: 2000,
      fetchImpl: fakeFetch({
        'http://obs.test/deps/leftpad-1.0.zip': zip,
        'http://obs.test/big.zip': Buffer.alloc(70 * 1024),
      }),
    });
    service = new DependencyPackageService(code);
  });

  it('takes a Base64 zip and describes it with SHA-512 digest, MD5 etag, size and file name', async () => {
    const prepared = await service.prepare(
      body({ depend_file: zip.toString('base64'), description: 'pads' }),
    );
    expect(prepared.zip.equals(zip)).toBe(true);
    expect(prepared.version).toEqual({
      runtime: 'Node.js20.15',
      description: 'pads',
      dependType: 'zip',
      codeDigest: createHash('sha512').update(zip).digest('hex'),
      etag: createHash('md5').update(zip).digest('hex'),
      size: zip.length,
      fileName: 'leftpad.zip',
      link: '',
    });
  });

  it('fetches depend_link like function code from a URL', async () => {
    const prepared = await service.prepare(
      body({ depend_type: 'obs', depend_link: 'http://obs.test/deps/leftpad-1.0.zip' }),
    );
    expect(prepared.version).toMatchObject({
      dependType: 'obs',
      link: 'http://obs.test/deps/leftpad-1.0.zip',
      fileName: 'leftpad-1.0.zip',
      size: zip.length,
    });
  });

  it.each([
    ['an unknown depend_type', { depend_type: 'jar' }, 'FSS.1032'],
    ['a zip type without depend_file', {}, 'FSS.1024'],
    ['depend_file that is not Base64', { depend_file: '@@not base64@@' }, 'FSS.1024'],
    [
      'depend_file that is not a zip',
      { depend_file: Buffer.from('plain text').toString('base64') },
      'FSS.1024',
    ],
    ['an obs type without depend_link', { depend_type: 'obs' }, 'FSS.1010'],
    [
      'a depend_link that is not http(s)',
      { depend_type: 'obs', depend_link: 'file:///etc/passwd' },
      'FSS.1010',
    ],
    [
      'a depend_link that answers 404',
      { depend_type: 'obs', depend_link: 'http://obs.test/none.zip' },
      'FSS.1054',
    ],
    [
      'a depend_link above the download cap',
      { depend_type: 'obs', depend_link: 'http://obs.test/big.zip' },
      'FSS.1071',
    ],
  ])('refuses %s', async (_what, patch, code) => {
    const err = await errorOf(service.prepare(body(patch as Partial<DependencyBody>)));
    expect(err.code).toBe(code);
    expect(err.status).toBeLessThan(500);
  });

  it('refuses a zip whose entries climb out of the folder, naming the dependency', async () => {
    const evil = renameEntries(
      await buildZip([{ name: 'aa/evil.js', data: 'x' }]),
      'aa/evil.js',
      '../evil.js',
    );
    const err = await errorOf(service.prepare(body({ depend_file: evil.toString('base64') })));
    expect(err.code).toBe('FSS.1024');
    expect(err.message).toMatch(/^Invalid dependency/);
  });

  it('tells a metadata-only update from one with a package', () => {
    expect(DependencyPackageService.hasContent({ depend_type: 'zip', depend_file: 'UEsD' })).toBe(true);
    expect(DependencyPackageService.hasContent({ depend_type: 'zip' })).toBe(false);
    expect(DependencyPackageService.hasContent({ depend_type: 'obs', depend_link: 'http://x/y.zip' })).toBe(
      true,
    );
    expect(DependencyPackageService.hasContent({ depend_type: 'obs', depend_file: 'UEsD' })).toBe(false);
  });
});

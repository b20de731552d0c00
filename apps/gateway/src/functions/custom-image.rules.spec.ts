import { FgsError } from '@ofg/contracts';
import { buildZip, zipOf } from '@ofg/testing';
import { PreparedCode, sha512Hex } from './code-package.service';
import {
  assertBootstrapPresent,
  customImageForCreate,
  customImageForUpdate,
  imagePlaceholderCode,
  normalizeCustomImage,
  packageCodeType,
} from './custom-image.rules';

const IMAGE = { enabled: true, image: 'team/app:1' };

function failure(fn: () => unknown): FgsError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FgsError) return err;
    throw err;
  }
  throw new Error('expected an FgsError');
}

async function prepared(zip: Buffer): Promise<PreparedCode> {
  return { zip, digest: sha512Hex(zip), size: zip.length, codeFilename: 'index.zip', codeUrl: '' };
}

describe('custom_image rules', () => {
  describe('on create', () => {
    it('stores a normalized custom_image for Custom-Image-Swr event and HTTP functions', () => {
      expect(
        customImageForCreate({
          runtime: 'Custom Image',
          code_type: 'Custom-Image-Swr',
          custom_image: {
            ...IMAGE,
            command: '/bin/sh,-c',
            args: 'node app.js',
            working_dir: '/srv',
            uid: 1003,
          },
        }),
      ).toEqual({
        enabled: true,
        image: 'team/app:1',
        command: '/bin/sh,-c',
        args: 'node app.js',
        working_dir: '/srv',
        uid: '1003',
        gid: '',
      });
      expect(
        customImageForCreate({ runtime: 'http', code_type: 'Custom-Image-Swr', custom_image: IMAGE }),
      ).toMatchObject(IMAGE);
      expect(customImageForCreate({ runtime: 'Node.js20.15', code_type: 'zip' })).toBeUndefined();
      // A disabled custom_image on a package function is simply not used.
      expect(
        customImageForCreate({ runtime: 'Custom', code_type: 'zip', custom_image: { enabled: false } }),
      ).toBeUndefined();
    });

    it.each([
      [
        { runtime: 'Custom Image', code_type: 'zip', custom_image: IMAGE },
        'FSS.1006',
        'takes code_type Custom-Image-Swr',
      ],
      [
        { runtime: 'Node.js20.15', code_type: 'Custom-Image-Swr', custom_image: IMAGE },
        'FSS.1005',
        '"Custom Image" or "http"',
      ],
      [
        { runtime: 'http', code_type: 'zip', custom_image: IMAGE },
        'FSS.1006',
        'needs code_type Custom-Image-Swr',
      ],
      [{ runtime: 'Custom Image', code_type: 'Custom-Image-Swr' }, 'FSS.0400', 'enabled true and an image'],
      [
        {
          runtime: 'Custom Image',
          code_type: 'Custom-Image-Swr',
          custom_image: { enabled: false, image: 'a' },
        },
        'FSS.0400',
        'enabled true',
      ],
    ])('refuses %j with %s', (input, code, message) => {
      const err = failure(() => customImageForCreate(input));
      expect(err.code).toBe(code);
      expect(err.message).toContain(message);
    });
  });

  describe('field checks', () => {
    it.each([
      [{ ...IMAGE, image: '' }, 'FSS.1034', 'custom_image.image: it is empty'],
      [{ ...IMAGE, image: 'Team/App' }, 'FSS.1034', 'custom_image.image'],
      [{ ...IMAGE, image: 'swr.example.com/team/app:tag with space' }, 'FSS.1034', 'custom_image.image'],
      [
        { ...IMAGE, working_dir: 'relative/dir' },
        'FSS.0400',
        'custom_image.working_dir: must be an absolute path',
      ],
      [{ ...IMAGE, uid: '0' }, 'FSS.0400', 'custom_image.uid: must be a user id from 1 to 65534'],
      [{ ...IMAGE, uid: 'root' }, 'FSS.0400', 'custom_image.uid'],
      [{ ...IMAGE, gid: 70000 }, 'FSS.0400', 'custom_image.gid: must be a group id'],
      [{ ...IMAGE, command: 'a\0b' }, 'FSS.0400', 'custom_image.command'],
    ])('refuses %j', (input, code, message) => {
      const err = failure(() => normalizeCustomImage(input));
      expect(err.code).toBe(code);
      expect(err.message).toContain(message);
    });

    it('keeps is_public and trims the image and working directory', () => {
      expect(
        normalizeCustomImage({ ...IMAGE, image: ' team/app:1 ', working_dir: ' /w ', is_public: true }),
      ).toMatchObject({
        image: 'team/app:1',
        working_dir: '/w',
        is_public: true,
      });
    });
  });

  describe('on update-config', () => {
    const imageFn = { codeType: 'Custom-Image-Swr' };
    const packageFn = { codeType: 'zip' };

    it('replaces the image of an image function, or keeps it when omitted', () => {
      expect(
        customImageForUpdate(imageFn, { runtime: 'Custom Image', custom_image: { ...IMAGE, image: 'b:2' } }),
      ).toMatchObject({ image: 'b:2' });
      expect(customImageForUpdate(imageFn, { runtime: 'http' })).toBeUndefined();
      expect(customImageForUpdate(packageFn, { runtime: 'Custom' })).toBeUndefined();
    });

    it('keeps a function of its kind', () => {
      expect(failure(() => customImageForUpdate(imageFn, { runtime: 'Node.js20.15' })).code).toBe('FSS.1005');
      expect(
        failure(() =>
          customImageForUpdate(imageFn, { runtime: 'Custom Image', custom_image: { enabled: false } }),
        ).code,
      ).toBe('FSS.0400');
      expect(failure(() => customImageForUpdate(packageFn, { runtime: 'Custom Image' })).code).toBe(
        'FSS.1005',
      );
      expect(
        failure(() => customImageForUpdate(packageFn, { runtime: 'http', custom_image: IMAGE })).code,
      ).toBe('FSS.1006');
    });
  });

  it('refuses package code for image functions and the image code type for package functions', () => {
    expect(packageCodeType({ codeType: 'zip' }, 'inline')).toBe('inline');
    expect(failure(() => packageCodeType({ codeType: 'Custom-Image-Swr' }, 'zip')).message).toContain(
      'has no code package',
    );
    expect(failure(() => packageCodeType(undefined, 'Custom-Image-Swr')).code).toBe('FSS.1006');
  });

  it('stores one fixed placeholder package for image functions, shown with size 0', async () => {
    const [a, b] = await Promise.all([imagePlaceholderCode(), imagePlaceholderCode()]);
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toBe(sha512Hex(a.zip));
    expect(a).toMatchObject({ size: 0, codeFilename: '', codeUrl: '' });
  });

  describe('bootstrap presence', () => {
    it('accepts Custom and HTTP packages with a root bootstrap and ignores other runtimes', async () => {
      const withBootstrap = await prepared(
        await buildZip([
          { name: 'bootstrap', data: '#!/bin/sh\n', mode: 0o100755 },
          { name: 'src/index.js' },
        ]),
      );
      await expect(assertBootstrapPresent('Custom', withBootstrap)).resolves.toBeUndefined();
      await expect(assertBootstrapPresent('http', withBootstrap)).resolves.toBeUndefined();
      await expect(
        assertBootstrapPresent('Node.js20.15', await prepared(await zipOf({ 'index.js': '' }))),
      ).resolves.toBeUndefined();
    });

    it('refuses a package without one with FSS.1011, hinting at a zipped folder', async () => {
      const missing = await prepared(await zipOf({ 'index.js': '' }));
      await expect(assertBootstrapPresent('Custom', missing)).rejects.toMatchObject({
        code: 'FSS.1011',
        message: expect.stringContaining("Custom runtime package needs an executable 'bootstrap'") as unknown,
      });
      const nested = await prepared(await zipOf({ 'app/bootstrap': '#!/bin/sh\n' }));
      await expect(assertBootstrapPresent('http', nested)).rejects.toMatchObject({
        code: 'FSS.1011',
        message: expect.stringContaining('found app/bootstrap') as unknown,
      });
    });
  });
});

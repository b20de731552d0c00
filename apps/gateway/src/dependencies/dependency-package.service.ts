import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DEPENDENCY_LIMITS, DependencyBody, FgsError, LIMITS } from '@ofg/contracts';
import type { NewDependencyVersion } from '@ofg/data-access';
import {
  CodePackageService,
  decodeBase64,
  inspectZip,
  isZip,
  lastPathSegment,
  parseCodeUrl,
  sha512Hex,
} from '../functions/code-package.service';

/** A validated dependency zip and the version columns that describe it. */
export interface PreparedDependency {
  zip: Buffer;
  version: NewDependencyVersion;
}

/**
 * Turns `depend_file` (Base64 zip) or `depend_link` (http(s) URL, fetched with the function-code download cap and
 * deadline) into a checked zip, content-addressed like function code.
 */
@Injectable()
export class DependencyPackageService {
  constructor(private readonly code: CodePackageService) {}

  /** Whether the body carries a package (create always must; update may change only the metadata). */
  static hasContent(body: Pick<DependencyBody, 'depend_type' | 'depend_file' | 'depend_link'>): boolean {
    return body.depend_type === 'obs' ? !!body.depend_link : !!body.depend_file;
  }

  /** FSS.1032 unless `depend_type` is zip or obs. */
  static assertDependType(type: string): asserts type is 'zip' | 'obs' {
    if (type !== 'zip' && type !== 'obs')
      throw new FgsError(
        'FSS.1032',
        `Invalid parameter depend_type: ${JSON.stringify(type.slice(0, 16))} (zip or obs)`,
      );
  }

  async prepare(body: DependencyBody): Promise<PreparedDependency> {
    DependencyPackageService.assertDependType(body.depend_type);
    let zip: Buffer;
    let fileName: string;
    let link = '';
    if (body.depend_type === 'zip') {
      if (!body.depend_file)
        throw new FgsError('FSS.1024', 'Invalid parameter depend_file: required when depend_type is zip');
      zip = asDependencyError(() => decodeBase64(body.depend_file ?? '', LIMITS.zipCodeBytes, 'FSS.1071'));
      fileName = `${body.name}.zip`;
    } else {
      if (!body.depend_link)
        throw new FgsError('FSS.1010', 'Invalid parameter depend_link: required when depend_type is obs');
      let url: URL;
      try {
        url = parseCodeUrl(body.depend_link);
      } catch {
        throw new FgsError('FSS.1010', 'Invalid parameter depend_link: must be an http or https URL');
      }
      zip = await this.code.download(url);
      link = url.toString();
      fileName = lastPathSegment(url) || `${body.name}.zip`;
    }
    if (zip.length === 0) throw new FgsError('FSS.1024', 'Invalid dependency: the package is empty');
    if (!isZip(zip)) throw new FgsError('FSS.1024', 'Invalid dependency: the package is not a ZIP archive');
    try {
      await inspectZip(zip, {
        maxEntries: DEPENDENCY_LIMITS.zipEntries,
        maxUncompressedBytes: LIMITS.unzippedCodeBytes,
      });
    } catch (err) {
      throw dependencyError(err);
    }
    return {
      zip,
      version: {
        runtime: body.runtime,
        description: body.description ?? '',
        dependType: body.depend_type,
        codeDigest: sha512Hex(zip),
        etag: createHash('md5').update(zip).digest('hex'),
        size: zip.length,
        fileName,
        link,
      },
    };
  }
}

function asDependencyError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw dependencyError(err);
  }
}

/** The code-package checks speak of function code; for a dependency the same finding is FSS.1024 (size stays 413/1023). */
function dependencyError(err: unknown): unknown {
  if (!(err instanceof FgsError)) return err;
  if (err.code === 'FSS.1011' || err.code === 'FSS.1012') {
    const detail = err.message
      .replace(/^Invalid parameter func_code\.file/, 'Invalid parameter depend_file')
      .replace(/^Invalid function code/, 'Invalid dependency')
      .replace(/^Function code is empty/, 'Invalid dependency: the package is empty');
    return new FgsError('FSS.1024', detail);
  }
  return err;
}

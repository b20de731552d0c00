import * as yauzl from 'yauzl';
import {
  CreateFunctionBody,
  CUSTOM_IMAGE_CODE_TYPE,
  CustomImageConfig,
  FgsError,
  IMAGE_RUNTIMES,
  imageReferenceProblem,
} from '@ofg/contracts';
import { CodeType, PreparedCode, sha512Hex, wrapInZip } from './code-package.service';

type CustomImageInput = NonNullable<CreateFunctionBody['custom_image']>;

/** Runtimes that start `$RUNTIME_CODE_ROOT/bootstrap` from the code package (contract sections 5.8 and 5.9). */
const BOOTSTRAP_RUNTIMES: readonly string[] = ['Custom', 'http'];
const BOOTSTRAP = 'bootstrap';
const IMAGE_RUNTIME_NAMES = IMAGE_RUNTIMES.map((r) => `"${r}"`).join(' or ');

/** The custom_image a create body stores: undefined for a code-package function; every rule checked. */
export function customImageForCreate(input: {
  runtime: string;
  code_type: string;
  custom_image?: CustomImageInput;
}): CustomImageConfig | undefined {
  const imageCode = input.code_type === CUSTOM_IMAGE_CODE_TYPE;
  const enabled = input.custom_image?.enabled === true;
  if (input.runtime === 'Custom Image' && !imageCode) {
    throw new FgsError(
      'FSS.1006',
      `Invalid parameter code_type: runtime "Custom Image" takes code_type ${CUSTOM_IMAGE_CODE_TYPE} and a custom_image`,
    );
  }
  if (imageCode && !IMAGE_RUNTIMES.includes(input.runtime)) {
    throw new FgsError(
      'FSS.1005',
      `Invalid parameter runtime: code_type ${CUSTOM_IMAGE_CODE_TYPE} runs as ${IMAGE_RUNTIME_NAMES} (event or HTTP function)`,
    );
  }
  if (!imageCode) {
    if (enabled) {
      throw new FgsError(
        'FSS.1006',
        `Invalid parameter code_type: an enabled custom_image needs code_type ${CUSTOM_IMAGE_CODE_TYPE}`,
      );
    }
    return undefined;
  }
  if (!input.custom_image || !enabled) {
    throw new FgsError(
      'FSS.0400',
      'Invalid parameter custom_image: a container-image function needs custom_image with enabled true and an image',
    );
  }
  return normalizeCustomImage(input.custom_image);
}

/**
 * The custom_image an update-config body stores: undefined keeps the stored one. A function keeps its kind: a
 * container-image function stays one (as "Custom Image" or "http"), a code-package function cannot become one.
 */
export function customImageForUpdate(
  fn: { codeType: string },
  input: { runtime: string; custom_image?: CustomImageInput },
): CustomImageConfig | undefined {
  if (fn.codeType !== CUSTOM_IMAGE_CODE_TYPE) {
    if (input.runtime === 'Custom Image') {
      throw new FgsError(
        'FSS.1005',
        'Invalid parameter runtime: a function created from a code package cannot become a "Custom Image" function; ' +
          `create one with code_type ${CUSTOM_IMAGE_CODE_TYPE}`,
      );
    }
    if (input.custom_image?.enabled === true) {
      throw new FgsError(
        'FSS.1006',
        `Invalid parameter custom_image: only functions created with code_type ${CUSTOM_IMAGE_CODE_TYPE} run an image`,
      );
    }
    return undefined;
  }
  if (!IMAGE_RUNTIMES.includes(input.runtime)) {
    throw new FgsError(
      'FSS.1005',
      `Invalid parameter runtime: a container-image function runs as ${IMAGE_RUNTIME_NAMES}`,
    );
  }
  if (input.custom_image === undefined) return undefined;
  if (input.custom_image.enabled !== true) {
    throw new FgsError(
      'FSS.0400',
      'Invalid parameter custom_image.enabled: a container-image function cannot turn its image off',
    );
  }
  return normalizeCustomImage(input.custom_image);
}

/** Checks every field (image reference FSS.1034, the rest FSS.0400) and returns the form responses show. */
export function normalizeCustomImage(input: CustomImageInput): CustomImageConfig {
  const image = (input.image ?? '').trim();
  const problem = imageReferenceProblem(image);
  if (problem) throw new FgsError('FSS.1034', `Invalid parameter custom_image.image: ${problem}`);
  const workingDir = (input.working_dir ?? '').trim();
  if (workingDir && (!workingDir.startsWith('/') || workingDir.includes('\0'))) {
    throw new FgsError('FSS.0400', 'Invalid parameter custom_image.working_dir: must be an absolute path');
  }
  for (const field of ['command', 'args'] as const) {
    if (input[field]?.includes('\0'))
      throw new FgsError('FSS.0400', `Invalid parameter custom_image.${field}: contains a NUL character`);
  }
  const config: CustomImageConfig = {
    enabled: true,
    image,
    command: input.command ?? '',
    args: input.args ?? '',
    working_dir: workingDir,
    uid: userId(input.uid, 'uid'),
    gid: userId(input.gid, 'gid'),
  };
  if (input.is_public !== undefined) config.is_public = input.is_public;
  return config;
}

/** uid/gid: empty for the default, otherwise a non-root id (the SDK sends strings, JSON callers numbers). */
function userId(value: string | number | undefined, field: 'uid' | 'gid'): string {
  if (value === undefined || value === '') return '';
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65534) {
    throw new FgsError(
      'FSS.0400',
      `Invalid parameter custom_image.${field}: must be a ${field === 'uid' ? 'user' : 'group'} id from 1 to 65534 (root is not allowed)`,
    );
  }
  return String(n);
}

/** update-code cannot give a container-image function a package, nor a package function an image. */
export function packageCodeType(fn: { codeType: string } | undefined, codeType: string): CodeType {
  if (fn?.codeType === CUSTOM_IMAGE_CODE_TYPE) {
    throw new FgsError(
      'FSS.1006',
      'Invalid parameter code_type: a container-image function has no code package; change custom_image with PUT .../config',
    );
  }
  if (codeType === CUSTOM_IMAGE_CODE_TYPE) {
    throw new FgsError(
      'FSS.1006',
      `Invalid parameter code_type: ${CUSTOM_IMAGE_CODE_TYPE} is only for functions created from a container image`,
    );
  }
  return codeType as CodeType;
}

let placeholder: Promise<PreparedCode> | undefined;

/**
 * What a container-image function stores as its package: the same small marker for all of them, so the invoker's code
 * path stays the same (it lands in the agent's code root); responses show no file and size 0.
 */
export function imagePlaceholderCode(): Promise<PreparedCode> {
  placeholder ??= wrapInZip(
    '.custom-image',
    Buffer.from('This function runs a container image (custom_image); it has no code package.\n'),
  ).then((zip) => ({ zip, digest: sha512Hex(zip), size: 0, codeFilename: '', codeUrl: '' }));
  return placeholder;
}

/** Custom runtimes and HTTP functions start `bootstrap` from the package root: refuse a package without one. */
export async function assertBootstrapPresent(runtime: string, code: PreparedCode): Promise<void> {
  if (!BOOTSTRAP_RUNTIMES.includes(runtime)) return;
  const names = await entryNames(code.zip);
  if (names.includes(BOOTSTRAP) || names.includes(`./${BOOTSTRAP}`)) return;
  const nested = names.find((name) => name.endsWith(`/${BOOTSTRAP}`));
  const hint = nested
    ? ` (found ${nested.slice(0, 200)}: zip the folder's contents rather than the folder)`
    : '';
  throw new FgsError(
    'FSS.1011',
    `Invalid function code: a ${runtime === 'http' ? 'HTTP function' : 'Custom runtime'} package needs an executable ` +
      `'bootstrap' file at its root${hint}`,
  );
}

/** File names of a zip that CodePackageService already validated. */
function entryNames(zip: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: true }, (err, file) => {
      if (err || !file)
        return reject(new FgsError('FSS.1011', 'Invalid function code: not a valid zip archive'));
      const names: string[] = [];
      file.on('entry', (entry: yauzl.Entry) => {
        if (!entry.fileName.endsWith('/')) names.push(entry.fileName);
        file.readEntry();
      });
      file.on('end', () => resolve(names));
      file.on('error', () =>
        reject(new FgsError('FSS.1011', 'Invalid function code: unreadable zip archive')),
      );
      file.readEntry();
    });
  });
}

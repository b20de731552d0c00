import type { CustomImageRun } from '../runtime/container-runtime.port';

/** `code_type` of container-image functions: the code is the image named in custom_image. */
export const CUSTOM_IMAGE_CODE_TYPE = 'Custom-Image-Swr';

/** Runtimes a container image can serve: event functions (`Custom Image`) and HTTP functions (`http`). */
export const IMAGE_RUNTIMES: readonly string[] = ['Custom Image', 'http'];

/** The non-root user a container image runs as when custom_image names none. */
export const DEFAULT_IMAGE_USER_ID = 1000;

/** custom_image as the API exchanges it and functions.extra stores it (uid/gid are strings in the SDK model). */
export interface CustomImageConfig {
  enabled: boolean;
  image: string;
  command?: string;
  args?: string;
  working_dir?: string;
  uid?: string;
  gid?: string;
  is_public?: boolean;
}

// Docker's reference grammar: [host[:port]/]path[:tag][@digest], lower-case path components.
const HOST =
  '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REFERENCE = new RegExp(
  `^${HOST}?${COMPONENT}(?:/${COMPONENT})*(?::[\\w][\\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$`,
);

/** Why `reference` is not an image reference Docker accepts, or undefined when it is one. */
export function imageReferenceProblem(reference: string): string | undefined {
  if (reference.trim() === '') return 'it is empty';
  if (reference.length > 1024) return 'it is longer than 1024 characters';
  if (!IMAGE_REFERENCE.test(reference)) {
    return 'expected [registry[:port]/]name[:tag][@sha256:digest] with a lower-case name';
  }
  return undefined;
}

/** FunctionGraph separates command and args entries with commas (`-args,value`). */
export function splitImageArgs(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** How the invoker runs a stored custom_image; undefined unless it is an enabled one with an image. */
export function toCustomImageRun(stored: unknown): CustomImageRun | undefined {
  if (!stored || typeof stored !== 'object') return undefined;
  const config = stored as Partial<CustomImageConfig>;
  if (config.enabled !== true || typeof config.image !== 'string' || config.image === '') return undefined;
  const uid = userId(config.uid);
  return {
    image: config.image,
    command: splitImageArgs(config.command),
    args: splitImageArgs(config.args),
    workingDir: config.working_dir ? config.working_dir : undefined,
    uid,
    // The group follows the user when only the user is given.
    gid: config.gid !== undefined && config.gid !== '' ? userId(config.gid) : uid,
  };
}

function userId(value: unknown): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 && n <= 65534 ? n : DEFAULT_IMAGE_USER_ID;
}

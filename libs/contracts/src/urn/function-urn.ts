import { FgsError } from '../errors/error-code';

/** A function reference resolved from any accepted URN form (spec §2.7). */
export interface FunctionRef {
  projectId: string;
  package: string;
  funcName: string;
  /** `latest`, a version name, or undefined when the URN carried no qualifier. */
  version?: string;
  /** Alias name (written `!name` in URNs). */
  alias?: string;
}

export const MAX_URN_LENGTH = 269;
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$|^[A-Za-z]$/;
const PROJECT = /^[A-Za-z0-9-]{1,64}$/;
const QUALIFIER = /^(?:!([A-Za-z][A-Za-z0-9_-]{0,62}))$|^([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/;

function invalid(urn: string): FgsError {
  return new FgsError('FSS.1309', `Invalid function URN: ${urn.slice(0, 300)}`);
}

/**
 * Parses the 1, 2, 3, 4, 7 and 8-field URN forms. `contextProjectId` fills the project for the short forms;
 * a URN naming another project is returned as-is so the caller can answer 404.
 */
export function parseFunctionUrn(urn: string, contextProjectId: string): FunctionRef {
  if (!urn || urn.length > MAX_URN_LENGTH) throw invalid(urn ?? '');
  const parts = urn.split(':');
  // A full URN cut short must not be read as one of the short forms.
  if (parts[0] === 'urn' && parts.length !== 7 && parts.length !== 8) throw invalid(urn);
  let ref: FunctionRef;
  let qualifier: string | undefined;
  switch (parts.length) {
    case 1:
      ref = { projectId: contextProjectId, package: 'default', funcName: parts[0] };
      break;
    case 2:
      ref = { projectId: contextProjectId, package: parts[0], funcName: parts[1] };
      break;
    case 3:
      ref = { projectId: parts[0], package: parts[1], funcName: parts[2] };
      break;
    case 4:
      ref = { projectId: parts[0], package: parts[1], funcName: parts[2] };
      qualifier = parts[3];
      break;
    case 7:
    case 8:
      if (parts[0] !== 'urn' || parts[1] !== 'fss' || parts[4] !== 'function' || !parts[2])
        throw invalid(urn);
      ref = { projectId: parts[3], package: parts[5], funcName: parts[6] };
      qualifier = parts[7];
      break;
    default:
      throw invalid(urn);
  }
  if (!PROJECT.test(ref.projectId) || !NAME.test(ref.package) || !NAME.test(ref.funcName)) throw invalid(urn);
  if (qualifier !== undefined) {
    const m = QUALIFIER.exec(qualifier);
    if (!m) throw invalid(urn);
    if (m[1]) ref.alias = m[1];
    else ref.version = m[2];
  }
  return ref;
}

/** `urn:fss:<region>:<project>:function:<package>:<name>` with an optional qualifier. */
export function formatFunctionUrn(
  region: string,
  ref: Pick<FunctionRef, 'projectId' | 'package' | 'funcName'>,
  qualifier?: string,
): string {
  const base = `urn:fss:${region}:${ref.projectId}:function:${ref.package}:${ref.funcName}`;
  return qualifier ? `${base}:${qualifier}` : base;
}

/** A qualifier as stored beside triggers and configs (`latest`, a version, or `!alias`) read back into its parts. */
export function parseQualifier(qualifier: string): Pick<FunctionRef, 'version' | 'alias'> {
  return qualifier.startsWith('!') ? { alias: qualifier.slice(1) } : { version: qualifier };
}

/** The stored spelling of a URN's qualifier: `!alias`, the version name, or `latest` when there is none. */
export function formatQualifier(ref: Pick<FunctionRef, 'version' | 'alias'>): string {
  if (ref.alias !== undefined) return `!${ref.alias}`;
  return ref.version === undefined || ref.version.toLowerCase() === 'latest' ? 'latest' : ref.version;
}

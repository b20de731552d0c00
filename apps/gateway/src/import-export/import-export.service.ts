import { Inject, Injectable } from '@nestjs/common';
import {
  EXPORT_TYPES,
  FgsError,
  FUNCTION_ARCHIVE,
  FunctionConfigDto,
  IMPORT_FIELD_ERRORS,
  importFunctionSchema,
} from '@ofg/contracts';
import { CodePackageRepository, FunctionEntity } from '@ofg/data-access';
import { FUNCTION_EXPORT_ENV_AAD, functionEnvAad, SecretCipher, SecretCipherError } from '@ofg/security';
import { FgsAuthContext } from '../common/fgs-request';
import { QueryParams } from '../common/query-params';
import { parseBody } from '../common/zod-errors';
import { GATEWAY_CONFIG, GatewayConfig } from '../config/gateway.config';
import { FunctionResolver } from '../functions/function.resolver';
import { FunctionsService } from '../functions/functions.service';
import {
  archiveConfigOf,
  archiveEntriesOf,
  createBodyOf,
  parseArchiveConfig,
  readArchive,
  writeArchive,
} from './function-archive';

/** What export returns: the archive and the name to save it under. */
export interface ExportedFunction {
  fileName: string;
  data: Buffer;
}

/** What an export holds. */
export interface ExportSelection {
  config: boolean;
  code: boolean;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Function export and import (spec §3.11) as a zip archive: the configuration as `<func_name>.yaml` and the code
 * package as `<func_name>.zip`. Import creates the function through the create-function rules (FSS.1061 when the
 * name exists). Encrypted variables are re-sealed for the archive under the master key, so they import into this
 * installation (or one sharing its OFG_MASTER_KEY) and nowhere else.
 */
@Injectable()
export class ImportExportService {
  private readonly cipher: SecretCipher;

  constructor(
    private readonly resolver: FunctionResolver,
    private readonly packages: CodePackageRepository,
    private readonly functions: FunctionsService,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.cipher = new SecretCipher(config.masterKeyHex);
  }

  /** The `latest` head only: FunctionGraph exports no aliases, and its console only `latest`. */
  async export(auth: FgsAuthContext, urn: string, query: QueryParams): Promise<ExportedFunction> {
    const { fn, target } = await this.resolver.findTarget(urn, auth);
    if (target.kind === 'alias')
      throw new FgsError('FSS.1014', 'Export applies to latest only, not to an alias');
    if (target.kind === 'version')
      throw new FgsError('FSS.1015', 'Export applies to latest only, not to a version');
    const selection = parseExportQuery(query);
    let code: Buffer | undefined;
    if (selection.code) {
      const stored = await this.packages.findForProject(auth.projectId, fn.codeDigest);
      if (!stored) throw new FgsError('FSS.0500', 'The code package of the function could not be read');
      code = stored;
    }
    const config = selection.config ? archiveConfigOf(fn, this.sealEncryptedUserData(fn)) : undefined;
    return { fileName: `${fn.funcName}.zip`, data: await writeArchive(archiveEntriesOf(fn, config, code)) };
  }

  async import(auth: FgsAuthContext, body: unknown): Promise<FunctionConfigDto> {
    const input = parseBody(importFunctionSchema, body, IMPORT_FIELD_ERRORS);
    if (input.file_type.toLowerCase() !== 'zip')
      throw new FgsError(
        'FSS.1013',
        `Invalid parameter file_type: ${input.file_type.slice(0, 16)} (zip only)`,
      );
    const archive = await readArchive(decodeArchive(input.file_code));
    const config = parseArchiveConfig(archive.config);
    const encryptedUserData = this.openEncryptedUserData(config);
    return this.functions.create(auth, createBodyOf(config, archive.code.data, input, encryptedUserData));
  }

  /** The function's encrypted variables sealed for the archive (`''` when it has none). */
  private sealEncryptedUserData(fn: FunctionEntity): string {
    if (!fn.encryptedUserData) return '';
    let plain: string;
    try {
      plain = this.cipher.decrypt(fn.encryptedUserData, functionEnvAad(fn.id));
    } catch (err) {
      if (err instanceof SecretCipherError)
        throw new FgsError(
          'FSS.0500',
          'The encrypted environment variables could not be opened with the master key',
        );
      throw err;
    }
    return this.cipher.encrypt(plain, FUNCTION_EXPORT_ENV_AAD);
  }

  /** Sealed variables opened with the master key; plain `encrypted_user_data` text is taken as written. */
  private openEncryptedUserData(config: Record<string, unknown>): string | undefined {
    const sealed = config['sealed_encrypted_user_data'];
    if (sealed === undefined || sealed === '') {
      const plain = config['encrypted_user_data'];
      return typeof plain === 'string' ? plain : undefined;
    }
    try {
      if (typeof sealed !== 'string') throw new SecretCipherError('not an envelope');
      return this.cipher.decrypt(sealed, FUNCTION_EXPORT_ENV_AAD);
    } catch (err) {
      if (!(err instanceof SecretCipherError)) throw err;
      throw new FgsError(
        'FSS.1009',
        'Invalid parameter encrypted_user_data: the sealed variables were exported by an installation with another master key; remove sealed_encrypted_user_data from the YAML file and set them after the import',
      );
    }
  }
}

/** `config`/`code` booleans, or `type` alone (`code` or `config`); at least one part must be asked for. */
export function parseExportQuery(query: QueryParams): ExportSelection {
  const flag = (name: 'config' | 'code'): boolean | undefined => {
    const raw = query[name];
    if (raw === undefined || raw === '') return undefined;
    if (typeof raw === 'string' && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
    throw new FgsError('FSS.1001', `Invalid query parameter ${name}: must be true or false`);
  };
  const config = flag('config');
  const code = flag('code');
  const type = query['type'];
  if (type !== undefined && type !== '') {
    if (typeof type !== 'string' || !(EXPORT_TYPES as readonly string[]).includes(type))
      throw new FgsError('FSS.1001', 'Invalid query parameter type: must be code or config');
    if (config !== undefined || code !== undefined)
      throw new FgsError('FSS.1001', 'Invalid query parameter type: cannot be combined with code or config');
    return { config: type === 'config', code: type === 'code' };
  }
  if (!config && !code)
    throw new FgsError('FSS.1001', 'Invalid query parameters: set code=true, config=true or type');
  return { config: config ?? false, code: code ?? false };
}

/** Strict Base64 of the archive, its size checked before decoding (FSS.1071 above the limit). */
export function decodeArchive(fileCode: string): Buffer {
  const compact = fileCode.replace(/\s+/g, '');
  if (!BASE64.test(compact) || compact.length % 4 === 1)
    throw new FgsError('FSS.1011', 'Invalid parameter file_code: not valid Base64');
  const padding = compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0;
  if (Math.floor((compact.length * 3) / 4) - padding > FUNCTION_ARCHIVE.maxArchiveBytes)
    throw new FgsError(
      'FSS.1071',
      `The archive is larger than ${Math.round(FUNCTION_ARCHIVE.maxArchiveBytes / (1024 * 1024))} MB`,
    );
  return Buffer.from(compact, 'base64');
}

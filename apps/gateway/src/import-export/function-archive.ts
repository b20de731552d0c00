import * as yauzl from 'yauzl';
import * as yazl from 'yazl';
import { FgsError, FUNCTION_ARCHIVE, ImportFunctionBody } from '@ofg/contracts';
import type { FunctionEntity } from '@ofg/data-access';
import { unsafeEntryName } from '../functions/code-package.service';
import { readExtra } from '../functions/function-extra';

/** One file of an archive. */
export interface ArchiveEntry {
  name: string;
  data: Buffer;
}

/** What import needs from an archive: its one configuration file and its one code package. */
export interface FunctionArchive {
  config: ArchiveEntry;
  code: ArchiveEntry;
}

/** The configuration document of an archive: FunctionGraph field names, as create takes them. */
export type ArchiveConfig = Record<string, unknown> & { func_name: string };

/** Field names copied from an archive's configuration into the create body (others are informational). */
const IMPORTED_FIELDS = [
  'runtime',
  'handler',
  'memory_size',
  'timeout',
  'code_filename',
  'user_data',
  'xrole',
  'app_xrole',
  'description',
  'initializer_handler',
  'initializer_timeout',
  'enterprise_project_id',
  'type',
  'strategy_config',
  'depend_version_list',
  'func_vpc',
  'mount_config',
  'log_config',
  'domain_names',
  'extend_config',
  'is_stateful_function',
  'enable_dynamic_memory',
  'custom_image',
] as const;

// A fixed timestamp keeps exports of an unchanged function identical (sealed variables aside: new IV each time).
const ARCHIVE_MTIME = new Date('2000-01-01T00:00:00Z');

/**
 * The configuration an export writes: what create needs to rebuild the function, plus `digest`/`code_size` for the
 * reader. Encrypted variables travel only sealed (`sealed_encrypted_user_data`), never in clear.
 */
export function archiveConfigOf(fn: FunctionEntity, sealedEncryptedUserData: string): ArchiveConfig {
  const extra = readExtra(fn.extra);
  const config: ArchiveConfig = {
    format: FUNCTION_ARCHIVE.format,
    func_name: fn.funcName,
    package: fn.package,
    runtime: fn.runtime,
    handler: fn.handler,
    memory_size: fn.memorySize,
    timeout: fn.timeoutS,
    code_type: fn.codeType,
    code_filename: fn.codeFilename,
    code_url: fn.codeUrl,
    code_size: fn.codeSize,
    digest: fn.codeDigest,
    user_data: fn.userData,
    xrole: fn.xrole,
    app_xrole: fn.appXrole,
    description: fn.description,
    initializer_handler: fn.initializerHandler,
    initializer_timeout: fn.initializerTimeoutS,
    enterprise_project_id: fn.enterpriseProjectId,
    type: fn.funcType,
    strategy_config: { concurrency: fn.maxInstances, concurrent_num: fn.concurrentNum },
    depend_version_list: extra.depend_version_list ?? [],
  };
  if (sealedEncryptedUserData) config['sealed_encrypted_user_data'] = sealedEncryptedUserData;
  for (const key of [
    'func_vpc',
    'mount_config',
    'log_config',
    'domain_names',
    'extend_config',
    'is_stateful_function',
    'enable_dynamic_memory',
    'custom_image',
  ] as const) {
    if (extra[key] !== undefined) config[key] = extra[key];
  }
  return config;
}

/** `<func_name>.yaml` (JSON is YAML's flow style, so any YAML 1.2 reader reads it) and `<func_name>.zip`/`.jar`. */
export function archiveEntriesOf(
  fn: Pick<FunctionEntity, 'funcName' | 'codeType'>,
  config: ArchiveConfig | undefined,
  code: Buffer | undefined,
): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [];
  if (config)
    entries.push({ name: `${fn.funcName}.yaml`, data: Buffer.from(`${JSON.stringify(config, null, 2)}\n`) });
  if (code) entries.push({ name: `${fn.funcName}.${fn.codeType === 'jar' ? 'jar' : 'zip'}`, data: code });
  return entries;
}

/** A zip of the entries; the code package is stored, not deflated again. */
export function writeArchive(entries: ArchiveEntry[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const zip = new yazl.ZipFile();
    for (const entry of entries) {
      const isPackage = FUNCTION_ARCHIVE.codeExtensions.some((ext) => entry.name.endsWith(ext));
      zip.addBuffer(entry.data, entry.name, { mtime: ARCHIVE_MTIME, mode: 0o100644, compress: !isPackage });
    }
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk));
    zip.outputStream.on('error', reject);
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.end();
  });
}

/**
 * Reads an uploaded archive: exactly one `.yaml`/`.yml` at the root (none: FSS.1025, several: FSS.1022) and exactly
 * one `.zip`/`.jar` (none: FSS.1012, several: FSS.1011); other files are ignored. Names are checked like code
 * packages, sizes are capped before anything is inflated.
 */
export function readArchive(data: Buffer): Promise<FunctionArchive> {
  return new Promise<FunctionArchive>((resolve, reject) => {
    yauzl.fromBuffer(
      data,
      { lazyEntries: true, decodeStrings: true, strictFileNames: true, validateEntrySizes: true },
      (err, zip) => {
        if (err || !zip)
          return reject(new FgsError('FSS.1011', 'Invalid file_code: not a valid zip archive'));
        let settled = false;
        const configs: ArchiveEntry[] = [];
        const codes: ArchiveEntry[] = [];
        const fail = (error: FgsError): void => {
          if (settled) return;
          settled = true;
          zip.close();
          reject(error);
        };
        if (zip.entryCount > FUNCTION_ARCHIVE.maxEntries)
          return fail(
            new FgsError('FSS.1023', `The archive has more than ${FUNCTION_ARCHIVE.maxEntries} entries`),
          );
        zip.on('error', (e: unknown) =>
          fail(
            new FgsError(
              'FSS.1011',
              `Invalid file_code: ${e instanceof Error ? e.message.slice(0, 200) : 'unreadable archive'}`,
            ),
          ),
        );
        zip.on('entry', (entry: yauzl.Entry) => {
          if (settled) return;
          const name = entry.fileName;
          const problem = unsafeEntryName(name);
          if (problem)
            return fail(
              new FgsError(
                'FSS.1011',
                `Invalid file_code: entry "${name.slice(0, 100)}" is not allowed (${problem})`,
              ),
            );
          const lower = name.toLowerCase();
          const isConfig = FUNCTION_ARCHIVE.configExtensions.some((ext) => lower.endsWith(ext));
          const isCode = FUNCTION_ARCHIVE.codeExtensions.some((ext) => lower.endsWith(ext));
          if (name.includes('/') || (!isConfig && !isCode)) return zip.readEntry();
          const max = isConfig ? FUNCTION_ARCHIVE.maxConfigBytes : FUNCTION_ARCHIVE.maxArchiveBytes;
          if (entry.uncompressedSize > max)
            return fail(
              isConfig
                ? new FgsError('FSS.1023', `The configuration file ${name} is larger than ${max / 1024} KB`)
                : new FgsError('FSS.1071', `The code package ${name.slice(0, 100)} is larger than allowed`),
            );
          zip.openReadStream(entry, (streamErr, stream) => {
            if (streamErr || !stream)
              return fail(new FgsError('FSS.1011', `Invalid file_code: ${name.slice(0, 100)} is unreadable`));
            const chunks: Buffer[] = [];
            stream.on('data', (chunk: Buffer) => chunks.push(chunk));
            stream.on('error', () =>
              fail(new FgsError('FSS.1011', `Invalid file_code: ${name.slice(0, 100)} is corrupt`)),
            );
            stream.on('end', () => {
              (isConfig ? configs : codes).push({ name, data: Buffer.concat(chunks) });
              zip.readEntry();
            });
          });
        });
        zip.on('end', () => {
          if (settled) return;
          if (configs.length > 1)
            return fail(
              new FgsError('FSS.1022', `The archive holds ${configs.length} YAML files; one is allowed`),
            );
          if (configs.length === 0)
            return fail(
              new FgsError('FSS.1025', 'The archive holds no function configuration (<name>.yaml)'),
            );
          if (codes.length === 0)
            return fail(
              new FgsError(
                'FSS.1012',
                'Function code is empty: the archive holds no code package (<name>.zip)',
              ),
            );
          if (codes.length > 1)
            return fail(
              new FgsError('FSS.1011', `The archive holds ${codes.length} code packages; one is allowed`),
            );
          settled = true;
          resolve({ config: configs[0], code: codes[0] });
        });
        zip.readEntry();
      },
    );
  });
}

/**
 * The configuration document. This installation reads YAML's JSON-compatible flow style (what its export writes);
 * block-style YAML is answered FSS.1025. A document without `func_name` is FSS.1057, as the spec lists.
 */
export function parseArchiveConfig(entry: ArchiveEntry): ArchiveConfig {
  const text = entry.data.toString('utf8').replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new FgsError(
      'FSS.1025',
      `The YAML file ${entry.name.slice(0, 100)} is malformed: this installation reads the JSON-compatible (flow) form of YAML that its export writes`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new FgsError(
      'FSS.1025',
      `The YAML file ${entry.name.slice(0, 100)} must hold a mapping of function fields`,
    );
  const config = parsed as Record<string, unknown>;
  if (typeof config['func_name'] !== 'string' || config['func_name'] === '')
    throw new FgsError('FSS.1057', `The YAML file ${entry.name.slice(0, 100)} names no function (func_name)`);
  return config as ArchiveConfig;
}

/**
 * The create-function body that rebuilds an archived function under the import's name and package (the package
 * defaults to the archived one, then `default`). An OBS function comes back as a zip function of the same package.
 */
export function createBodyOf(
  config: ArchiveConfig,
  code: Buffer,
  input: Pick<ImportFunctionBody, 'func_name' | 'package'>,
  encryptedUserData: string | undefined,
): Record<string, unknown> {
  const archivedPackage = typeof config['package'] === 'string' ? config['package'] : undefined;
  const codeType = config['code_type'];
  const body: Record<string, unknown> = {
    func_name: input.func_name,
    package: input.package ?? archivedPackage ?? 'default',
    code_type: codeType === 'obs' || codeType === undefined ? 'zip' : codeType,
    func_code: { file: code.toString('base64') },
  };
  for (const key of IMPORTED_FIELDS) if (config[key] !== undefined) body[key] = config[key];
  if (encryptedUserData !== undefined) body['encrypted_user_data'] = encryptedUserData;
  return body;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A published version: an immutable copy of the `latest` head's code and configuration at publish time. The code
 * package stays referenced (and readable) as long as the version exists.
 */
@Entity({ name: 'function_versions' })
@Unique('uq_function_versions_version', ['functionId', 'version'])
export class FunctionVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ name: 'function_id', type: 'uuid' })
  functionId!: string;

  @Column({ type: 'varchar', length: 64 })
  version!: string;

  /** The description given at publish (`version_description`); the function's own is in `description`. */
  @Column({ name: 'version_description', type: 'varchar', length: 512, default: '' })
  versionDescription!: string;

  /** SHA-256 of everything copied from the head: an unchanged head publishes nothing new (FSS.1016). */
  @Column({ name: 'content_digest', type: 'varchar', length: 64 })
  contentDigest!: string;

  @Column({ type: 'varchar', length: 32 })
  runtime!: string;

  @Column({ type: 'varchar', length: 128 })
  handler!: string;

  @Column({ name: 'memory_size', type: 'integer' })
  memorySize!: number;

  @Column({ name: 'timeout_s', type: 'integer' })
  timeoutS!: number;

  @Column({ name: 'code_type', type: 'varchar', length: 16 })
  codeType!: string;

  @Column({ name: 'code_url', type: 'text', default: '' })
  codeUrl!: string;

  @Column({ name: 'code_filename', type: 'varchar', length: 255, default: '' })
  codeFilename!: string;

  @Column({ name: 'code_digest', type: 'varchar', length: 128 })
  codeDigest!: string;

  @Column({ name: 'code_size', type: 'integer' })
  codeSize!: number;

  @Column({ name: 'user_data', type: 'text', default: '' })
  userData!: string;

  /** Ciphertext copied from the head; still bound (AAD) to the function id, so it decrypts unchanged. */
  @Column({ name: 'encrypted_user_data', type: 'text', default: '' })
  encryptedUserData!: string;

  @Column({ type: 'varchar', length: 256, default: '' })
  xrole!: string;

  @Column({ name: 'app_xrole', type: 'varchar', length: 256, default: '' })
  appXrole!: string;

  @Column({ type: 'varchar', length: 512, default: '' })
  description!: string;

  @Column({ name: 'initializer_handler', type: 'varchar', length: 128, default: '' })
  initializerHandler!: string;

  @Column({ name: 'initializer_timeout_s', type: 'integer', default: 0 })
  initializerTimeoutS!: number;

  @Column({ name: 'concurrent_num', type: 'integer', default: 1 })
  concurrentNum!: number;

  @Column({ name: 'func_type', type: 'varchar', length: 8, default: 'v2' })
  funcType!: string;

  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  extra!: Record<string, unknown>;

  /** Publish time; a version never changes afterwards. */
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** The `latest` head of a function: code and configuration that create/update calls modify. */
@Entity({ name: 'functions' })
@Unique('uq_functions_project_package_name', ['projectId', 'package', 'funcName'])
export class FunctionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ type: 'varchar', length: 64 })
  package!: string;

  @Column({ name: 'func_name', type: 'varchar', length: 64 })
  funcName!: string;

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

  /** Environment variables as the JSON object string the API exchanges. */
  @Column({ name: 'user_data', type: 'text', default: '' })
  userData!: string;

  /** Encrypted environment variables (ciphertext envelope). */
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

  /** Max instances (-1 unlimited, 0 disabled). */
  @Column({ name: 'max_instances', type: 'integer', default: -1 })
  maxInstances!: number;

  /** Requests one instance serves at once. */
  @Column({ name: 'concurrent_num', type: 'integer', default: 1 })
  concurrentNum!: number;

  @Column({ name: 'enterprise_project_id', type: 'varchar', length: 64, default: '0' })
  enterpriseProjectId!: string;

  @Column({ name: 'func_type', type: 'varchar', length: 8, default: 'v2' })
  funcType!: string;

  /** Configuration fields stored verbatim and returned as given (func_vpc, mount_config, log_config, ...). */
  @Column({ type: 'jsonb', default: () => "'{}'::jsonb" })
  extra!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** Not a column: set only on the in-memory view of a published version (`functionAtVersion`), never on a row. */
  publishedVersion?: string;
}

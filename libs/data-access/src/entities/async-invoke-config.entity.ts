import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** A destination as the API exchanges it: the type and its `param` JSON text, kept verbatim. */
export interface StoredAsyncDestination {
  destination: string;
  param: string;
}

/** The async notification config of one function qualifier (`latest`, a version or an alias). */
@Entity({ name: 'async_invoke_configs' })
@Unique('uq_async_invoke_configs_qualifier', ['functionId', 'qualifier'])
export class AsyncInvokeConfigEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ name: 'function_id', type: 'uuid' })
  functionId!: string;

  /** `latest`, a version name or `!alias`. */
  @Column({ type: 'varchar', length: 64 })
  qualifier!: string;

  @Column({ name: 'max_async_event_age_s', type: 'integer' })
  maxAsyncEventAgeS!: number;

  @Column({ name: 'max_async_retry_attempts', type: 'integer' })
  maxAsyncRetryAttempts!: number;

  @Column({ name: 'on_success', type: 'jsonb', nullable: true })
  onSuccess!: StoredAsyncDestination | null;

  @Column({ name: 'on_failure', type: 'jsonb', nullable: true })
  onFailure!: StoredAsyncDestination | null;

  @Column({ name: 'enable_async_status_log', type: 'boolean', default: false })
  enableAsyncStatusLog!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

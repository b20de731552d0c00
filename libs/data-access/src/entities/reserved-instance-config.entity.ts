import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** How many instances of one function qualifier are kept warm across the invokers, with its policies. */
@Entity({ name: 'reserved_instance_configs' })
@Unique('uq_reserved_instance_configs_qualifier', ['functionId', 'qualifierType', 'qualifierName'])
export class ReservedInstanceConfigEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ name: 'function_id', type: 'uuid' })
  functionId!: string;

  /** `version` (`latest` included) or `alias`. */
  @Column({ name: 'qualifier_type', type: 'varchar', length: 16 })
  qualifierType!: 'version' | 'alias';

  @Column({ name: 'qualifier_name', type: 'varchar', length: 64 })
  qualifierName!: string;

  /** The tenant's domain, which invokers put in the function snapshot they reserve instances for. */
  @Column({ name: 'domain_id', type: 'varchar', length: 64 })
  domainId!: string;

  @Column({ type: 'integer' })
  count!: number;

  @Column({ name: 'idle_mode', type: 'boolean', default: false })
  idleMode!: boolean;

  /** `{cron_configs, metric_configs}` as the API exchanges them. */
  @Column({ name: 'tactics_config', type: 'jsonb', default: () => "'{}'::jsonb" })
  tacticsConfig!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

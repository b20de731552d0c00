import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A trigger bound to a function (and qualifier). */
@Entity({ name: 'triggers' })
@Index('ix_triggers_function', ['functionId'])
export class TriggerEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ name: 'function_id', type: 'uuid' })
  functionId!: string;

  /** `latest`, a version or `!alias`. */
  @Column({ type: 'varchar', length: 64, default: 'latest' })
  qualifier!: string;

  @Column({ name: 'trigger_type_code', type: 'varchar', length: 32 })
  triggerTypeCode!: string;

  @Column({ name: 'trigger_status', type: 'varchar', length: 16 })
  triggerStatus!: 'ACTIVE' | 'DISABLED';

  @Column({ name: 'event_type_code', type: 'varchar', length: 64, default: '' })
  eventTypeCode!: string;

  /** Trigger name taken from event_data.name, unique per function and type. */
  @Column({ type: 'varchar', length: 128, default: '' })
  name!: string;

  @Column({ name: 'event_data', type: 'jsonb' })
  eventData!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

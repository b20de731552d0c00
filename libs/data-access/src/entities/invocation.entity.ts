import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** State of an async request's destination delivery. */
export type DestinationStatus = '' | 'PENDING' | 'DELIVERED' | 'FAILED';

/** One invocation: the async ledger row and, for every invocation, its outcome record. */
@Entity({ name: 'invocations' })
@Index('ix_invocations_function_created', ['functionId', 'createdAt'])
export class InvocationEntity {
  @PrimaryColumn({ name: 'request_id', type: 'uuid' })
  requestId!: string;

  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ name: 'function_id', type: 'uuid' })
  functionId!: string;

  @Column({ type: 'varchar', length: 64, default: 'latest' })
  qualifier!: string;

  @Column({ name: 'invoke_type', type: 'varchar', length: 8 })
  invokeType!: 'sync' | 'async';

  @Column({ name: 'trigger_type', type: 'varchar', length: 32, default: '' })
  triggerType!: string;

  @Column({ name: 'trigger_id', type: 'varchar', length: 64, default: '' })
  triggerId!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: string;

  @Column({ type: 'integer', default: 0 })
  attempt!: number;

  /** The event, kept for async invocations so they can be re-enqueued. */
  @Column({ type: 'text', nullable: true })
  event!: string | null;

  @Column({ type: 'text', nullable: true })
  result!: string | null;

  @Column({ name: 'error_message', type: 'text', default: '' })
  errorMessage!: string;

  @Column({ type: 'text', default: '' })
  log!: string;

  @Column({ name: 'duration_ms', type: 'double precision', nullable: true })
  durationMs!: number | null;

  @Column({ name: 'memory_used_mb', type: 'double precision', nullable: true })
  memoryUsedMb!: number | null;

  @Column({ name: 'start_kind', type: 'varchar', length: 16, default: '' })
  startKind!: string;

  /** Why an instance was started (StartReason); '' when the invocation ran warm. */
  @Column({ name: 'start_reason', type: 'varchar', length: 32, default: '' })
  startReason!: string;

  @Column({ name: 'invoker_id', type: 'varchar', length: 128, default: '' })
  invokerId!: string;

  @Column({ name: 'start_time', type: 'timestamptz', nullable: true })
  startTime!: Date | null;

  @Column({ name: 'end_time', type: 'timestamptz', nullable: true })
  endTime!: Date | null;

  /** How many times the reconciler re-enqueued this request after its job was lost. */
  @Column({ type: 'integer', default: 0 })
  recoveries!: number;

  /** '' (no destination), PENDING, DELIVERED or FAILED: the async destination outbox. */
  @Column({ name: 'destination_status', type: 'varchar', length: 16, default: '' })
  destinationStatus!: DestinationStatus;

  /** Delivery tries claimed so far; each claim fences the previous one. */
  @Column({ name: 'destination_attempts', type: 'integer', default: 0 })
  destinationAttempts!: number;

  /** When the last delivery try was claimed. */
  @Column({ name: 'destination_at', type: 'timestamptz', nullable: true })
  destinationAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An identity that can obtain tokens with a password. */
@Entity({ name: 'users' })
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 64, unique: true })
  name!: string;

  /** scrypt hash in the form `scrypt$N$r$p$salt$hash`. */
  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  @Column({ name: 'domain_id', type: 'varchar', length: 64 })
  domainId!: string;

  /** The project the user works in (roles per project come with the IAM issue). */
  @Column({ name: 'project_id', type: 'varchar', length: 64 })
  projectId!: string;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

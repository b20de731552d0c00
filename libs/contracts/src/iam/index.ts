export * from './iam-actions';
export * from './policy';
export * from './system-roles';
export * from './iam-admin.schemas';

export * from './version.schemas';
export * from './alias-routing';
export * from './version.dto';

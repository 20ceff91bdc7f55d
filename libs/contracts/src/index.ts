export * from './errors';
export * from './ids';
export * from './tasks';
export * from './messaging';
export * from './notifications';
export * from './locks';
